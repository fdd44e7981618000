"""`techcheck scan local` end to end on this machine, with things planted in a temporary HOME.

The scan runs as a separate process, as a person would run it; a test indicator file names a harmless
process started for the test. The scan must report each planted thing with the right category and
subject, change nothing on disk, and run only allow-listed commands.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from plant import HOSTILE, TEST_INDICATORS, TEST_PROCESS, make_shims, plant_all, start_test_process, tree_state

from techcheck.collect.allowlist import LOCAL, is_allowed

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the end-to-end scan runs on Linux")

REPORT_KEYS = {"schema", "tool", "created", "target", "indicators", "checks", "findings", "errors"}
FINDING_KEYS = {"id", "category", "severity", "subject", "matched", "evidence", "guide"}


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "techcheck", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("e2e")
    home = base / "home"
    plant_all(home)
    indicators = base / "test-indicators.yaml"
    indicators.write_text(TEST_INDICATORS, encoding="utf-8")
    log = base / "commands.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(
        HOME=str(home),
        TECHCHECK_HOME=str(base / "tch"),
        NO_COLOR="1",
        PATH=make_shims(base / "shims", log),
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    before = tree_state(home)
    proc = start_test_process(base / "bin")
    try:
        result = run_cli(
            ["scan", "local", "--json", str(base / "report.json"), "--indicators", str(indicators)], env, base
        )
    finally:
        proc.kill()
        proc.wait()
    after = tree_state(home)
    report = json.loads((base / "report.json").read_text(encoding="utf-8"))
    commands = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return {
        "base": base,
        "home": home,
        "env": env,
        "result": result,
        "report": report,
        "before": before,
        "after": after,
        "commands": commands,
    }


def findings(report: dict, finding_id: str) -> list[dict]:
    return [f for f in report["findings"] if f["id"] == finding_id]


def test_scan_finishes_and_reports_in_the_contract_shape(scanned: dict) -> None:
    result, report = scanned["result"], scanned["report"]
    assert result.returncode == 0, result.stderr
    assert set(report) == REPORT_KEYS
    assert report["schema"] == "techcheck/report-1"
    assert report["target"]["kind"] == "local"
    assert {c["id"] for c in report["checks"]} >= {
        "local.processes",
        "local.autostart",
        "local.ssh-keys",
        "local.browser-accounts",
        "local.browser-location",
    }
    assert all(c["status"] in ("ok", "finding", "skipped", "failed") for c in report["checks"])
    assert all(set(f) == FINDING_KEYS for f in report["findings"])
    assert {"source": "test-indicators", "version": "given for this scan", "entries": 1} in report["indicators"]
    assert "\x1b[" not in result.stdout + result.stderr  # NO_COLOR
    assert "Nothing on this computer was changed." in result.stdout


def test_process_matching_a_test_indicator(scanned: dict) -> None:
    found = findings(scanned["report"], "local.monitoring")
    assert len(found) == 1
    finding = found[0]
    assert finding["category"] == "stalkerware" and finding["severity"] == "high"
    assert finding["subject"]["kind"] == "process"
    assert finding["subject"]["process"] == TEST_PROCESS and finding["subject"]["name"] == "TestSpy Agent"
    assert {"by": "process", "value": TEST_PROCESS, "source": "test-indicators"} in finding["matched"]
    assert finding["guide"] == "computer-monitoring"


def test_autostart_entry_and_hidden_entry(scanned: dict) -> None:
    found = findings(scanned["report"], "local.autostart")
    paths = {f["subject"].get("path") for f in found}
    assert "/opt/synchelper/helperd" in paths
    assert "/usr/bin/oldthing" not in paths  # Hidden=true
    helper = next(f for f in found if f["subject"]["path"] == "/opt/synchelper/helperd")
    assert helper["category"] == "other" and helper["subject"]["name"] == "Sync Helper"


def test_ssh_key(scanned: dict) -> None:
    (key,) = findings(scanned["report"], "local.ssh-key")
    assert key["category"] == "accounts"
    assert key["subject"]["name"] == "other-person@their-laptop"
    assert key["subject"]["account"] == "home"
    assert key["subject"]["fingerprint"].startswith("SHA256:")


def test_browser_accounts_and_location(scanned: dict) -> None:
    accounts = {
        (f["subject"]["browser"], f["subject"]["account"]) for f in findings(scanned["report"], "local.browser-account")
    }
    assert accounts == {("Chrome", "ana.other@example.com"), ("Firefox", "sync.person@example.net")}
    assert all(f["category"] == "accounts" for f in findings(scanned["report"], "local.browser-account"))
    sites = {
        (f["subject"]["browser"], f["subject"]["site"]) for f in findings(scanned["report"], "local.browser-location")
    }
    assert sites == {("Chrome", "https://where.example"), ("Firefox", "https://maps.example.org")}
    assert all(f["category"] == "location" for f in findings(scanned["report"], "local.browser-location"))


def test_unpacked_extension_is_listed_and_component_is_not(scanned: dict) -> None:
    found = findings(scanned["report"], "local.browser-extension")
    ids = {f["subject"]["extension"] for f in found}
    assert ids == {"aaaabbbbccccddddeeeeffffgggghhhh"}
    assert found[0]["severity"] == "low" and found[0]["subject"]["install"] == "unpacked"


def test_nothing_on_disk_changed(scanned: dict) -> None:
    assert scanned["after"] == scanned["before"]


def test_only_allow_listed_commands_ran(scanned: dict) -> None:
    for argv in scanned["commands"]:
        assert is_allowed(LOCAL, argv), argv


def test_plan_from_the_report_escapes_hostile_text(scanned: dict) -> None:
    base, env = scanned["base"], scanned["env"]
    for name in ("plan.html", "plan.md"):
        result = run_cli(["plan", str(base / "report.json"), "-o", str(base / name)], env, base)
        assert result.returncode == 0, result.stderr
    html = (base / "plan.html").read_text(encoding="utf-8")
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "ana.other@example.com" in html and "Your technology safety plan" in html
    assert "<script" not in html and "<link" not in html and 'src="http' not in html  # self-contained
    markdown = (base / "plan.md").read_text(encoding="utf-8")
    assert r"\*\*bold\*\*" in markdown
    for line in markdown.splitlines():
        if HOSTILE in line:  # raw only inside code spans (evidence), where Markdown does not apply
            assert line.lstrip().startswith("- `"), line
