"""iPhone parsers and checks on answers shaped like real iPhones' (docs: ../shared/reference/ios-lockdown-facts.md).

The end-to-end tests (test_e2e_ios.py) drive the same code through pymobiledevice3 and a fake iPhone;
these pin the details: what a key's absence means, which signer means which channel, how old is old.
"""

from __future__ import annotations

import plistlib
from datetime import datetime, timezone

import pytest
from conftest import shared_path

from techcheck.checks import IOS_CHECKS, run_checks
from techcheck.checks.ios import current_release_year, release_year
from techcheck.indicators import IndicatorSet, load_indicators
from techcheck.indicators.echap import load_echap
from techcheck.model import Artifact, Snapshot, Target
from techcheck.parse import parse_snapshot
from techcheck.parse.ios import (
    IosApp,
    IosBackup,
    IosDevice,
    cocoa_time,
    parse_apps,
    parse_backup,
    parse_cloud_config,
    parse_profiles,
    parse_provisioning,
    parse_values,
    parse_wireless,
)
from techcheck.parse.records import ParseError

APP_STORE = "Apple iPhone OS Application Signing"


def plist(value: object) -> bytes:
    return plistlib.dumps(value)


def app(bundle_id: str, **extra: object) -> dict[str, object]:
    """An app as the installation proxy lists it; ``None`` removes a key (e.g. system apps have no signer)."""
    item = {"CFBundleIdentifier": bundle_id, "ApplicationType": "User", "SignerIdentity": APP_STORE, **extra}
    return {k: v for k, v in item.items() if v is not None}


# Parsers ------------------------------------------------------------------------------------------
def test_values_keep_lock_state_apart_from_passcode_and_clip_the_name() -> None:
    hostile = "<script>alert(1)</script>’s iPhone\u202e" + "x" * 5000
    [device] = parse_values(
        plist(
            {
                "DeviceName": hostile,
                "ProductType": "iPhone14,5",
                "ProductVersion": "18.1.1",
                "BuildVersion": "22B91",
                "PasswordProtected": False,
                "UniqueDeviceID": "00008110-001A2B3C4D5E801E",
            }
        )
    )
    assert isinstance(device, IosDevice)
    assert device.locked_now is False  # "not locked right now", which says nothing about a passcode
    assert device.major == 18 and device.build == "22B91"
    assert len(device.name) == 200 and "\u202e" not in device.name and device.name.startswith("<script>")


def test_backup_without_will_encrypt_means_no_backup_password() -> None:
    # WillEncrypt is present only once a backup password is set; dates are Cocoa-epoch numbers.
    [backup] = parse_backup(plist({"domain": {"LastiTunesBackupDate": 752000000.5, "CloudBackupEnabled": True}}))
    assert backup == IosBackup(
        will_encrypt=False, last_computer_backup="2024-10-30T16:53:20Z", cloud_backup_enabled=True
    )
    [encrypted] = parse_backup(plist({"domain": {}, "WillEncrypt": True}))
    assert encrypted.will_encrypt is True
    assert cocoa_time(datetime(2020, 1, 2, tzinfo=timezone.utc)) == "2020-01-02T00:00:00Z"
    assert cocoa_time("yesterday") == "" and cocoa_time(True) == ""


def test_wireless_sync_only_when_enable_wifi_connections_is_set() -> None:
    assert parse_wireless(plist({"SupportsWifi": True, "SupportsWifiSyncing": True}))[0].wifi_sync is False
    assert parse_wireless(plist({"EnableWifiConnections": True}))[0].wifi_sync is True


@pytest.mark.parametrize(
    ("fields", "channel"),
    [
        ({"SignerIdentity": APP_STORE}, "app-store"),
        ({"SignerIdentity": "TestFlight Beta Distribution"}, "testflight"),
        (
            {"SignerIdentity": "iPhone Distribution: Mohawk Apps, LLC (DW9QQZR4ZL)", "ProfileValidated": True},
            "distribution",
        ),
        ({"SignerIdentity": "iPhone Distribution: DOCTOR'S ASSOCIATES, INC."}, "distribution"),
        ({"SignerIdentity": "Apple Distribution: Some Org (AB12CD34EF)"}, "distribution"),
        ({"SignerIdentity": "iPhone Developer: Rahul Kumar (59L7REF9QB)"}, "development"),
        ({"SignerIdentity": "Apple Development: someone@example.com (ABCDE12345)"}, "development"),
        ({"SignerIdentity": None, "UPPValidated": True}, "distribution"),  # no signer, but installed with a profile
        ({"SignerIdentity": None}, "unknown"),
        ({"SignerIdentity": None, "ApplicationType": "System"}, "system"),
    ],
)
def test_signer_identity_gives_the_distribution_channel(fields: dict[str, object], channel: str) -> None:
    [parsed] = parse_apps(plist([app("com.example.app", **fields)]))
    assert parsed.channel == channel


def test_apps_keep_entitlement_names_not_values_and_skip_junk() -> None:
    entitlements = {f"com.example.e{i}": "secret" for i in range(500)}
    entitlements["com.apple.developer.family-controls"] = True
    apps = parse_apps(plist([app("com.example.a", Entitlements=entitlements), {"no": "id"}, "junk"]))
    assert [a.bundle_id for a in apps] == ["com.example.a"]
    assert len(apps[0].entitlements) == 200 and "secret" not in apps[0].entitlements


def test_profile_list_reads_display_names_from_metadata_and_manifest() -> None:
    # Shape from iOS 18's MCInstall (ios-lockdown-facts §3.1): no payload contents.
    answer = {
        "Status": "Acknowledged",
        "ProfileManifest": {
            "com.corp.mdm": {"Description": "Device Management", "IsActive": True},
            "com.corp.only-in-manifest": {"Description": "Wi-Fi", "IsActive": True},
        },
        "ProfileMetadata": {
            "com.corp.mdm": {
                "PayloadUUID": "4A3C6A3E-0000-0000-0000-000000000001",
                "PayloadDisplayName": "Device Management",
                "PayloadOrganization": "Quiet Corp",
                "PayloadVersion": 1,
                "PayloadRemovalDisallowed": True,
            }
        },
        "OrderedIdentifiers": ["com.corp.mdm"],
    }
    profiles = parse_profiles(plist(answer))
    assert [(p.identifier, p.name, p.organization, p.removal_disallowed) for p in profiles] == [
        ("com.corp.mdm", "Device Management", "Quiet Corp", True),
        ("com.corp.only-in-manifest", "Wi-Fi", "", False),
    ]
    assert parse_profiles(plist({"Status": "Acknowledged"})) == []
    with pytest.raises(ParseError, match="CommandFormatError"):
        parse_profiles(plist({"Status": "CommandFormatError"}))


def test_cloud_configuration_exists_only_for_such_enrolments() -> None:
    assert parse_cloud_config(plist({})) == []
    [config] = parse_cloud_config(
        plist({"CloudConfiguration": {"IsSupervised": True, "OrganizationName": "Quiet Corp", "AllowPairing": True}})
    )
    assert config.supervised and config.organization == "Quiet Corp"


def test_provisioning_profiles_tell_enterprise_from_development() -> None:
    profiles = parse_provisioning(
        plist(
            [
                {
                    "UUID": "u1",
                    "Name": "In House",
                    "TeamName": "Quiet Corp",
                    "TeamIdentifier": ["AB12CD34EF"],
                    "ProvisionsAllDevices": True,
                    "Entitlements": {"get-task-allow": False},
                    "ExpirationDate": datetime(2027, 1, 1),
                },
                {
                    "UUID": "u2",
                    "Name": "iOS Team Provisioning Profile: *",
                    "ProvisionedDevices": ["a", "b"],
                    "Entitlements": {"get-task-allow": True},
                    "IsXcodeManaged": True,
                },
                {"UUID": "u3", "ProvisionedDevices": ["a"], "Entitlements": {}},
            ]
        )
    )
    assert [(p.uuid, p.kind, p.team_id) for p in profiles] == [
        ("u1", "enterprise", "AB12CD34EF"),
        ("u2", "development", ""),
        ("u3", "ad-hoc", ""),
    ]
    assert profiles[0].expires == "2027-01-01T00:00:00Z"


@pytest.mark.parametrize("raw", [b"", b"not a plist", b"<?xml version='1.0'?><plist><dict><key>a</key>", plist("x")])
def test_malformed_answers_are_parse_errors(raw: bytes) -> None:
    for parser in (parse_values, parse_backup, parse_apps, parse_profiles, parse_provisioning):
        with pytest.raises(ParseError):
            parser(raw)


# Checks -------------------------------------------------------------------------------------------
def snapshot(started: str = "2026-11-27T12:00:00Z", **answers: object) -> Snapshot:
    snap = Snapshot(target=Target(kind="ios"), started=started)
    for kind, value in answers.items():
        snap.add(Artifact.make(f"ios_{kind}", "test", value if isinstance(value, bytes) else plist(value)))
    return snap


def findings(snap: Snapshot, indicators: IndicatorSet | None = None) -> dict[str, list]:
    outcome = run_checks(IOS_CHECKS, parse_snapshot(snap), indicators or load_indicators())
    out: dict[str, list] = {}
    for f in outcome.findings:
        out.setdefault(f.id, []).append(f)
    return out


@pytest.mark.parametrize(
    ("major", "when", "outdated"),
    [
        (18, "2025-11-01", False),  # iOS 26 is current, 18 one behind
        (17, "2025-11-01", True),
        (18, "2026-11-27", True),  # iOS 27 is current
        (26, "2026-11-27", False),
        (26, "2026-09-01", False),
        (12, "2026-11-27", True),
    ],
)
def test_ios_two_releases_behind_is_outdated(major: int, when: str, outdated: bool) -> None:
    snap = snapshot(f"{when}T00:00:00Z", values={"ProductVersion": f"{major}.1", "BuildVersion": "X"})
    assert ("ios.outdated" in findings(snap)) is outdated
    assert release_year(18) == 2024 and release_year(26) == 2025
    assert current_release_year(datetime(2026, 9, 30)) == 2025


def test_sideloaded_apps_by_channel_with_severity_and_known_apps_not_repeated() -> None:
    apps = [
        app("com.example.store"),
        app("com.example.beta", SignerIdentity="TestFlight Beta Distribution"),
        app("com.corp.inhouse", SignerIdentity="iPhone Distribution: Quiet Corp (AB12CD34EF)", ProfileValidated=True),
        app("com.dev.thing", SignerIdentity="Apple Development: Pat (ABCDE12345)", FreeProfileValidated=True),
        app("com.life360.safetymap", SignerIdentity="iPhone Distribution: X (Y)"),  # known: reported as watchware
        app("com.saurik.Cydia", ApplicationType="System", SignerIdentity="iPhone Developer: saurik (Z)"),
    ]
    found = findings(snapshot(apps=apps))
    sideloaded = {f.subject["bundle_id"]: f.severity for f in found["ios.not-from-app-store"]}
    assert sideloaded == {"com.example.beta": "low", "com.corp.inhouse": "medium", "com.dev.thing": "medium"}
    assert found["ios.not-from-app-store"][1].subject["signer"] == "iPhone Distribution: Quiet Corp (AB12CD34EF)"
    [watch] = found["ios.watchware"]
    assert watch.subject["bundle_id"] == "com.life360.safetymap" and watch.matched[0].by == "bundle_id"
    assert watch.guide == "ios-watchware" and watch.category == "watchware"
    [jailbreak] = found["ios.jailbreak"]
    assert "Cydia" in jailbreak.evidence[0].detail


def test_jailbreak_from_afc2_and_non_apple_system_apps_and_none_without_signs() -> None:
    afc2 = Artifact.make("ios_service", "test", b"available", meta={"service": "com.apple.afc2"})
    snap = snapshot(apps=[app("com.apple.mobilesafari", ApplicationType="System", SignerIdentity=None)])
    assert "ios.jailbreak" not in findings(snap)
    snap.add(afc2)
    snap.add(
        Artifact.make(
            "ios_apps", "t", plist([{"CFBundleIdentifier": "org.x.tweaks", "ApplicationType": "System"}]), name="b"
        )
    )
    details = [e.detail for e in findings(snap)["ios.jailbreak"][0].evidence]
    assert details == ["non-Apple system app: org.x.tweaks ", "service com.apple.afc2 can be started"]


def test_app_capabilities_for_non_apple_apps_only() -> None:
    apps = [
        app("com.apple.ScreenTimeAgent", Entitlements={"com.apple.developer.family-controls": True}),
        app(
            "com.example.parental",
            Entitlements={"com.apple.developer.family-controls": True},
            UIBackgroundModes=["location"],
        ),
        app("com.example.game", Entitlements={"aps-environment": "production"}),
    ]
    [found] = findings(snapshot(apps=apps))["ios.app-capability"]
    assert found.subject["bundle_id"] == "com.example.parental"
    assert [e.detail for e in found.evidence] == [
        "com.example.parental: Screen Time / Family Controls",
        "com.example.parental: background location mode",
    ]


def test_profiles_management_and_settings_findings() -> None:
    profiles = {
        "Status": "Acknowledged",
        "ProfileMetadata": {
            "com.corp.mdm": {"PayloadDisplayName": "Device Management", "PayloadRemovalDisallowed": True},
            "com.school.wifi": {"PayloadDisplayName": "School Wi-Fi", "PayloadOrganization": "School"},
        },
        "OrderedIdentifiers": ["com.corp.mdm", "com.school.wifi"],
    }
    snap = snapshot(
        profiles=profiles,
        cloud_config={"CloudConfiguration": {"IsSupervised": True, "OrganizationName": "Quiet Corp"}},
        backup={"domain": {}},
        wireless={"EnableWifiConnections": True},
    )
    found = findings(snap)
    assert [(f.subject["name"], f.severity) for f in found["ios.profile"]] == [
        ("Device Management", "high"),
        ("School Wi-Fi", "medium"),
    ]
    [mdm] = found["ios.mdm"]
    assert mdm.subject["name"] == "Quiet Corp" and mdm.severity == "high"
    assert found["ios.backup-not-encrypted"][0].severity == "low"
    assert found["ios.wifi-sync"][0].guide == "ios-wifi-sync"


def test_indicator_profile_ids_match_configuration_profiles(tmp_path) -> None:
    extra = tmp_path / "profiles.yaml"
    extra.write_text(
        "- name: Spy MDM\n  type: stalkerware\n  platforms: [ios]\n  profiles: [com.spy.mdm]\n",
        encoding="utf-8",
    )
    snap = snapshot(profiles={"ProfileMetadata": {"com.spy.mdm": {"PayloadDisplayName": "Update"}}})
    [profile] = findings(snap, load_indicators([extra]))["ios.profile"]
    assert profile.severity == "high" and profile.matched[0].by == "profile"


def test_check_status_when_a_service_was_missing_or_the_phone_locked() -> None:
    from techcheck.model import Problem

    snap = snapshot(apps=[app("com.example.store")])
    snap.attempted.update({"ios_profiles", "ios_cloud_config"})
    snap.problem(Problem("ios_profiles", "skipped", "not-on-device", "InvalidService"))
    snap.problem(Problem("ios_cloud_config", "failed", "locked", "PasswordProtected"))
    outcome = run_checks(IOS_CHECKS, parse_snapshot(snap), load_indicators())
    status = {r.id: (r.status, r.note.split(":")[0]) for r in outcome.results}
    assert status["ios.profiles"] == ("skipped", "not-on-device")
    assert status["ios.management"] == ("failed", "locked")
    assert status["ios.known-apps"] == ("ok", "")
    assert status["ios.updates"][0] == "skipped"  # never attempted here


def test_echap_ios_bundles_from_real_data() -> None:
    import yaml

    path = shared_path("data", "echap", "watchware.yaml")
    entries, _ = load_echap(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    indicators = IndicatorSet()
    indicators.extend(entries)
    bundles = sorted({b for e in entries for b in e.bundle_ids})
    assert len(bundles) >= 6
    found = findings(snapshot(apps=[app(b) for b in bundles]), indicators)
    assert sorted(f.subject["bundle_id"] for f in found["ios.watchware"]) == bundles
    assert "ios.monitoring" not in found


def test_real_backup_app_list_gives_no_app_findings() -> None:
    """The six apps of a real iPhone (MVT's iOS backup sample, iOS 14.3) are common App Store apps."""
    info = plistlib.loads(
        shared_path("data", "mvt-artifacts", "tests", "artifacts", "ios_backup", "Info.plist").read_bytes()
    )
    apps = [app(b) for b in info["Installed Applications"]]
    values = {"ProductType": info["Product Type"], "ProductVersion": info["Product Version"]}
    found = findings(snapshot(apps=apps, values=values))
    assert set(found) == {"ios.outdated"}
    assert [a.bundle_id for a in parse_apps(plist(apps))][:2] == ["ph.telegra.Telegraph", "com.google.Gmail"]
    assert all(isinstance(a, IosApp) for a in parse_apps(plist(apps)))
