"""Collecting from the computer techcheck runs on. Observe only: nothing here changes the person's files.

Steps shared by every OS are here; the OS-specific ones are in ``linux.py``, ``macos.py`` and
``windows.py``. The file scan runs last, because it reads the programs the other steps found.
"""

from __future__ import annotations

import glob
import json
import os
import platform
import socket
import sys
from pathlib import Path
from typing import Any

from techcheck.collect import browsers, files
from techcheck.collect.base import Context, Step, expand_path, run_steps
from techcheck.model import Snapshot, Target
from techcheck.text import clip

MAX_PROCESSES = 5000
MAX_GLOB_HITS = 50


def current_platform() -> str:
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform == "darwin":
        return "macos"
    if sys.platform.startswith("win"):
        return "windows"
    return sys.platform


def local_target(plat: str) -> Target:
    os_name = f"{platform.system()} {platform.release()}".strip()
    if plat == "linux":
        try:
            for line in Path("/etc/os-release").read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("PRETTY_NAME="):
                    os_name = f"{line.split('=', 1)[1].strip().strip(chr(34))} ({os_name})"
        except OSError:
            pass
    elif plat == "macos":
        os_name = f"macOS {platform.mac_ver()[0]}"
    return Target(
        kind="local", id=clip(socket.gethostname(), 128), model=clip(platform.machine(), 64), os=clip(os_name)
    )


def collect_processes(ctx: Context) -> None:
    import psutil

    rows: list[dict[str, Any]] = []
    for proc in psutil.process_iter(["pid", "name", "exe", "cmdline", "username"]):
        info = proc.info
        cmdline = info.get("cmdline") or []
        rows.append(
            {
                "pid": info.get("pid"),
                "name": info.get("name") or "",
                "exe": info.get("exe") or "",
                "cmdline": [str(p)[:512] for p in cmdline[:64]],
                "username": info.get("username") or "",
            }
        )
        if len(rows) >= MAX_PROCESSES:
            break
    ctx.add("processes", "psutil.process_iter", json.dumps(rows))


def collect_psutil_users(ctx: Context) -> None:
    """psutil.users() reads utmpx on macOS and WTS on Windows: the same artifact as Linux's utmp."""
    import psutil

    users = [u._asdict() for u in psutil.users()]
    ctx.add("utmp_users", "psutil.users", json.dumps(users))


def collect_connections(ctx: Context) -> None:
    import psutil

    try:
        conns = psutil.net_connections(kind="inet")
    except psutil.AccessDenied:
        ctx.problem("connections", "skipped", "needs-admin", "psutil.net_connections")
        return
    names: dict[int, str] = {}
    rows = []
    for conn in conns:
        if conn.status not in (psutil.CONN_ESTABLISHED, psutil.CONN_LISTEN, psutil.CONN_SYN_SENT):
            continue
        process = ""
        if conn.pid:
            if conn.pid not in names:
                try:
                    names[conn.pid] = psutil.Process(conn.pid).name()
                except (psutil.Error, OSError):
                    names[conn.pid] = ""
            process = names[conn.pid]
        rows.append(
            {
                "laddr": list(conn.laddr) if conn.laddr else [],
                "raddr": list(conn.raddr) if conn.raddr else [],
                "status": conn.status,
                "pid": conn.pid,
                "process": process,
            }
        )
    ctx.add("connections", "psutil.net_connections", json.dumps(rows))


def collect_installed(ctx: Context) -> None:
    """Which install paths of known tools exist here (only paths for this OS are probed)."""
    found = []
    seen: set[str] = set()
    patterns = ctx.indicators.path_patterns(ctx.platform) if ctx.indicators else []
    for raw, _entry in patterns:
        path = expand_path(raw, ctx.home, ctx.env)
        if "%" in path or (ctx.platform != "windows" and not path.startswith("/")):
            continue
        hits = glob.glob(path.rstrip("/\\"))[:MAX_GLOB_HITS] if "*" in path else [path.rstrip("/\\") or path]
        for hit in hits:
            if hit not in seen and os.path.lexists(hit):
                seen.add(hit)
                found.append({"path": hit, "pattern": raw})
    ctx.add("installed_paths", "install paths of known tools", json.dumps(found))


def collect_ssh_keys(ctx: Context) -> None:
    for name in ("authorized_keys", "authorized_keys2"):
        ctx.read("authorized_keys", ctx.home / ".ssh" / name)
    if ctx.platform == "windows":
        program_data = Path(ctx.env.get("PROGRAMDATA", r"C:\ProgramData"))
        ctx.read("authorized_keys", program_data / "ssh" / "administrators_authorized_keys")


def _os_steps(plat: str) -> list[Step]:
    if plat == "linux":
        from techcheck.collect import linux

        return linux.STEPS
    if plat == "macos":
        from techcheck.collect import macos

        return macos.STEPS
    if plat == "windows":
        from techcheck.collect import windows

        return windows.STEPS
    return []


COMMON_BEFORE = [
    Step("step.processes", ("processes",), collect_processes),
    Step("step.connections", ("connections",), collect_connections),
    Step("step.installed", ("installed_paths",), collect_installed),
]
COMMON_AFTER = [
    Step("step.ssh", ("authorized_keys",), collect_ssh_keys),
    Step("step.browsers", browsers.KINDS, browsers.collect_browsers),
    Step("step.files", ("file_scan",), files.collect_file_scan),
]


def collect_local(
    indicators: Any = None,
    rules: Any = None,
    progress: Any = None,
    home: Path | None = None,
    plat: str | None = None,
) -> Snapshot:
    plat = plat or current_platform()
    snapshot = Snapshot(target=local_target(plat))
    ctx = Context(
        snapshot=snapshot,
        home=home or Path.home(),
        platform=plat,
        indicators=indicators,
        rules=rules,
        progress=progress or (lambda step: None),
    )
    run_steps(ctx, [*COMMON_BEFORE, *_os_steps(plat), *COMMON_AFTER])
    return snapshot


def step_count(plat: str | None = None) -> int:
    return len(COMMON_BEFORE) + len(_os_steps(plat or current_platform())) + len(COMMON_AFTER)
