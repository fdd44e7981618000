"""Android parsers for the dumpsys services: package, device_policy, connectivity, appops, account."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import shared_path

from techcheck.model import Artifact, Snapshot, Target
from techcheck.parse import parse_artifact, parse_snapshot
from techcheck.parse.android import (
    PARSERS,
    parse_accounts,
    parse_appops,
    parse_connectivity,
    parse_device_policy,
    parse_dumpsys_package,
)
from techcheck.parse.android.records import AndroidAccount, DeviceAdmin, LocationAccess, PackageDetails, VpnConnection
from techcheck.parse.records import ParseError
from techcheck.text import NAME_LIMIT

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "android"
HOSTILE = "<b>x</b>\x1b[2J\u202e\u200b\x00" * 700  # about 10,000 characters

SHELL_ERRORS = [
    "/system/bin/sh: dumpsys: inaccessible or not found\n",
    "Can't find service: package\n",
    "Permission Denial: can't dump from pid=4321, uid=2000 due to missing android.permission.DUMP permission\n",
    "Exception occurred while executing 'dump':\njava.lang.SecurityException: nope\n",
]


def fixture(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def mvt(*parts: str) -> str:
    return shared_path("data", "mvt-artifacts", "tests", "artifacts", *parts).read_bytes().decode("utf-8", "replace")


def by_name(records: list[PackageDetails]) -> dict[str, PackageDetails]:
    return {r.name: r for r in records}


# dumpsys package ------------------------------------------------------------------------------------


def test_dumpsys_package_samsung_10() -> None:
    packages = parse_dumpsys_package(fixture("dumpsys-package-samsung-10.txt"))
    assert [p.name for p in packages] == [
        "com.samsung.android.provider.filterprovider",
        "com.tracker.helper",
        "com.samsung.android.bixby.agent",
        "com.google.android.youtube",
    ]
    tracker = by_name(packages)["com.tracker.helper"]
    assert tracker == PackageDetails(
        name="com.tracker.helper",
        app_id=10233,
        installer="com.sec.android.app.myfiles",
        version_name="4.1.2 (build 412) beta",
        system=False,
        code_path="/data/app/com.tracker.helper-Qk9wZ3Rlc3Rfb25seQ==",
        first_install="2021-05-19 22:01:50",
        last_update="2021-05-19 22:01:50",
        requested=(
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.ACCESS_BACKGROUND_LOCATION",
            "android.permission.READ_SMS",
            "android.permission.RECEIVE_BOOT_COMPLETED",
            "android.permission.BIND_ACCESSIBILITY_SERVICE",
            "android.permission.INTERNET",
        ),
        granted=(
            "android.permission.RECEIVE_BOOT_COMPLETED",
            "android.permission.INTERNET",
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.ACCESS_BACKGROUND_LOCATION",
            "android.permission.READ_SMS",
        ),
        enabled=True,
        installed_users=(0,),
    )
    assert by_name(packages)["com.samsung.android.bixby.agent"].enabled is False  # enabled=3 (disabled-user)


def test_dumpsys_package_hidden_system_packages_and_shared_users_are_not_read() -> None:
    youtube = by_name(parse_dumpsys_package(fixture("dumpsys-package-samsung-10.txt")))["com.google.android.youtube"]
    assert youtube.version_name == "15.21.54"  # not the factory copy's 14.17.54
    assert youtube.code_path.startswith("/data/app/")
    assert youtube.system is True  # flags=[ SYSTEM … UPDATED_SYSTEM_APP ]
    assert youtube.granted == ("android.permission.INTERNET",)  # not android.uid.system's WRITE_SETTINGS


def test_dumpsys_package_pixel_14_app_id_and_per_user_state() -> None:
    packages = by_name(parse_dumpsys_package(fixture("dumpsys-package-pixel-14-work-profile.txt")))
    assert list(packages) == [
        "com.android.chrome",
        "com.sys.update.service",
        "com.microsoft.teams",
        "com.google.android.apps.photos",
        "org.example.notes",
    ]
    spy = packages["com.sys.update.service"]
    assert spy.app_id == 10298
    assert (spy.installer, spy.initiating_installer) == ("com.google.android.packageinstaller",) * 2
    assert spy.first_install == "2024-07-30 21:14:09"  # per-user on 14+
    assert spy.requested == ()  # no requested block in a full dump on 12+
    assert spy.granted == (
        "android.permission.RECEIVE_BOOT_COMPLETED",
        "android.permission.INTERNET",
        "android.permission.REQUEST_IGNORE_BATTERY_OPTIMIZATIONS",
        "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.ACCESS_COARSE_LOCATION",
        "android.permission.RECORD_AUDIO",
    )
    assert spy.installed_users == (0,)
    teams = packages["com.microsoft.teams"]  # only in the work profile
    assert teams.installed_users == (10,)
    assert teams.first_install == "2024-03-11 23:16:14"  # not user 0's 1970-01-01
    assert teams.granted == ("android.permission.READ_CONTACTS",)
    assert packages["com.android.chrome"].installed_users == (0, 10)
    assert packages["com.android.chrome"].version_name == "127.0.6533.103"
    photos = packages["com.google.android.apps.photos"]
    assert (photos.enabled, photos.system, photos.installer) == (False, True, "")  # enabled=2, installer=null
    notes = packages["org.example.notes"]
    assert (notes.enabled, notes.installer, notes.initiating_installer) == (True, "", "com.android.shell")
    assert notes.version_name == ""


def test_dumpsys_package_android_16_oem_fields_persian_digits_and_clone_user() -> None:
    packages = by_name(parse_dumpsys_package(fixture("dumpsys-package-nubia-16-persian.txt")))
    assert list(packages) == ["ir.example.wallet", "com.whatsapp"]  # install log and Queries: not read
    wallet = packages["ir.example.wallet"]
    assert wallet.last_update == "2026-10-03 03:38:33"
    assert wallet.first_install == "2026-10-03 03:38:33"
    assert wallet.installed_users == (0,)
    whatsapp = packages["com.whatsapp"]
    assert whatsapp.installed_users == (0, 999)
    assert whatsapp.first_install == "2025-12-01 09:15:00"
    assert whatsapp.enabled is True  # appLockEnabled=true is not enabled=
    assert "android.permission.ACCESS_FINE_LOCATION" in whatsapp.granted  # granted for the clone user


def test_dumpsys_package_android_7() -> None:
    packages = by_name(parse_dumpsys_package(fixture("dumpsys-package-android-7.txt")))
    helper = packages["com.sync.battery.helper"]
    assert (helper.app_id, helper.system, helper.installer) == (10087, False, "")
    assert helper.requested == (
        "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.READ_SMS",
        "android.permission.RECEIVE_BOOT_COMPLETED",
    )
    assert set(helper.granted) == set(helper.requested)
    assert packages["com.android.settings"].system is True


def test_dumpsys_package_real_mvt_captures() -> None:
    packages = by_name(parse_dumpsys_package(mvt("android_data", "dumpsys_packages.txt")))
    assert list(packages) == ["com.samsung.android.provider.filterprovider", "com.sec.android.app.DataCreate"]
    data_create = packages["com.sec.android.app.DataCreate"]
    assert (data_create.app_id, data_create.system, data_create.version_name) == (10143, True, "1.0")
    assert len(data_create.requested) == 11
    assert "android.permission.WRITE_SECURE_SETTINGS" in data_create.granted
    assert "android.permission.READ_SMS" not in data_create.granted  # granted=false at runtime
    assert data_create.installed_users == (0,)
    assert packages["com.samsung.android.provider.filterprovider"].app_id == 1000
    # The AndroidQF bundle: every service in one file, "DUMP OF SERVICE …" separators.
    bundled = by_name(parse_dumpsys_package(mvt("androidqf", "dumpsys.txt")))
    assert list(bundled) == ["com.samsung.android.provider.filterprovider", "com.sec.android.app.DataCreate"]


def test_dumpsys_package_system_from_code_path() -> None:
    for path in ("/system_ext/priv-app/X", "/apex/com.android.x/priv-app/X@1", "/vendor/app/X", "/product/app/X"):
        [record] = parse_dumpsys_package(
            f"Packages:\n  Package [com.x] (1):\n    codePath={path}\n    flags=[ HAS_CODE ]\n"
        )
        assert record.system is True, path
    [record] = parse_dumpsys_package("Packages:\n  Package [com.x] (1):\n    codePath=/data/app/~~a==/com.x-b==\n")
    assert record.system is False


def test_dumpsys_package_crlf_and_indented_blank_lines() -> None:
    text = fixture("dumpsys-package-pixel-14-work-profile.txt").replace("\n", "  \r\n")
    assert parse_dumpsys_package(text) == parse_dumpsys_package(fixture("dumpsys-package-pixel-14-work-profile.txt"))


def test_dumpsys_package_user_fields_by_name_not_position() -> None:
    text = (
        "Packages:\n  Package [com.x] (1):\n    userId=10001\n"
        "    User 0: enabled=4 vendorExtra=7 installed=true ceDataInode=-1\n"
        "    User 10: installed=true enabled=0\n"
    )
    [record] = parse_dumpsys_package(text)
    assert (record.enabled, record.installed_users) == (False, (0, 10))
    [first_listed] = parse_dumpsys_package(text.replace("User 0:", "User 11:"))
    assert first_listed.enabled is False  # no user 0: the first user listed decides


def test_dumpsys_package_line_break_in_a_value_cannot_end_the_list() -> None:
    """An app may put a line break in its versionName: the rest of the line starts at column 0."""
    text = (
        "Packages:\n"
        "  Package [com.evil] (1):\n    userId=10001\n    versionName=1.0\nHidden system packages:\n"
        "    lastUpdateTime=2024-01-01 00:00:00\n"
        "  Package [com.spy.after] (2):\n    userId=10002\n"
        "\nHidden system packages:\n  Package [com.hidden] (3):\n    userId=10003\n"
    )
    assert [p.name for p in parse_dumpsys_package(text)] == ["com.evil", "com.spy.after"]


def test_dumpsys_package_hostile_values_are_clipped() -> None:
    text = f"Packages:\n  Package [com.x] (1):\n    versionName={HOSTILE}\n    installerPackageName={HOSTILE}\n"
    [record] = parse_dumpsys_package(text)
    assert len(record.version_name) <= NAME_LIMIT and "\x1b" not in record.version_name
    assert len(record.installer) <= NAME_LIMIT and "\u202e" not in record.installer


def synthetic_dumpsys_package(count: int) -> str:
    """A full dump of ``count`` packages in the Android 14 layout (for the linear-time check and benches)."""
    blocks = ["Database versions:\n  Internal:\n    sdkVersion=34 databaseVersion=3\n\nPackages:"]
    for i in range(count):
        blocks.append(
            f"  Package [com.example.app{i}] ({i:07x}):\n    appId={10000 + i}\n"
            f"    codePath=/data/app/~~{i}==/com.example.app{i}-x==\n    versionName=1.{i}\n"
            "    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ]\n    lastUpdateTime=2024-01-01 00:00:00\n"
            "    installerPackageName=com.android.vending\n    install permissions:\n"
            "      android.permission.INTERNET: granted=true\n"
            "    User 0: ceDataInode=1 installed=true hidden=false stopped=false enabled=0\n"
            "      firstInstallTime=2024-01-01 00:00:00\n      runtime permissions:\n"
            "        android.permission.CAMERA: granted=true, flags=[ USER_SET ]\n"
            "    User 10: ceDataInode=0 installed=false hidden=false stopped=true enabled=0\n"
            "      firstInstallTime=1970-01-01 00:00:00\n"
        )
    blocks.append("\nHidden system packages:\n\nQueries:\n  system apps queryable: false\n")
    return "\n".join(blocks)


def test_dumpsys_package_300_packages() -> None:
    packages = parse_dumpsys_package(synthetic_dumpsys_package(300))
    assert len(packages) == 300
    assert packages[299] == PackageDetails(
        name="com.example.app299",
        app_id=10299,
        installer="com.android.vending",
        version_name="1.299",
        code_path="/data/app/~~299==/com.example.app299-x==",
        first_install="2024-01-01 00:00:00",
        last_update="2024-01-01 00:00:00",
        granted=("android.permission.INTERNET", "android.permission.CAMERA"),
        installed_users=(0,),
    )


@pytest.mark.parametrize("text", ["", "  \n", *SHELL_ERRORS, "Database versions:\n  Internal:\n"])
def test_dumpsys_package_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_dumpsys_package(text)


# dumpsys device_policy ------------------------------------------------------------------------------


def test_device_policy_android_11_device_owner() -> None:
    owner = "com.example.fleet.agent/com.example.fleet.agent.receiver.FleetAdminReceiver"
    assert parse_device_policy(fixture("device-policy-qssi-11-device-owner.txt")) == [
        DeviceAdmin("com.example.fleet.agent", owner, role="device-owner", user=0),
        DeviceAdmin("com.example.fleet.agent", owner, role="admin", user=0),
        DeviceAdmin(
            "com.google.android.gms",
            "com.google.android.gms/com.google.android.gms.mdm.receivers.MdmDeviceAdminReceiver",
        ),
    ]


def test_device_policy_android_12_headwind() -> None:
    records = parse_device_policy(fixture("device-policy-moto-12-headwind.txt"))
    assert [(r.role, r.component) for r in records] == [
        ("device-owner", "com.hmdm.launcher/com.hmdm.launcher.AdminReceiver"),
        ("admin", "com.hmdm.launcher/com.hmdm.launcher.AdminReceiver"),
    ]


def test_device_policy_pixel_16_no_admins() -> None:
    assert parse_device_policy(fixture("device-policy-pixel-16-none.txt")) == []


def test_device_policy_work_profile_owner_and_admins_per_user() -> None:
    records = parse_device_policy(fixture("device-policy-samsung-14-work-profile.txt"))
    dpc = (
        "com.google.android.apps.work.clouddpc/com.google.android.apps.work.clouddpc.receivers.CloudDeviceAdminReceiver"
    )
    assert records[0] == DeviceAdmin("com.google.android.apps.work.clouddpc", dpc, role="profile-owner", user=10)
    assert [(r.package, r.role, r.user) for r in records[1:]] == [
        ("com.google.android.gms", "admin", 0),
        ("com.example.parental.guard", "admin", 0),
        ("com.google.android.apps.work.clouddpc", "admin", 10),
    ]
    assert records[2].component == "com.example.parental.guard/com.example.parental.guard.admin.GuardAdmin$Receiver"


def test_device_policy_older_header_and_crlf() -> None:
    text = (
        "Current Device Policy Manager state:\r\n  Enabled Device Admins (User 0):\r\n"
        "    com.a/.Admin:\r\n      uid=10001\r\n"
    )
    assert parse_device_policy(text) == [DeviceAdmin("com.a", "com.a/com.a.Admin")]


def test_device_policy_hostile_class_is_clipped() -> None:
    header = "Current Device Policy Manager state:\n  Enabled Device Admins (User 0, provisioningState: 0):\n"
    text = f"{header}    com.evil/.{'C' * 10_000}:\n"
    [admin] = parse_device_policy(text)
    assert admin.package == "com.evil" and len(admin.component) <= 400


@pytest.mark.parametrize("text", ["", *SHELL_ERRORS, "Hello\n  world\n"])
def test_device_policy_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_device_policy(text)


# dumpsys connectivity -------------------------------------------------------------------------------


def test_connectivity_android_12_plus_vpn_over_cellular() -> None:
    assert parse_connectivity(fixture("connectivity-pixel-14-vpn.txt")) == [
        VpnConnection(package="com.sys.update.service", owner_uid=10298, interface="tun0")
    ]


def test_connectivity_android_10_old_format() -> None:
    assert parse_connectivity(fixture("connectivity-android-10-vpn.txt")) == [
        VpnConnection(package="", owner_uid=10233, interface="tun0")
    ]


def test_connectivity_connecting_vpn_and_requests_are_not_connected_vpns() -> None:
    assert parse_connectivity(fixture("connectivity-android-11-connecting.txt")) == []


def test_connectivity_old_format_lower_case_type_and_extra_package() -> None:
    line = (
        "  NetworkAgentInfo{ ni{[type: Vpn[], state: CONNECTED/CONNECTED, reason: agentConnect, extra: VPN:org.x, "
        "failover: false]}  network{9}  nlp{{InterfaceName: tun1 DnsAddresses: [ ]}} Transports: VPN }\n"
    )
    assert parse_connectivity("Current Networks:\n" + line) == [VpnConnection("org.x", None, "tun1")]


def test_connectivity_hostile_package_is_clipped() -> None:
    line = f"NetworkAgentInfo{{network{{5}} ni{{VPN CONNECTED extra: VPN:{HOSTILE}}} "
    line += "nc{[ Transports: VPN OwnerUid: 1]}}"
    [vpn] = parse_connectivity("Current Networks:\n" + line + "\n")
    assert len(vpn.package) <= NAME_LIMIT and "\x1b" not in vpn.package


@pytest.mark.parametrize("text", ["", *SHELL_ERRORS, "nothing to see\n"])
def test_connectivity_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_connectivity(text)


# dumpsys appops -------------------------------------------------------------------------------------


def location(records: list[LocationAccess], package: str, op: str) -> LocationAccess:
    return next(r for r in records if r.package == package and r.op == op)


def test_appops_sunmi_11_attribution_wrappers_and_trailing_spaces() -> None:
    records = parse_appops(fixture("appops-sunmi-11.txt"))
    fine = location(records, "com.sunmi.baseservice", "FINE_LOCATION")
    assert fine == LocationAccess(
        package="com.sunmi.baseservice",
        op="FINE_LOCATION",
        mode="allow",  # "(allow / switch COARSE_LOCATION=allow)"
        last_access="2021-01-11 16:01:05",  # the latest Access, not the Reject
        background=False,
        ago_ms=3_927_679,
    )
    assert location(records, "com.sunmi.baseservice", "COARSE_LOCATION").last_access == ""
    assert not any(r.op == "WAKE_LOCK" for r in records)
    locator = location(records, "com.example.familylocator", "FINE_LOCATION")
    assert (locator.mode, locator.last_access, locator.background) == ("foreground", "2021-01-11 16:59:59", True)
    monitor = location(records, "com.example.familylocator", "MONITOR_HIGH_POWER_LOCATION")
    assert (monitor.mode, monitor.background) == ("allow", True)  # [cch-s]
    assert location(records, "com.example.familylocator", "COARSE_LOCATION").mode == "foreground"  # uid-level only
    maps = location(records, "com.example.maps", "COARSE_LOCATION")
    assert (maps.mode, maps.last_access) == ("ignore", "")  # Reject lines are not accesses


def test_appops_pixel_14_uid_modes_and_background_access() -> None:
    records = parse_appops(fixture("appops-pixel-14.txt"))
    fine = location(records, "com.sys.update.service", "FINE_LOCATION")
    assert (fine.last_access, fine.background, fine.ago_ms) == ("2024-08-12 09:59:30", True, 29_750)
    coarse = location(records, "com.sys.update.service", "COARSE_LOCATION")
    assert (coarse.background, coarse.last_access) == (False, "2024-08-12 09:58:00")  # [fgsvcl-s]
    assert location(records, "com.whatsapp", "FINE_LOCATION").mode == "ignore"
    chrome = location(records, "com.android.chrome", "FINE_LOCATION")
    assert chrome.mode == "foreground"  # the uid-level mode decides
    assert location(records, "com.android.chrome", "COARSE_LOCATION").mode == "foreground"
    assert not any(r.op == "RECORD_AUDIO" for r in records)


def test_appops_android_7_numeric_modes_and_relative_times() -> None:
    records = parse_appops(fixture("appops-android-7.txt"))
    helper = location(records, "com.sync.battery.helper", "FINE_LOCATION")
    assert (helper.mode, helper.last_access, helper.ago_ms) == ("allow", "", 360_000)
    assert location(records, "com.sync.battery.helper", "MONITOR_LOCATION").ago_ms == 360_000
    assert location(records, "com.google.android.gms", "COARSE_LOCATION").mode == "ignore"  # uid mode=1
    assert location(records, "com.google.android.gms", "FINE_LOCATION").ago_ms == 41_007
    weather = location(records, "com.example.weather", "COARSE_LOCATION")
    assert (weather.mode, weather.ago_ms) == ("ignore", None)


def test_appops_android_9_state_names_persian_digits_and_crlf() -> None:
    text = (
        "Current AppOps Service state:\r\n  Uid u0a77:\r\n    state=cch\r\n    Package com.x:\r\n"
        "      FINE_LOCATION (allow):\r\n          Access: bg    = ۲۰۱۹-۰۳-۰۴ ۱۰:۰۰:۰۰.۱۲۳ (-2h3m)\r\n"
        "          Access: top   = 2019-03-04 09:00:00.000 (-3h3m)\r\n"
    )
    [record] = parse_appops(text)
    assert (record.last_access, record.background, record.ago_ms) == ("2019-03-04 10:00:00", True, 7_380_000)


def test_appops_real_mvt_capture_samsung() -> None:
    records = parse_appops(mvt("android_data", "dumpsys_appops.txt"))
    # Only uid-level COARSE_LOCATION: mode=ignore lines exist; they apply to each package of the uid.
    assert records == [
        LocationAccess("com.facebook.katana", "COARSE_LOCATION", "ignore"),
        LocationAccess("org.mozilla.firefox", "COARSE_LOCATION", "ignore"),
        LocationAccess("org.fdroid.fdroid", "COARSE_LOCATION", "ignore"),
    ]
    assert parse_appops(mvt("androidqf", "dumpsys.txt"))[:2] == records[:2]


def test_appops_hostile_package_is_clipped() -> None:
    text = f"  Uid u0a1:\n    Package {'p' * 10_000}:\n      FINE_LOCATION (allow):\n"
    [record] = parse_appops("Current AppOps Service state:\n" + text)
    assert len(record.package) <= NAME_LIMIT


@pytest.mark.parametrize("text", ["", *SHELL_ERRORS, "random words\n"])
def test_appops_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_appops(text)


# dumpsys account ------------------------------------------------------------------------------------


def test_accounts_android_7_localised_owner() -> None:
    assert parse_accounts(fixture("accounts-android-7-zh.txt")) == [
        AndroidAccount(type="com.android.localphone", name="PHONE", user=0),
        AndroidAccount(type="com.google", name="chen.mei.lin@gmail.com", user=0),
    ]


def test_accounts_samsung_14_secure_folder_and_sessions_not_counted() -> None:
    accounts = parse_accounts(fixture("accounts-samsung-14.txt"))
    assert [(a.user, a.type, a.name) for a in accounts] == [
        (0, "com.google", "alina.b@gmail.com"),
        (0, "com.osp.app.signin", "alina.b@example.org"),
        (0, "com.whatsapp", "WhatsApp"),
        (150, "com.microsoft.office.outlook.USER_ACCOUNT", "second.account@outlook.com"),
    ]
    assert not any(a.name == "tracker.backup@gmail.com" for a in accounts)  # only in a Session: line


def test_accounts_pixel_16_none() -> None:
    assert parse_accounts(fixture("accounts-pixel-16.txt")) == []


def test_accounts_line_break_in_a_name_does_not_hide_the_next_accounts() -> None:
    text = (
        "User UserInfo{0:Owner:c13}:\n  Accounts: 3\n    Account {name=evil\n  Active Sessions: 0\n, type=com.evil}\n"
        "    Account {name=a@b.c, type=com.google}\n    Account {name=x, y, type=com.z}\n  Active Sessions: 0\n"
    )
    assert [(a.name, a.type) for a in parse_accounts(text)] == [("a@b.c", "com.google"), ("x, y", "com.z")]


def test_accounts_hostile_name_is_clipped() -> None:
    [account] = parse_accounts(
        f"User UserInfo{{0:{HOSTILE}:c13}}:\n  Accounts: 1\n    Account {{name={HOSTILE}, type=t}}\n"
    )
    assert len(account.name) <= NAME_LIMIT and "\x00" not in account.name and account.type == "t"


@pytest.mark.parametrize("text", ["", *SHELL_ERRORS, "Accounts: 1\n    Account {name=a, type=b}\n"])
def test_accounts_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_accounts(text)


# through the parse stage ----------------------------------------------------------------------------


def test_parse_stage_fills_artifact_and_turns_errors_into_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    import techcheck.parse as parse

    for kind, parser in PARSERS.items():
        monkeypatch.setitem(parse.PARSERS, kind, parser)
    good = Artifact.make("accounts", "dumpsys account", fixture("accounts-android-7-zh.txt"), name="dumpsys_account")
    bad = Artifact.make("dumpsys_package", "dumpsys package", "Can't find service: package\n", name="dumpsys_package")
    assert {r.artifact for r in parse_artifact(good)} == {"dumpsys_account"}
    snapshot = Snapshot(target=Target(kind="android", id="test"), artifacts=[good, bad])
    facts = parse_snapshot(snapshot)
    assert len(facts.of(AndroidAccount)) == 2
    [problem] = [p for p in facts.problems if p.step == "dumpsys_package"]
    assert "does not have this service" in str(problem)


# no line can stall a parser -------------------------------------------------------------------------

_OPS_HEAD = "Current AppOps Service state:\n  Uid u0a1:\n    Package a:\n      FINE_LOCATION (allow):\n"
_LONG = 200_000
LONG_LINES = {
    "appops access spaces": (parse_appops, _OPS_HEAD + "          Access: " + " " * _LONG + "x\n"),
    "appops relative time": (parse_appops, _OPS_HEAD.replace("(allow):", ": mode=0; time=+" + "1" * _LONG + " ago")),
    "connectivity ni{": (parse_connectivity, "Current Networks:\nNetworkAgentInfo " + "ni{" * (_LONG // 3) + "\n"),
    "package user fields": (parse_dumpsys_package, "Packages:\n  Package [a] (1):\n    User 0: " + "a" * _LONG + "\n"),
    "package grants": (
        parse_dumpsys_package,
        "Packages:\n  Package [a] (1):\n    install permissions:\n      " + ": " * _LONG,
    ),
    "account name": (parse_accounts, "User UserInfo{0:o:1}:\n  Accounts: 1\n    Account {name=" + ", type=x" * _LONG),
}


@pytest.mark.parametrize("name", sorted(LONG_LINES))
def test_long_hostile_lines_are_read_in_linear_time(name: str) -> None:
    """Regexes are written so a 200,000-character line costs about as much as reading it (no timing here:
    a quadratic pattern would take minutes and show up as a hung test)."""
    parser, text = LONG_LINES[name]
    try:
        parser(text)
    except ParseError:
        pass
