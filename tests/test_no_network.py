"""A scan opens no network connection and looks up no host name.

The scan runs in a child process with a Python audit hook that records every socket connect, send and
name lookup. The same hook, on `signatures update` from a server on 127.0.0.1, must see that
connection: so the test can fail.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import FIXTURES
from plant import TEST_INDICATORS, plant_all

HOOK = r"""
import json, sys
log = open(sys.argv[1], "a")
def hook(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo", "socket.gethostbyname",
                 "socket.gethostbyaddr", "urllib.Request"):
        log.write(json.dumps([event, repr(args)[:300]]) + "\n"); log.flush()
sys.addaudithook(hook)
from techcheck.cli import main
sys.exit(main(sys.argv[2:]))
"""


def run_hooked(args: list[str], log: Path, env: dict[str, str]) -> tuple[int, list[list[str]]]:
    proc = subprocess.run(
        [sys.executable, "-c", HOOK, str(log), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    events = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return proc.returncode, events


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(
        HOME=str(tmp_path / "home"),
        TECHCHECK_HOME=str(tmp_path / "tch"),
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the full scan runs on Linux")
def test_scan_and_plan_use_no_network(tmp_path: Path) -> None:
    plant_all(tmp_path / "home")
    indicators = tmp_path / "ind.yaml"
    indicators.write_text(TEST_INDICATORS, encoding="utf-8")
    env = _env(tmp_path)
    code, events = run_hooked(
        ["scan", "local", "--json", str(tmp_path / "r.json"), "--indicators", str(indicators)],
        tmp_path / "scan.log",
        env,
    )
    assert code == 0
    assert events == []
    code, events = run_hooked(
        ["plan", str(tmp_path / "r.json"), "-o", str(tmp_path / "p.html")], tmp_path / "plan.log", env
    )
    assert code == 0
    assert events == []


def test_the_hook_does_see_the_update_connection(tmp_path: Path) -> None:
    root = tmp_path / "www"
    root.mkdir()
    (root / "ioc.yaml").write_bytes((FIXTURES / "indicators" / "echap-small.yaml").read_bytes())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/ioc.yaml"
        code, events = run_hooked(["signatures", "update", "--from", url], tmp_path / "update.log", _env(tmp_path))
    finally:
        httpd.shutdown()
    assert code == 0
    connects = [e for e in events if e[0] == "socket.connect"]
    assert connects and all("127.0.0.1" in e[1] for e in connects)
