"""The Android checks on facts built from records: severities, thresholds and what is left out."""

from __future__ import annotations

from techcheck.checks.android_access import check_components, check_device_admins
from techcheck.checks.android_apps import check_monitoring_signs, check_sideloaded
from techcheck.checks.android_phone import check_accounts, check_network, check_settings, check_updates
from techcheck.indicators import IndicatorSet
from techcheck.parse import Facts
from techcheck.parse.android.records import (
    AndroidAccount,
    AndroidPackage,
    AndroidProps,
    DeviceAdmin,
    EnabledComponent,
    LauncherActivity,
    PackageDetails,
    SettingValue,
    VpnConnection,
)

NONE = IndicatorSet()


def facts(*records: object, started: str = "2026-11-27T10:00:00Z") -> Facts:
    return Facts(records=list(records), started=started)


def app(name: str, installer: str = "com.android.vending", system: bool = False, granted=(), app_id=None):  # noqa: ANN001, ANN201
    path = f"/system/app/{name}/{name}.apk" if system else f"/data/app/~~x==/{name}-y==/base.apk"
    return (
        AndroidPackage(name=name, path=path, installer=installer),
        PackageDetails(name=name, installer=installer, system=system, granted=tuple(granted), app_id=app_id),
    )


def test_keyboards_only_from_outside_a_store() -> None:
    records = [
        *app("com.google.android.inputmethod.latin", installer="", system=True),
        *app("com.keys.pro", installer=""),
    ]
    records += [
        EnabledComponent(
            "input-method", "com.google.android.inputmethod.latin", "com.google.android.inputmethod.latin/.LatinIME"
        ),
        EnabledComponent("input-method", "com.keys.pro", "com.keys.pro/com.keys.pro.Ime"),
    ]
    found = check_components(facts(*records), NONE)
    assert [(f.id, f.subject["package"], f.severity) for f in found] == [("android.keyboard", "com.keys.pro", "medium")]


def test_access_severity_follows_where_the_app_came_from() -> None:
    records = [
        *app("com.pass.manager"),
        *app("com.odd.helper", installer=""),
        *app("com.android.talkback", system=True),
    ]
    records += [
        EnabledComponent("accessibility", p, f"{p}/.S")
        for p in ("com.pass.manager", "com.odd.helper", "com.android.talkback")
    ]
    found = {f.subject["package"]: f.severity for f in check_components(facts(*records), NONE)}
    assert found == {"com.pass.manager": "low", "com.odd.helper": "medium", "com.android.talkback": "info"}


def test_device_owner_is_never_just_information() -> None:
    records = [
        *app("com.mdm.agent", system=True),
        DeviceAdmin("com.mdm.agent", "com.mdm.agent/com.mdm.agent.R", "device-owner"),
    ]
    (found,) = check_device_admins(facts(*records), NONE)
    assert found.severity == "medium" and found.subject["role"] == "device-owner"


def test_monitoring_signs_threshold() -> None:
    one = [
        *app("com.one.cap", installer="", granted=["android.permission.READ_SMS"]),
        LauncherActivity("com.one.cap", "com.one.cap/.Main"),
        LauncherActivity("com.other", "com.other/.Main"),
    ]
    assert check_monitoring_signs(facts(*one), NONE) == []
    assert [f.subject["package"] for f in check_sideloaded(facts(*one), NONE)] == ["com.one.cap"]
    two = [
        *app("com.two.caps", installer="", granted=["android.permission.READ_SMS", "android.permission.READ_CALL_LOG"]),
        LauncherActivity("com.two.caps", "com.two.caps/.Main"),
    ]
    (found,) = check_monitoring_signs(facts(*two), NONE)
    assert found.severity == "medium" and found.subject["capabilities"] == "sms, call-log"
    assert check_sideloaded(facts(*two), NONE) == []  # reported once, as the stronger finding


def test_settings_rules_depend_on_the_android_version() -> None:
    old = [AndroidProps(sdk=25), SettingValue("secure", "install_non_market_apps", "1")]
    new = [
        AndroidProps(sdk=34),
        SettingValue("secure", "install_non_market_apps", "1"),
        SettingValue("global", "package_verifier_user_consent", "-1"),
    ]
    assert [f.id for f in check_settings(facts(*old), NONE)] == ["android.unknown-sources"]
    assert [f.id for f in check_settings(facts(*new), NONE)] == ["android.play-protect-off"]


def test_outdated_is_judged_on_the_day_of_the_scan() -> None:
    props = AndroidProps(sdk=34, android_version="14", security_patch="2025-10-05")
    assert check_updates(facts(props, started="2026-06-01T00:00:00Z"), NONE) == []
    (late,) = check_updates(facts(props, started="2026-12-01T00:00:00Z"), NONE)
    assert late.subject["setting"] == "security update 2025-10-05"


def test_vpn_owner_is_found_by_uid_and_proxy_values() -> None:
    records = [
        *app("com.secret.vpn", installer="", app_id=10321),
        VpnConnection(owner_uid=10321),
        SettingValue("global", "http_proxy", "203.0.113.5:8080"),
    ]
    found = check_network(facts(*records), NONE)
    assert [(f.id, f.subject.get("package", f.subject.get("setting"))) for f in found] == [
        ("android.vpn", "com.secret.vpn"),
        ("android.proxy", "203.0.113.5:8080"),
    ]
    assert check_network(facts(SettingValue("global", "http_proxy", ":0")), NONE) == []


def test_a_second_google_account_is_worth_talking_through() -> None:
    one = check_accounts(facts(AndroidAccount("com.google", "a@gmail.com")), NONE)
    assert [f.severity for f in one] == ["info"]
    two = check_accounts(
        facts(
            AndroidAccount("com.google", "a@gmail.com"),
            AndroidAccount("com.google", "b@gmail.com"),
            AndroidAccount("com.whatsapp", "WhatsApp"),
        ),
        NONE,
    )
    assert [f.severity for f in two] == ["medium", "medium", "info"]
