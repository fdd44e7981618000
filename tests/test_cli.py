"""The command line: help, usage errors as one clear line with exit code 2, plan output, languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from techcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "techcheck", *args], capture_output=True, text=True, env=full, timeout=60, check=False
    )


def test_help_lists_the_commands_and_imports_nothing_heavy() -> None:
    result = cli("--help")
    assert result.returncode == 0
    for word in ("scan", "plan", "signatures"):
        assert word in result.stdout
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, techcheck.cli as c\n"
            "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "names = ('rich', 'yara', 'psutil', 'pymobiledevice3', 'adb_shell', 'jinja2', 'yaml')\n"
            "heavy = [m for m in names if m in sys.modules]\n"
            "print('HEAVY:' + ','.join(heavy))",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert probe.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_no_command_shows_help_with_usage_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["scan"]) == 2
    assert "usage:" in capsys.readouterr().err


def test_bad_indicator_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "mine.yaml"
    bad.write_text("- name: X\n  type: stalkerware\n  ips: {a: 1}\n", encoding="utf-8")
    assert main(["scan", "local", "--indicators", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"An indicator file could not be used: {bad}: X: ips must be a list, not dict"


def test_bad_report_for_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.json"
    report.write_text(json.dumps({"schema": "something/else"}), encoding="utf-8")
    assert main(["plan", str(report)]) == 2
    assert capsys.readouterr().err.strip().endswith("r.json: not a techcheck/report-1 report")
    report.write_text("{not json", encoding="utf-8")
    assert main(["plan", str(report)]) == 2
    assert "not a JSON file" in capsys.readouterr().err
    assert main(["plan", str(tmp_path / "none.json")]) == 2
    assert "file not found" in capsys.readouterr().err


def _report(tmp_path: Path) -> Path:
    report = {
        "schema": "techcheck/report-1",
        "tool": {"name": "techcheck", "version": "0.1.0"},
        "created": "2026-11-27T10:00:00Z",
        "target": {"kind": "local", "id": "laptop", "model": "x86_64", "os": "Linux", "patch_level": ""},
        "indicators": [{"source": "echap", "version": "2026-11-27", "entries": 174, "licence": "CC BY 4.0, Echap"}],
        "checks": [
            {"id": "local.processes", "status": "finding", "note": ""},
            {"id": "local.sessions", "status": "skipped", "note": "needs-admin: /var/run/utmp"},
        ],
        "findings": [
            {
                "id": "local.remote-access",
                "category": "remote-access",
                "severity": "medium",
                "subject": {"kind": "process", "name": "AnyDesk", "process": "anydesk"},
                "matched": [{"by": "process", "value": "anydesk", "source": "techcheck"}],
                "evidence": [{"artifact": "processes", "detail": "running: pid 42 /usr/bin/anydesk"}],
                "guide": "computer-remote-access",
            }
        ],
        "errors": [],
    }
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def test_plan_formats_and_languages(tmp_path: Path) -> None:
    report = _report(tmp_path)
    for name in ("plan.html", "plan.md", "plan.json"):
        assert main(["plan", str(report), "-o", str(tmp_path / name)]) == 0
    html = (tmp_path / "plan.html").read_text(encoding="utf-8")
    assert "We found AnyDesk on this computer." in html
    assert "This may be noticed by the other person." in html
    assert "Credit" not in html and "CC BY 4.0, Echap" in html
    assert "needs administrator rights" in html
    md = (tmp_path / "plan.md").read_text(encoding="utf-8")
    assert md.startswith("# Your technology safety plan")
    data = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert data["sections"][0]["guide"]["id"] == "computer-remote-access"
    assert main(["plan", str(report), "--lang", "es", "-o", str(tmp_path / "es.html")]) == 0
    es = (tmp_path / "es.html").read_text(encoding="utf-8")
    assert '<html lang="es">' in es and "Encontramos AnyDesk en esta computadora." in es


def test_plan_refuses_unknown_output_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(_report(tmp_path)), "-o", str(tmp_path / "plan.pdf")]) == 2
    assert "plan.pdf" in capsys.readouterr().err


def test_plan_in_the_terminal_without_colour(tmp_path: Path) -> None:
    result = cli("plan", str(_report(tmp_path)), env={"NO_COLOR": "1", "TERM": "xterm-256color"})
    assert result.returncode == 0
    assert "We found AnyDesk on this computer." in result.stdout
    assert "\x1b[3" not in result.stdout  # no colour codes


def test_scan_to_standard_output_keeps_json_clean(tmp_path: Path) -> None:
    result = cli("scan", "local", "--json", "-", env={"HOME": str(tmp_path), "NO_COLOR": "1"})
    assert result.returncode in (0, 4), result.stderr
    report = json.loads(result.stdout)
    assert report["schema"] == "techcheck/report-1"
    assert "Nothing on this computer was changed." in result.stderr


def test_spanish_terminal_text(tmp_path: Path) -> None:
    result = cli("scan", "local", "--lang", "es", env={"HOME": str(tmp_path), "NO_COLOR": "1"})
    assert result.returncode in (0, 4), result.stderr
    assert "No se cambió nada en esta computadora." in result.stdout
    assert "Nothing on this computer was changed." not in result.stdout


def test_unwritable_report_path_is_refused_before_the_scan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing-folder" / "report.json"
    assert main(["scan", "local", "--json", str(target)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"Could not save {target}: the folder does not exist, or it cannot be written to."
    )
