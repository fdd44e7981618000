"""The macOS and Windows collectors, run on Linux: a temporary home, a fake ``last`` program on PATH,
a registry made of a dict, and temporary Startup folders."""

from __future__ import annotations

import json
import shutil
import stat
import sys
from collections import namedtuple
from pathlib import Path

import psutil
import pytest

from techcheck.collect import macos, registry, windows
from techcheck.collect.allowlist import LOCAL, is_allowed
from techcheck.collect.base import Context, run_steps
from techcheck.collect.registry import DictRegistry, WinregReader
from techcheck.model import Snapshot, Target
from techcheck.parse import parse_snapshot
from techcheck.parse.records import AutostartEntry, LocationSetting, LoginEvent, LoginSession

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CV = "Software\\Microsoft\\Windows\\CurrentVersion"
APPROVED = f"{CV}\\Explorer\\StartupApproved"
LOCATION = f"{CV}\\CapabilityAccessManager\\ConsentStore\\location"
FakeUser = namedtuple("FakeUser", "name terminal host started pid")
CAT_LAST = f"exec '{shutil.which('cat')}' '{FIXTURES / 'macos' / 'last.txt'}'"  # PATH holds only the fake


def make_ctx(tmp_path: Path, platform: str, env: dict[str, str] | None = None) -> Context:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return Context(snapshot=Snapshot(Target("local")), home=home, platform=platform, env=dict(env or {}))


def problems(ctx: Context) -> list[tuple[str, str, str]]:
    return [(p.kind, p.status, p.reason) for p in ctx.snapshot.problems]


# macOS -----------------------------------------------------------------------------------------------


@pytest.fixture
def mac(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Context:
    ctx = make_ctx(tmp_path, "macos")
    agents = ctx.home / "Library" / "LaunchAgents"
    agents.mkdir(parents=True)
    for name in ("com.example.agent.plist", "com.example.disabled.plist", "com.example.broken.plist"):
        shutil.copy(FIXTURES / "macos" / "launchd" / name, agents / name)
    (agents / "notes.txt").write_text("not a plist")
    daemons = tmp_path / "LaunchDaemons"
    daemons.mkdir()
    shutil.copy(
        FIXTURES / "macos" / "launchd" / "com.example.updater.plist", daemons / "com.example.updater.plist"
    )
    monkeypatch.setattr(
        macos, "SYSTEM_LAUNCHD_DIRS", ((tmp_path / "LaunchAgents-missing", "system"), (daemons, "system"))
    )
    return ctx


def fake_program(folder: Path, name: str, script: str) -> None:
    """A stand-in for a system program, found through ctx.env["PATH"] like the real one."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_launchd_plists_are_read_from_home_and_system_folders(mac: Context, tmp_path: Path) -> None:
    macos.collect_launchd(mac)
    read = [(Path(a.meta["path"]).name, a.meta["scope"]) for a in mac.snapshot.artifacts]
    assert read == [
        ("com.example.agent.plist", "user"),
        ("com.example.broken.plist", "user"),
        ("com.example.disabled.plist", "user"),
        ("com.example.updater.plist", "system"),
    ]
    assert all(a.kind == "launchd_plist" for a in mac.snapshot.artifacts)
    assert mac.snapshot.problems == []


def test_launchd_plists_parse_into_autostart_entries(mac: Context) -> None:
    macos.collect_launchd(mac)
    facts = parse_snapshot(mac.snapshot)
    entries = {e.name: (e.scope, e.enabled) for e in facts.of(AutostartEntry)}
    assert entries == {
        "com.example.agent": ("user", True),
        "com.example.oldhelper": ("user", False),
        "com.example.updater": ("system", True),
    }
    assert [(p.kind, p.reason) for p in facts.problems] == [("launchd_plist", "malformed")]


def test_an_oversized_plist_is_recorded_not_read(mac: Context) -> None:
    (mac.home / "Library" / "LaunchAgents" / "huge.plist").write_bytes(b"x" * (macos.MAX_PLIST + 1))
    macos.collect_launchd(mac)
    assert ("launchd_plist", "skipped", "too-large") in problems(mac)
    assert not any(a.meta["path"].endswith("huge.plist") for a in mac.snapshot.artifacts)


def test_macos_last_runs_the_allow_listed_command(mac: Context, tmp_path: Path) -> None:
    assert is_allowed(LOCAL, ["last"])
    fake_program(tmp_path / "bin", "last", CAT_LAST)
    mac.env["PATH"] = str(tmp_path / "bin")
    macos.collect_login_history(mac)
    [artifact] = mac.snapshot.artifacts
    assert (artifact.kind, artifact.source) == ("macos_last", "command:last")
    events = parse_snapshot(mac.snapshot).of(LoginEvent)
    assert len(events) == 8
    assert [e.host for e in events if e.remote] == ["203.0.113.45", "mbp-jordan.local"]


def test_macos_last_failing_is_recorded(mac: Context, tmp_path: Path) -> None:
    fake_program(tmp_path / "bin", "last", "echo 'last: /var/log/wtmp: Permission denied' >&2; exit 1")
    mac.env["PATH"] = str(tmp_path / "bin")
    macos.collect_login_history(mac)
    assert problems(mac) == [("macos_last", "failed", "error")]
    assert "Permission denied" in mac.snapshot.problems[0].detail
    assert mac.snapshot.artifacts == []


def test_macos_last_missing_is_skipped(mac: Context, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    mac.env["PATH"] = str(tmp_path / "empty")
    macos.collect_login_history(mac)
    assert problems(mac) == [("macos_last", "skipped", "not-available")]


def test_last_output_is_cut_at_a_whole_line() -> None:
    assert macos._cut(b"aaa\nbbb\nccc\n", 9) == b"aaa\nbbb\n"
    assert macos._cut(b"aaa\n", 9) == b"aaa\n"


def test_macos_location_needs_admin(mac: Context) -> None:
    macos.collect_location(mac)
    assert problems(mac) == [("macos_location", "skipped", "needs-admin")]
    assert "macos_location" in mac.snapshot.attempted


def test_macos_sessions_use_psutil_users(mac: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    users = [
        FakeUser("alex", "console", "", 1795766400.0, 88),
        FakeUser("jordan", "ttys003", "203.0.113.45", 1795770000.0, 91),
    ]
    monkeypatch.setattr(psutil, "users", lambda: users)
    macos.collect_psutil_users(mac)
    sessions = parse_snapshot(mac.snapshot).of(LoginSession)
    assert [(s.user, s.tty, s.remote) for s in sessions] == [
        ("alex", "console", False),
        ("jordan", "ttys003", True),
    ]


def test_all_macos_steps_together(mac: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_program(tmp_path / "bin", "last", CAT_LAST)
    mac.env["PATH"] = str(tmp_path / "bin")
    monkeypatch.setattr(psutil, "users", lambda: [])
    run_steps(mac, macos.STEPS)
    assert {"launchd_plist", "utmp_users", "macos_last", "macos_location"} <= mac.snapshot.attempted
    assert problems(mac) == [("macos_location", "skipped", "needs-admin")]
    assert {a.kind for a in mac.snapshot.artifacts} == {"launchd_plist", "utmp_users", "macos_last"}


# Registry ----------------------------------------------------------------------------------------------


def test_registry_module_does_not_need_winreg() -> None:
    assert "winreg" not in sys.modules or sys.platform == "win32"
    if sys.platform != "win32":
        assert registry.default_reader() is None
        with pytest.raises(ImportError):
            WinregReader().values("HKCU", CV)


def test_dict_registry_values_subkeys_and_errors() -> None:
    reg = DictRegistry(
        {"HKCU": {f"{CV}\\Run": {"A": "a.exe"}, f"{APPROVED}\\Run": {"A": b"\x02"}}},
        denied=[("HKLM", f"{CV}\\Run")],
    )
    assert reg.values("hkcu", f"{CV.upper()}\\run") == [("A", "a.exe")]
    assert reg.subkeys("HKCU", f"{CV}") == ["Run", "Explorer"]
    assert reg.values("HKCU", APPROVED) == []  # a key that exists only as a parent has no values
    with pytest.raises(FileNotFoundError):
        reg.values("HKCU", f"{CV}\\RunOnce")
    with pytest.raises(FileNotFoundError):
        reg.subkeys("HKLM", "Software")
    with pytest.raises(PermissionError):
        reg.values("HKLM", f"{CV}\\Run")


# Windows -----------------------------------------------------------------------------------------------


@pytest.fixture
def win(tmp_path: Path) -> Context:
    appdata, programdata = tmp_path / "Roaming", tmp_path / "ProgramData"
    env = {"APPDATA": str(appdata), "PROGRAMDATA": str(programdata), "SYSTEMROOT": "C:\\Windows"}
    return make_ctx(tmp_path, "windows", env)


def run_key_registry() -> DictRegistry:
    return DictRegistry(
        {
            "HKCU": {
                f"{CV}\\Run": {
                    "OneDrive": '"C:\\Users\\Alex\\AppData\\Local\\OneDrive\\OneDrive.exe" /background',
                    "SyncHelper": "C:\\Users\\Alex\\AppData\\Roaming\\SyncHelper\\synchelper.exe --hidden",
                    "Multi": ["C:\\a.exe", "-x"],
                },
                f"{CV}\\RunOnce": {"Cleanup": "cmd.exe /c del C:\\tmp\\x"},
                f"{APPROVED}\\Run": {
                    "onedrive": bytes.fromhex("030000001122334455667788"),
                    "SyncHelper": b"\x02" + b"\0" * 11,
                },
            },
            "HKLM": {
                "Software\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Run": {"Helper": "C:\\h\\h.exe"},
                f"{APPROVED}\\Run32": {"Helper": bytes.fromhex("070000000000000000000000")},
            },
        },
        denied=[("HKLM", f"{CV}\\Run")],
    )


def test_run_keys_with_startup_approved(win: Context) -> None:
    windows.collect_run_keys(win, run_key_registry())
    [artifact] = win.snapshot.artifacts
    rows = json.loads(artifact.content)
    assert [(r["hive"], r["name"], r["approved"]) for r in rows] == [
        ("HKCU", "OneDrive", "030000001122334455667788"),
        ("HKCU", "SyncHelper", "020000000000000000000000"),
        ("HKCU", "Multi", None),
        ("HKCU", "Cleanup", None),
        ("HKLM", "Helper", "070000000000000000000000"),
    ]
    assert rows[2]["value"] == "C:\\a.exe -x"
    entries = parse_snapshot(win.snapshot).of(AutostartEntry)
    assert [(e.name, e.scope, e.enabled) for e in entries] == [
        ("OneDrive", "user", False),
        ("SyncHelper", "user", True),
        ("Multi", "user", True),
        ("Cleanup", "user", True),
        ("Helper", "system", False),
    ]
    assert entries[1].target == "C:\\Users\\Alex\\AppData\\Roaming\\SyncHelper\\synchelper.exe"


def test_a_denied_key_is_recorded_and_a_missing_one_is_not(win: Context) -> None:
    windows.collect_run_keys(win, run_key_registry())
    assert problems(win) == [("win_autostart", "skipped", "needs-admin")]
    assert win.snapshot.problems[0].detail == f"HKLM\\{CV}\\Run"


def test_huge_registry_values_are_bounded_when_collected(win: Context) -> None:
    reg = DictRegistry({"HKCU": {f"{CV}\\Run": {"N" * 20000: "C:\\x.exe " + "A" * 40000}}})
    windows.collect_run_keys(win, reg)
    [row] = json.loads(win.snapshot.artifacts[0].content)
    assert len(row["name"]) == windows.MAX_NAME and len(row["value"]) == windows.MAX_VALUE


def make_startup_folders(win: Context) -> tuple[Path, Path]:
    user = Path(win.env["APPDATA"]).joinpath(*windows.STARTUP_PARTS, "Startup")
    system = Path(win.env["PROGRAMDATA"]).joinpath(*windows.STARTUP_PARTS, "StartUp")
    user.mkdir(parents=True)
    system.mkdir(parents=True)
    shutil.copy(FIXTURES / "windows" / "sync-helper.lnk", user / "Sync Helper.lnk")
    (user / "desktop.ini").write_text(
        "[.ShellClassInfo]\r\nLocalizedResourceName=@%SystemRoot%\\system32\\shell32.dll,-21787\r\n"
    )
    (user / "subfolder").mkdir()
    (system / "backup.bat").write_text("@echo off\r\nrobocopy C:\\Users D:\\Backup /MIR\r\n")
    return user, system


def test_startup_folders_with_shortcuts_and_approval(win: Context) -> None:
    user, system = make_startup_folders(win)
    reg = DictRegistry(
        {"HKLM": {f"{APPROVED}\\StartupFolder": {"backup.bat": bytes.fromhex("030000000000000000000000")}}}
    )
    windows.collect_startup_folders(win, reg)
    rows = json.loads(win.snapshot.artifacts[0].content)
    assert [(Path(r["path"]).name, r["scope"], r["approved"], "link" in r) for r in rows] == [
        ("Sync Helper.lnk", "user", None, True),
        ("backup.bat", "system", "030000000000000000000000", False),
    ]
    helper, backup = parse_snapshot(win.snapshot).of(AutostartEntry)
    assert (helper.mechanism, helper.target, helper.enabled) == (
        "startup-folder",
        "C:\\Users\\Alex\\AppData\\Roaming\\SyncHelper\\synchelper.exe",
        True,
    )
    assert (backup.target, backup.scope, backup.enabled) == (str(system / "backup.bat"), "system", False)


def test_startup_folders_without_a_registry_or_folders(win: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(windows, "default_reader", lambda: None)
    windows.collect_startup_folders(win)
    assert json.loads(win.snapshot.artifacts[0].content) == []
    assert win.snapshot.problems == []


class FakeService:
    """What psutil.win_service_iter() yields: an object whose as_dict() reads the service's settings."""

    def __init__(self, info: dict | None) -> None:
        self._info = info
        self._name = (info or {}).get("name", "Locked")

    def as_dict(self) -> dict:
        if self._info is None:
            raise psutil.AccessDenied(name=self._name)
        return {**self._info, "pid": 1234, "description": "…"}


def test_services_from_psutil(win: Context) -> None:
    rows = json.loads((FIXTURES / "windows" / "win_services.json").read_text())
    services = [FakeService(r) for r in rows] + [FakeService(None)]
    windows.collect_services(win, lambda: iter(services))
    [artifact] = win.snapshot.artifacts
    assert artifact.meta["system_root"] == "C:\\Windows"
    assert [set(r) for r in json.loads(artifact.content)] == [set(windows.SERVICE_FIELDS)] * len(rows)
    assert problems(win) == [("win_services", "skipped", "not-readable")]
    names = [e.name for e in parse_snapshot(win.snapshot).of(AutostartEntry)]
    assert "TeamViewer" in names and "Print Spooler" not in names


def test_services_where_psutil_has_none(win: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(psutil, "win_service_iter", raising=False)
    windows.collect_services(win)
    assert problems(win) == [("win_services", "skipped", "not-supported")]
    assert win.snapshot.artifacts == []


def test_location_consent_from_both_hives(win: Context) -> None:
    reg = DictRegistry(
        {"HKLM": {LOCATION: {"Value": "Allow"}}, "HKCU": {LOCATION: {"value": "Deny", "Other": 1}}}
    )
    windows.collect_location(win, reg)
    assert json.loads(win.snapshot.artifacts[0].content) == [
        {"hive": "HKLM", "value": "Allow"},
        {"hive": "HKCU", "value": "Deny"},
    ]
    assert parse_snapshot(win.snapshot).of(LocationSetting) == [
        LocationSetting("Windows location (HKLM)", True, "win_location"),
        LocationSetting("Windows location (HKCU)", False, "win_location"),
    ]


def test_location_missing_and_denied(win: Context) -> None:
    reg = DictRegistry({}, denied=[("HKCU", LOCATION)])
    windows.collect_location(win, reg)
    assert json.loads(win.snapshot.artifacts[0].content) == []
    assert problems(win) == [("win_location", "skipped", "needs-admin")]


def test_windows_login_history_needs_admin(win: Context) -> None:
    windows.collect_login_history(win)
    assert problems(win) == [("win_login_history", "skipped", "needs-admin")]


def test_all_windows_steps_on_a_computer_without_a_registry(
    win: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_startup_folders(win)
    monkeypatch.setattr(windows, "default_reader", lambda: None)
    monkeypatch.delattr(psutil, "win_service_iter", raising=False)
    monkeypatch.setattr(
        psutil, "users", lambda: [FakeUser("Alex", None, "198.51.100.20", 1795766400.0, None)]
    )
    run_steps(win, windows.STEPS)
    assert problems(win) == [
        ("win_autostart", "skipped", "not-supported"),
        ("win_services", "skipped", "not-supported"),
        ("win_login_history", "skipped", "needs-admin"),
        ("win_location", "skipped", "not-supported"),
    ]
    assert [a.kind for a in win.snapshot.artifacts] == ["win_startup_folder", "utmp_users"]
    facts = parse_snapshot(win.snapshot)
    assert [(s.user, s.remote) for s in facts.of(LoginSession)] == [("Alex", True)]
    assert len(facts.of(AutostartEntry)) == 2
