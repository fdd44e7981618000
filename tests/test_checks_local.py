"""The local checks: facts + indicators → findings, and the status each check reports."""

from __future__ import annotations

from conftest import FIXTURES

from techcheck.checks import LOCAL_CHECKS, run_checks
from techcheck.checks.base import Check, merge_findings
from techcheck.checks.local_apps import check_autostart, check_file_scan, check_installed, check_processes
from techcheck.checks.local_browsers import check_accounts, check_extensions, check_site_location
from techcheck.checks.local_location import check_location_services
from techcheck.checks.local_logins import check_history, check_sessions, check_ssh_keys
from techcheck.checks.local_network import check_connections, check_remote_services
from techcheck.indicators import IndicatorSet
from techcheck.indicators.files import read_indicator_file
from techcheck.model import Finding, Match, Problem
from techcheck.parse import Facts
from techcheck.parse.records import (
    AuthorizedKey,
    AutostartEntry,
    BrowserExtension,
    BrowserProfile,
    Connection,
    ExtensionManifest,
    FileScan,
    InstalledPath,
    LocationSetting,
    LoginEvent,
    LoginSession,
    ProcessRecord,
    SiteLocationGrant,
    YaraHit,
)

IND = IndicatorSet(read_indicator_file(FIXTURES / "indicators" / "own-valid.yaml").entries)


def facts(*records: object) -> Facts:
    return Facts(records=list(records))


def test_process_matched_by_name_exe_or_path() -> None:
    found = check_processes(
        facts(
            ProcessRecord(pid=1, name="testspyd", exe="/usr/local/bin/testspyd", artifact="processes"),
            ProcessRecord(pid=2, name="python3", exe="/opt/testspy/run.py", artifact="processes"),
            ProcessRecord(pid=3, name="bash", exe="/usr/bin/bash", cmdline="bash -l", artifact="processes"),
        ),
        IND,
    )
    assert [f.subject["process"] for f in found] == ["testspyd", "python3"]
    assert found[0].id == "local.monitoring" and found[0].category == "stalkerware"
    assert found[0].matched == (Match("process", "testspyd", "own-valid.yaml"),)
    assert found[1].matched == (Match("path", "/opt/testspy/run.py", "own-valid.yaml"),)
    assert found[0].evidence[0].artifact == "processes"


def test_installed_path() -> None:
    found = check_installed(facts(InstalledPath(path="/opt/testspy", pattern="/opt/testspy/", artifact="a")), IND)
    assert len(found) == 1 and found[0].subject == {"name": "TestSpy", "kind": "path", "path": "/opt/testspy"}


def test_autostart_lists_user_entries_and_matches_known_ones() -> None:
    entries = [
        AutostartEntry("xdg", "Known", "/opt/testspy/agent", "/opt/testspy/agent", "/h/.config/autostart/k.desktop"),
        AutostartEntry("xdg", "Mine", "/usr/bin/mine", "/usr/bin/mine", "/h/.config/autostart/m.desktop"),
        AutostartEntry("xdg", "Distro", "/usr/bin/d", "/usr/bin/d", "/etc/xdg/autostart/d.desktop", scope="system"),
        AutostartEntry("xdg", "Hidden", "/usr/bin/h", "/usr/bin/h", "/etc/xdg/autostart/h.desktop", scope="system"),
        AutostartEntry("xdg", "Hidden", "/usr/bin/h", "/usr/bin/h", "/h/.config/autostart/h.desktop", enabled=False),
        AutostartEntry(
            "systemd-user", "Timer thing", "/home/a/bin/t", "/home/a/bin/t", "/h/.config/systemd/user/t.service"
        ),
        AutostartEntry("service", "GPU helper", "C:\\x\\gpu.exe", "C:\\x\\gpu.exe", "gpu", scope="system"),
    ]
    found = check_autostart(facts(*entries), IND)
    assert [(f.id, f.subject.get("name")) for f in found] == [
        ("local.autostart", "Timer thing"),
        ("local.monitoring", "TestSpy"),
        ("local.autostart", "Mine"),
    ]


def test_file_scan_by_hash_and_yara() -> None:
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    found = check_file_scan(
        facts(
            FileScan(path="/tmp/renamed", size=4, sha256=digest),
            FileScan(
                path="/tmp/other",
                size=4,
                sha256="0" * 64,
                yara=(YaraHit(origin="techcheck", rule="Spyrix_macOS", name="Spyrix", type="monitoring"),),
            ),
        ),
        IND,
    )
    assert [(f.subject["name"], f.matched[0].by) for f in found] == [("TestSpy", "sha256"), ("Spyrix", "yara")]
    assert found[1].category == "stalkerware" and found[1].matched[0].source == "techcheck"


def test_connections_to_indicator_ips_and_listening_services() -> None:
    records = [
        Connection("10.0.0.2", 50000, "192.0.2.10", 443, "ESTABLISHED", 7, "agent"),
        Connection("10.0.0.2", 50001, "198.51.100.7", 443, "ESTABLISHED", 8, "firefox"),
        Connection("0.0.0.0", 22, status="LISTEN", pid=None, process=""),
        Connection("::", 22, status="LISTEN", pid=None, process=""),
        Connection("127.0.0.1", 5900, status="LISTEN", pid=9, process="x11vnc"),
        Connection("0.0.0.0", 8080, status="LISTEN", pid=10, process="python3"),
    ]
    network = check_connections(facts(*records), IND)
    assert [(f.id, f.severity, f.subject["host"]) for f in network] == [("local.network", "high", "192.0.2.10")]
    services = merge_findings(check_remote_services(facts(*records), IND))
    assert [(f.subject["name"], f.subject["setting"], len(f.evidence)) for f in services] == [("SSH", "22/tcp", 2)]


def test_sign_ins() -> None:
    sessions = check_sessions(
        facts(
            LoginSession("ana", "tty2", "", remote=False),
            LoginSession("ana", "pts/1", "203.0.113.7", remote=True, source="logind"),
        ),
        IND,
    )
    assert [(f.severity, f.subject["host"]) for f in sessions] == [("medium", "203.0.113.7")]
    history = check_history(
        facts(
            LoginEvent("ana", "pts/0", "203.0.113.7", "2026-11-01T10:00:00Z", remote=True, source="wtmp"),
            LoginEvent("ana", "pts/0", "203.0.113.7", "2026-11-20T10:00:00Z", remote=True, source="wtmp"),
            LoginEvent("ana", "tty1", "", "2026-11-21T10:00:00Z", source="wtmp"),
        ),
        IND,
    )
    assert len(history) == 1
    assert history[0].subject["when"] == "2026-11-20T10:00:00Z" and "2 sign-ins" in history[0].evidence[0].detail


def test_ssh_keys_name_the_account() -> None:
    found = check_ssh_keys(
        facts(
            AuthorizedKey("ssh-ed25519", "SHA256:abc", "", "", "/home/ana/.ssh/authorized_keys", 3),
            AuthorizedKey(
                "ssh-rsa", "SHA256:def", "bob@pc", "", r"C:\ProgramData\ssh\administrators_authorized_keys", 1
            ),
        ),
        IND,
    )
    assert [(f.subject["account"], f.subject["name"]) for f in found] == [
        ("ana", "SHA256:abc"),
        ("Administrators", "bob@pc"),
    ]


def test_browser_checks() -> None:
    records = [
        BrowserProfile("Chrome", "Default", "Person 1", "", None, artifact="ls"),
        BrowserProfile("Chrome", "Default", "Person 1", "ana@example.com", True, artifact="prefs"),
        BrowserProfile("Chrome", "Profile 1", "Work", "", False),
        BrowserExtension("Chrome", "Default", "abcdefghijklmnopabcdefghijklmnop", "", install="store"),
        BrowserExtension("Chrome", "Default", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "Helper", install="policy"),
        BrowserExtension("Chrome", "Default", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "Helper", install="policy"),
        ExtensionManifest("Chrome", "Default", "abcdefghijklmnopabcdefghijklmnop", "Known Spy Ext"),
        SiteLocationGrant("Chrome", "Default", "https://where.example"),
    ]
    accounts = check_accounts(facts(*records), IND)
    assert [(f.subject["account"], f.evidence[0].artifact) for f in accounts] == [("ana@example.com", "prefs")]
    extensions = check_extensions(facts(*records), IND)
    assert [(f.subject["name"], f.category, f.severity) for f in extensions] == [
        ("Known Spy Ext", "stalkerware", "high"),
        ("Helper", "other", "low"),
    ]
    location = check_site_location(facts(*records), IND)
    assert [(f.category, f.subject["site"]) for f in location] == [("location", "https://where.example")]


def test_location_setting_on_and_off() -> None:
    assert check_location_services(facts(LocationSetting("gnome", False)), IND) == []
    (found,) = check_location_services(facts(LocationSetting("gnome", True)), IND)
    assert found.category == "location" and found.severity == "info"


def test_merge_joins_the_same_tool_seen_in_several_ways() -> None:
    a = Finding(
        "local.remote-access",
        "remote-access",
        "low",
        {"kind": "path", "name": "AnyDesk", "path": "/opt/a"},
        "computer-remote-access",
        (Match("path", "/opt/a", "techcheck"),),
    )
    b = Finding(
        "local.remote-access",
        "remote-access",
        "medium",
        {"kind": "process", "name": "AnyDesk", "process": "anydesk"},
        "computer-remote-access",
        (Match("process", "anydesk", "techcheck"),),
    )
    (merged,) = merge_findings([a, b])
    assert merged.severity == "medium"
    assert merged.subject["path"] == "/opt/a" and merged.subject["process"] == "anydesk"
    assert len(merged.matched) == 2


def test_status_reports_what_could_not_be_checked() -> None:
    check = Check("x", ("wtmp", "wtmpdb"), lambda f, i: [])
    boom = Check("boom", ("wtmp",), lambda f, i: 1 / 0)
    never = Check("never", ("win_services",), lambda f, i: [])
    skipped = Facts(problems=[Problem("wtmp", "skipped", "needs-admin", "/var/log/wtmp")], attempted={"wtmp", "wtmpdb"})
    outcome = run_checks([check, boom, never], skipped, IND)
    assert [(r.id, r.status) for r in outcome.results] == [("x", "skipped"), ("boom", "failed"), ("never", "skipped")]
    assert outcome.results[0].note == "needs-admin: /var/log/wtmp"
    assert outcome.results[1].note.startswith("error: ZeroDivisionError")
    assert outcome.results[2].note.startswith("not-supported")
    assert {"step": "boom", "message": outcome.results[1].note} in outcome.errors
    partly = Facts(
        problems=[Problem("wtmp", "failed", "malformed", "bad record")],
        attempted={"wtmp", "wtmpdb"},
        parsed={"wtmpdb": 1},
    )
    result = run_checks([check], partly, IND).results[0]
    assert (result.status, result.note) == ("ok", "malformed: bad record")


def test_every_local_check_has_a_title_and_every_finding_a_guide() -> None:
    from techcheck.messages import Messages
    from techcheck.plan.guides import load_guide

    t = Messages("en")
    for check in LOCAL_CHECKS:
        assert t.has(f"check.{check.id}"), check.id
    guides = {
        "computer-monitoring",
        "computer-watchware",
        "computer-remote-access",
        "computer-autostart",
        "computer-network",
        "computer-remote-login",
        "computer-ssh-key",
        "computer-remote-desktop",
        "browser-account",
        "browser-extension",
        "browser-location",
        "computer-location",
    }
    for guide in guides:
        for lang in ("en", "es"):
            loaded = load_guide(guide, lang)
            assert loaded is not None and loaded.lang == lang, (guide, lang)
