"""The Linux and shared collectors on a temporary HOME: what they collect, what they record as not
checked, and the one-read file scan with YARA."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from techcheck.checks.local_apps import check_autostart, check_file_scan
from techcheck.collect import linux
from techcheck.collect.base import Context, expand_path, run_steps
from techcheck.collect.files import collect_file_scan
from techcheck.collect.local import collect_installed, collect_processes, collect_ssh_keys
from techcheck.indicators import IndicatorSet
from techcheck.indicators.entry import YaraSource
from techcheck.indicators.files import read_indicator_file
from techcheck.indicators.yara_rules import compile_rules
from techcheck.model import Snapshot, Target
from techcheck.parse import parse_snapshot
from techcheck.parse.processes import parse_connections, parse_processes
from techcheck.parse.records import FileScan, InstalledPath, LocationSetting, ParseError, ProcessRecord
from techcheck.parse.system import parse_file_scan, parse_gsettings_bool

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def context(home: Path, **kwargs) -> Context:
    env = {"PATH": os.environ.get("PATH", ""), **kwargs.pop("env", {})}
    return Context(snapshot=Snapshot(target=Target(kind="local")), home=home, platform="linux", env=env, **kwargs)


def fake_command(folder: Path, name: str, script: str) -> None:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(0o755)


# Parsers of what psutil gave ----------------------------------------------------------------------
def test_process_and_connection_parsers_bound_hostile_text() -> None:
    raw = json.dumps(
        [{"pid": 4, "name": "x\u202e" + "n" * 500, "exe": "/a", "cmdline": ["a", "\x00b"], "username": None}]
    )
    (proc,) = parse_processes(raw.encode())
    assert len(proc.name) == 200 and "\u202e" not in proc.name and proc.cmdline == "a b" and proc.username == ""
    conns = parse_connections(
        json.dumps([{"laddr": ["10.0.0.1", 22], "raddr": [], "status": "LISTEN", "pid": None}]).encode()
    )
    assert conns[0].lport == 22 and conns[0].raddr == "" and conns[0].pid is None
    with pytest.raises(ParseError):
        parse_processes(b"{}")


def test_small_system_parsers() -> None:
    assert parse_gsettings_bool("true\n", "s") == [LocationSetting("s", True)]
    with pytest.raises(ParseError):
        parse_gsettings_bool("No such schema “org.gnome.system.location”\n", "s")
    rows = parse_file_scan(
        json.dumps([{"path": "/x", "size": 3, "sha256": "ab", "yara": [{"origin": "t", "rule": "r"}]}]).encode()
    )
    assert rows[0].yara[0].rule == "r"


# Collectors ----------------------------------------------------------------------------------------
def test_processes_include_this_test(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    collect_processes(ctx)
    records = parse_snapshot(ctx.snapshot).of(ProcessRecord)
    assert any(r.pid == os.getpid() for r in records)


def test_installed_paths_expand_home_and_globs(tmp_path: Path) -> None:
    (tmp_path / ".local" / "share" / "testspy").mkdir(parents=True)
    ind = IndicatorSet(read_indicator_file(FIXTURES / "indicators" / "own-valid.yaml").entries)
    ctx = context(tmp_path, indicators=ind)
    collect_installed(ctx)
    found = parse_snapshot(ctx.snapshot).of(InstalledPath)
    assert [f.path for f in found] == [str(tmp_path / ".local" / "share" / "testspy")]


def test_expand_path() -> None:
    env = {"LocalAppData": r"C:\Users\ana\AppData\Local"}
    assert expand_path(r"%LOCALAPPDATA%\x\y.exe", Path("/h"), env) == r"C:\Users\ana\AppData\Local\x\y.exe"
    assert expand_path("~/bin/z", Path("/h"), {}) == "/h/bin/z"
    assert expand_path("%NOPE%\\a", Path("/h"), {}) == "%NOPE%\\a"


def test_autostart_collection_with_crontab_and_systemd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    units = home / ".config" / "systemd" / "user"
    (units / "default.target.wants").mkdir(parents=True)
    (units / "sync.service").write_text("[Unit]\nDescription=Sync\n[Service]\nExecStart=/home/a/bin/sync --daemon\n")
    (units / "default.target.wants" / "sync.service").symlink_to(units / "sync.service")
    (units / "idle.service").write_text("[Service]\nExecStart=/usr/bin/idle\n")
    bins = tmp_path / "bin"
    fake_command(bins, "crontab", "echo '# m h dom mon dow command'; echo '@reboot /home/a/.hidden/run.sh'")
    ctx = context(home, env={"PATH": f"{bins}:{os.environ['PATH']}", "XDG_CONFIG_DIRS": str(tmp_path / "none")})
    linux.collect_autostart(ctx)
    facts = parse_snapshot(ctx.snapshot)
    found = check_autostart(facts, IndicatorSet())
    assert sorted(f.subject["path"] for f in found) == ["/home/a/.hidden/run.sh", "/home/a/bin/sync"]


def test_missing_and_failing_commands_become_problems(tmp_path: Path) -> None:
    bins = tmp_path / "bin"
    fake_command(bins, "crontab", "echo 'crontab: your crontab file is corrupt' >&2; exit 1")
    fake_command(bins, "gsettings", "echo 'No such schema' >&2; exit 1")
    ctx = context(tmp_path, env={"PATH": str(bins)})
    run_steps(ctx, [s for s in linux.STEPS if s.key in ("step.autostart", "step.location")])
    problems = {(p.kind, p.status, p.reason) for p in ctx.snapshot.problems}
    assert ("crontab", "failed", "error") in problems
    assert ("gsettings_location", "skipped", "not-available") in problems
    empty = context(tmp_path, env={"PATH": str(tmp_path / "nothing-here")})
    linux.collect_location(empty)
    assert [(p.kind, p.reason) for p in empty.snapshot.problems] == [("gsettings_location", "not-available")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="logind fallback is Linux")
def test_logind_fallback_when_utmp_is_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import psutil

    monkeypatch.setattr(psutil, "users", lambda: [])  # as on Debian 13, where utmp is gone
    outputs = tmp_path / "out"
    outputs.mkdir()
    (outputs / "list").write_text(
        "     2 1000 ana   seat0 1234 user   tty2 no -\n    c7 1000 ana   -     5678 user   pts/1 no -\n"
    )
    (outputs / "show-c7").write_text(
        "Id=c7\nName=ana\nRemote=yes\nRemoteHost=203.0.113.7\nService=sshd\nTTY=pts/1\n"
        "Timestamp=Thu 2026-11-26 09:12:03 UTC\n"
    )
    (outputs / "show-2").write_text("Id=2\nName=ana\nRemote=no\nService=gdm-password\nTTY=tty2\nType=wayland\n")
    bins = tmp_path / "bin"
    fake_command(
        bins,
        "loginctl",
        f'case "$1" in list-sessions) cat {outputs}/list ;; show-session) cat {outputs}/show-$3 ;; esac',
    )
    ctx = context(tmp_path, env={"PATH": f"{bins}:{os.environ['PATH']}"})
    linux.collect_sessions(ctx)
    from techcheck.parse.records import LoginSession

    sessions = parse_snapshot(ctx.snapshot).of(LoginSession)
    assert [(s.user, s.remote, s.host, s.started) for s in sessions] == [
        ("ana", False, "", ""),
        ("ana", True, "203.0.113.7", "2026-11-26T09:12:03Z"),
    ]


def test_unreadable_files_are_skipped_with_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root in CI, where chmod does not stop reading: the refusal is simulated at read time."""
    ssh = tmp_path / ".ssh"
    ssh.mkdir()
    (ssh / "authorized_keys").write_text("ssh-ed25519 AAAA x\n")
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "authorized_keys":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    ctx = context(tmp_path)
    collect_ssh_keys(ctx)
    assert [(p.kind, p.status, p.reason) for p in ctx.snapshot.problems] == [
        ("authorized_keys", "skipped", "not-readable")
    ]
    from techcheck.checks import run_checks
    from techcheck.checks.local_logins import CHECKS

    result = run_checks([c for c in CHECKS if c.id == "local.ssh-keys"], parse_snapshot(ctx.snapshot), IndicatorSet())
    assert result.results[0].status == "skipped" and "not-readable" in result.results[0].note


def test_wtmp_unreadable_needs_admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wtmp = tmp_path / "wtmp"
    wtmp.write_bytes(b"\0" * 384)
    monkeypatch.setattr(linux, "WTMP", wtmp)
    monkeypatch.setattr(linux, "WTMPDB_PATHS", ())
    real = Path.read_bytes
    monkeypatch.setattr(
        Path,
        "read_bytes",
        lambda self: (_ for _ in ()).throw(PermissionError(13, "denied")) if self == wtmp else real(self),
    )
    ctx = context(tmp_path / "home")
    linux.collect_login_history(ctx)
    assert [(p.kind, p.reason) for p in ctx.snapshot.problems] == [("wtmp", "needs-admin")]


def test_file_scan_reads_each_program_once_and_yara_finds_renamed_tools(tmp_path: Path) -> None:
    marker = b"techcheck-test-monitoring-marker-7f3a"
    program = tmp_path / "innocent-name"
    program.write_bytes(b"\x7fELF" + b"\0" * 100 + marker + b"\0" * 100)
    program.chmod(0o755)
    autostart = tmp_path / "home" / ".config" / "autostart"
    autostart.mkdir(parents=True)
    (autostart / "a.desktop").write_text(f"[Desktop Entry]\nName=A\nExec={program}\n")
    (autostart / "b.desktop").write_text(f"[Desktop Entry]\nName=B\nExec={program} --again\n")
    rule = YaraSource(
        "mine",
        "mine.yar",
        'rule TestMon { meta: name = "TestMon" type = "monitoring" '
        f'strings: $m = "{marker.decode()}" condition: $m }}',
    )
    ctx = context(tmp_path / "home", rules=compile_rules([rule]), env={"XDG_CONFIG_DIRS": str(tmp_path / "none")})
    linux.collect_autostart(ctx)
    collect_file_scan(ctx)
    facts = parse_snapshot(ctx.snapshot)
    scans = facts.of(FileScan)
    assert [s.path for s in scans] == [str(program)]  # two entries, one read
    (finding,) = check_file_scan(facts, IndicatorSet())
    assert finding.subject["name"] == "TestMon" and finding.category == "stalkerware"
    assert finding.matched[0].by == "yara" and finding.matched[0].source == "mine"
