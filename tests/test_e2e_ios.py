"""`techcheck scan ios` end to end, through the CLI and the real pymobiledevice3, against fake iPhones
that speak usbmuxd, lockdown (over TLS) and the device services (tests/fakeios).

Every scenario also proves the scan only reads: the fake logs every request, and each must be in the
iOS allow-list. Pairing ("Trust") and forgetting this computer are the two consented exceptions.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import ROOT, Terminal
from fakeios import FakeIPhone
from iphones import (
    HOSTILE_NAME,
    clean_iphone,
    hostile_iphone,
    jailbroken_iphone,
    locked_services_iphone,
    managed_iphone,
    older_iphone,
    two_iphones,
    unplugged_iphone,
    untrusted_iphone,
)

from techcheck.checks.ios import current_release_year
from techcheck.cli import main
from techcheck.collect.allowlist import ios_allowed
from techcheck.collect.ios import PAIRING_FOLDER


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pymobiledevice3 must not write to the real home (e.g. ~/.pymobiledevice3)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def current_ios() -> tuple[str, str]:
    """A current iOS version for "today", so the clean phone stays current as the years pass."""
    year = current_release_year(datetime.now(timezone.utc))
    return f"{year - 1999}.1", "23B85"


def scan(phone: FakeIPhone, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, dict | None]:
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", phone.address)
    out = tmp_path / "report.json"
    code = main(["scan", "ios", "--json", str(out), "--wait", "2", *extra])
    return code, json.loads(out.read_text(encoding="utf-8")) if out.exists() else None


def assert_read_only(phone: FakeIPhone, consented: bool = False) -> None:
    """Every request is in our allow-list, and the fake agrees it only reads (Pair/Unpair aside)."""
    assert phone.log, "the phone received no request"
    for request in phone.log:
        assert ios_allowed(request.channel, request.name, consented), request
        if not consented:
            assert request.read_only, request
    assert not [r for r in phone.log if r.channel == "lockdown" and r.name in ("SetValue", "RemoveValue")]


def ids(report: dict) -> set[str]:
    return {f["id"] for f in report["findings"]}


def statuses(report: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["checks"]}


def test_clean_iphone_no_findings_read_only_over_tls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _isolated_home: Path, _private_home: Path
) -> None:
    version, build = current_ios()
    extra: list[str] = []
    echap = ROOT.parent / "shared" / "data" / "echap"
    if (echap / "watchware.yaml").is_file():  # Echap's real iOS bundle ids too, when this machine has them
        extra = ["--indicators", str(echap / "ioc.yaml"), "--indicators", str(echap / "watchware.yaml")]
    with FakeIPhone(clean_iphone(100, version=version, build=build)) as phone:
        code, report = scan(phone, tmp_path, monkeypatch, *extra)
        assert_read_only(phone)
        assert {t.channel for t in phone.tls_connections} >= {
            "lockdown",
            "com.apple.mobile.installation_proxy",
            "com.apple.mobile.MCInstall",
            "com.apple.misagent",
        }
        browse = [r for r in phone.log if r.name == "Browse"]
        options = browse[0].detail["ClientOptions"]
        assert "iTunesMetadata" not in options["ReturnAttributes"] and options["ShowAppClips"] is True
        assert not [r for r in phone.log if r.name == "Pair"]
    assert code == 0 and report is not None
    assert report["target"] == {
        "kind": "ios",
        "id": "00008110-001A2B3C4D5E801E",
        "model": "iPhone14,5",
        "os": f"iOS {version}",
        "patch_level": "",
    }
    assert report["findings"] == []
    assert set(statuses(report).values()) == {"ok"} and len(report["checks"]) == 10
    assert not (_private_home / ".pymobiledevice3").exists()


def test_managed_iphone_finds_profiles_management_sideloading_watchware_and_weak_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeIPhone(managed_iphone()) as phone:
        code, report = scan(phone, tmp_path, monkeypatch)
        assert_read_only(phone)
    assert code == 0 and report is not None
    assert ids(report) >= {
        "ios.profile",
        "ios.mdm",
        "ios.not-from-app-store",
        "ios.watchware",
        "ios.provisioning-profile",
        "ios.outdated",
        "ios.backup-not-encrypted",
        "ios.wifi-sync",
    }
    sideloaded = {f["subject"]["bundle_id"]: f for f in report["findings"] if f["id"] == "ios.not-from-app-store"}
    channels = {b: f["subject"]["channel"] for b, f in sideloaded.items()}
    assert sorted(channels.values()) == ["development", "distribution", "testflight"]
    watch = [f for f in report["findings"] if f["id"] == "ios.watchware"]
    assert "com.life360.safetymap" in {f["subject"]["bundle_id"] for f in watch}
    mdm = [f for f in report["findings"] if f["id"] == "ios.mdm"][0]
    assert mdm["severity"] == "high" and "supervised=yes" in mdm["evidence"][0]["detail"]
    # The plan puts it all in plain words, with the guided checks no USB scan can do.
    plan = tmp_path / "plan.html"
    assert main(["plan", str(tmp_path / "report.json"), "-o", str(plan)]) == 0
    html = plan.read_text(encoding="utf-8")
    for title in ("A configuration profile is on this iPhone", "Safety Check", "Find My", "Trust"):
        assert title in html, title


def test_jailbroken_iphone_one_finding_with_every_sign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeIPhone(jailbroken_iphone()) as phone:
        code, report = scan(phone, tmp_path, monkeypatch)
        assert_read_only(phone)
        assert [r.detail.get("Service") for r in phone.log if r.name == "StartService"][-1] == "com.apple.afc2"
    assert code == 0 and report is not None
    [jailbreak] = [f for f in report["findings"] if f["id"] == "ios.jailbreak"]
    details = " ".join(e["detail"] for e in jailbreak["evidence"])
    for sign in ("Cydia", "Sileo", "Filza", "com.apple.afc2"):
        assert sign in details, sign
    assert "ios.not-from-app-store" not in ids(report)  # jailbreak tools are not reported twice


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("pending", "did not answer"),
        ("denied", "Don't Trust was tapped"),
        ("locked", "The iPhone is locked"),
    ],
)
def test_untrusted_iphone_exit_3_with_a_clear_message(
    mode: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeIPhone(untrusted_iphone(mode)) as phone:
        code, report = scan(phone, tmp_path, monkeypatch)
        assert_read_only(phone, consented=True)
        assert not [r for r in phone.log if r.channel not in ("usbmuxd", "lockdown")]  # no service was started
        assert phone.pair_records == {}
    assert code == 3 and report is None
    assert message in capsys.readouterr().err


def test_trust_tapped_after_a_wait_pairs_and_scans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeIPhone(untrusted_iphone("pending-then-accept", pending_answers=2)) as phone:
        code, report = scan(phone, tmp_path, monkeypatch)
        assert_read_only(phone, consented=True)
        consented = [r.name for r in phone.log if not r.read_only]
        assert set(consented) <= {"Pair", "SavePairRecord"} and "Pair" in consented
        assert phone.udid in phone.pair_records
    assert code == 0 and report is not None
    assert "now trusts this computer" in capsys.readouterr().err
    record = _isolated_home / PAIRING_FOLDER / f"{phone.udid}.plist"
    assert record.is_file() and (record.parent.stat().st_mode & 0o777) == 0o700


def test_forget_yes_removes_the_trust_on_both_sides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeIPhone(untrusted_iphone("accept")) as phone:
        code, _ = scan(phone, tmp_path, monkeypatch, "--forget", "yes")
        assert_read_only(phone, consented=True)
        assert not phone.trusted_hosts()
        assert phone.pair_records == {}
        assert [r.name for r in phone.log if r.name in ("Unpair", "DeletePairRecord")] == ["Unpair", "DeletePairRecord"]
    assert code == 0
    assert not (_isolated_home / PAIRING_FOLDER / f"{phone.udid}.plist").exists()
    assert "no longer trust each other" in capsys.readouterr().err


@pytest.mark.parametrize("choice", [[], ["--forget", "no"]])
def test_forget_is_never_silent(
    choice: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Tests run without a terminal: "ask" cannot ask, so nothing is forgotten and the person is told how.
    with FakeIPhone(clean_iphone(10)) as phone:
        code, _ = scan(phone, tmp_path, monkeypatch, *choice)
        assert_read_only(phone)
        assert phone.trusted_hosts()
    assert code == 0
    assert "still trusts this computer" in capsys.readouterr().err


def test_locked_iphone_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeIPhone(locked_services_iphone()) as phone:
        code, report = scan(phone, tmp_path, monkeypatch)
        assert_read_only(phone)
    assert code == 3 and report is None
    assert "locked" in capsys.readouterr().err


def test_older_iphone_without_a_service_skips_its_checks_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeIPhone(older_iphone()) as phone:
        code, report = scan(phone, tmp_path, monkeypatch)
        assert_read_only(phone)
    assert code == 0 and report is not None
    status = statuses(report)
    assert status["ios.profiles"] == status["ios.management"] == "skipped"
    notes = {c["id"]: c["note"] for c in report["checks"]}
    assert notes["ios.profiles"].startswith("not-on-device")
    assert status["ios.known-apps"] == "ok" and "ios.outdated" in ids(report)


def test_unplugged_mid_scan_writes_a_partial_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeIPhone(unplugged_iphone()) as phone:
        code, report = scan(phone, tmp_path, monkeypatch)
        assert_read_only(phone)
    assert code == 4 and report is not None
    status = statuses(report)
    assert status["ios.known-apps"] == "failed" and status["ios.profiles"] == "failed"
    assert status["ios.updates"] in ("ok", "finding")  # read before the cable came out
    assert any("disconnected" in e["message"] for e in report["errors"])


@pytest.mark.parametrize(
    ("phones", "args", "message"),
    [
        ("none", [], "No iPhone was found"),
        ("two", [], "More than one iPhone"),
        ("one", ["--udid", "00000000-0000000000000000"], "No iPhone with that UDID"),
    ],
)
def test_finding_the_iphone_exit_3(
    phones: str,
    args: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    scenarios = {"none": [], "two": two_iphones(), "one": clean_iphone(5)}[phones]
    with FakeIPhone(scenarios) as phone:
        code, _ = scan(phone, tmp_path, monkeypatch, *args)
    assert code == 3
    assert message in capsys.readouterr().err


def test_usbmuxd_not_running_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", f"127.0.0.1:{port}")
    assert main(["scan", "ios", "--wait", "1"]) == 3
    assert "usbmuxd" in capsys.readouterr().err


@pytest.mark.parametrize("long", [False, True])
def test_hostile_names_are_escaped_and_bounded(long: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = hostile_iphone(long)
    hostile_app = next(
        a for a in managed_iphone().apps if a.get("SignerIdentity", "").startswith("iPhone Distribution")
    )
    scenario.apps.append({**hostile_app, "CFBundleDisplayName": "<img src=x onerror=alert(3)>" * 50})
    with FakeIPhone(scenario) as phone:
        code, report = scan(phone, tmp_path, monkeypatch)
    assert code == 0 and report is not None
    [found] = [f for f in report["findings"] if f["id"] == "ios.not-from-app-store"]
    assert len(found["subject"]["name"]) <= 200
    plan = tmp_path / "plan.html"
    assert main(["plan", str(tmp_path / "report.json"), "-o", str(plan)]) == 0
    html = plan.read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(3)&gt;" in html
    assert HOSTILE_NAME not in html  # the device's own name is never shown unescaped (nor at all, today)


@pytest.mark.parametrize(("answer", "forgotten"), [("y\n", True), ("\n", False), ("n\n", False)])
def test_forget_asks_at_a_terminal_and_only_yes_forgets(
    answer: str, forgotten: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    with FakeIPhone(clean_iphone(10)) as phone:
        code, _ = scan(phone, tmp_path, monkeypatch)
        assert_read_only(phone, consented=forgotten)
        assert bool(phone.trusted_hosts()) is not forgotten
        assert ("Unpair" in phone.names("lockdown")) is forgotten
    assert code == 0
    err = capsys.readouterr().err
    assert "Make the iPhone and this computer forget each other now?" in err
    assert ("no longer trust each other" in err) is forgotten


def test_forget_answer_in_spanish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("sí\n"))
    with FakeIPhone(clean_iphone(10)) as phone:
        code, _ = scan(phone, tmp_path, monkeypatch, "--lang", "es")
        assert not phone.trusted_hosts()
    assert code == 0
    assert "ya no confían" in capsys.readouterr().err


def test_malformed_answers_lose_only_their_own_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = clean_iphone(10)
    scenario.provisioning_profiles = [b"\x30\x82garbage without a property list"]  # misagent answer we cannot read
    scenario.apps.append({"CFBundleIdentifier": 12345, "CFBundleDisplayName": ["not", "text"]})  # junk record
    with FakeIPhone(scenario) as phone:
        code, report = scan(phone, tmp_path, monkeypatch)
        assert_read_only(phone)
    assert code == 4 and report is not None
    status = statuses(report)
    assert status["ios.provisioning-profiles"] == "failed"
    assert status["ios.known-apps"] == "ok" and status["ios.profiles"] == "ok"
    assert any(e["step"].startswith("ios_provisioning") for e in report["errors"])


def test_clean_iphone_with_isdi_list_only_low_everyday_sharing_apps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ISDi flags everyday apps that can share location (Snapchat, Find My) as dual-use: with its list,
    a clean iPhone shows them as "good to know", never as spying, and not Apple's own Find My."""
    from conftest import shared_path

    isdi = shared_path("data", "isdi", "app-flags.main.csv")
    version, build = current_ios()
    with FakeIPhone(clean_iphone(150, version=version, build=build)) as phone:
        code, report = scan(phone, tmp_path, monkeypatch, "--indicators", str(isdi))
    assert code == 0 and report is not None
    assert {(f["id"], f["severity"]) for f in report["findings"]} == {("ios.watchware", "low")}
    flagged = {f["subject"]["bundle_id"] for f in report["findings"]}
    assert "com.toyopagroup.picaboo" in flagged and "com.apple.findmy" not in flagged
    assert any(i.get("licence", "").startswith("ISDi") for i in report["indicators"])


def test_checkup_of_an_iphone_no_trace_keeps_no_pairing_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    typed = ["y", "y", "n", "n", "y", *[""] * 9, "y", "plan.md"]  # iPhone only, every question skipped, forget: yes
    monkeypatch.setattr("sys.stdin", Terminal("\n".join(typed) + "\n"))
    with FakeIPhone(untrusted_iphone("accept")) as phone:
        monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", phone.address)
        before = {p for p in tmp_path.rglob("*") if p.is_file()}
        assert main(["checkup", "--no-trace"]) == 0
        assert_read_only(phone, consented=True)
        assert not phone.trusted_hosts() and phone.pair_records == {}
    assert {p for p in tmp_path.rglob("*") if p.is_file()} - before == {tmp_path / "plan.md"}
    assert not list(_isolated_home.rglob("*"))  # no pairing folder in TECHCHECK_HOME
    plan = (tmp_path / "plan.md").read_text(encoding="utf-8")
    assert "Safety Check" in plan and "(report for the iPhone, not saved)" in plan
    assert "Now checking the iPhone" in capsys.readouterr().err
