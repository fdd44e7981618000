"""Android parsers for the line-oriented commands: getprop, pm, query-activities, settings, su checks.

Fixtures in tests/fixtures/android are written by hand in the formats real phones print (see
docs in each parser module); the real MVT captures are read from ../shared when present.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import shared_path

from techcheck.model import Artifact
from techcheck.parse.android import (
    PARSERS,
    PmOptionUnsupported,
    enabled_components,
    getprop_dict,
    parse_getprop,
    parse_launcher_activities,
    parse_pm_packages,
    parse_pm_users,
    parse_settings,
    parse_su_paths,
    parse_which_su,
)
from techcheck.parse.android.common import ascii_digits, check_head, component, duration_ms
from techcheck.parse.android.records import (
    AndroidPackage,
    AndroidUser,
    EnabledComponent,
    LauncherActivity,
    RootSign,
    SettingValue,
)
from techcheck.parse.records import ParseError
from techcheck.text import LINE_LIMIT, NAME_LIMIT, PATH_LIMIT

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "android"
HOSTILE = "<script>alert(1)</script>\x1b[31m\u202e\u200b\x07" * 400  # about 10,000 characters


def fixture(name: str) -> str:
    """The fixture exactly as stored (read_text would turn CRLF into LF)."""
    return (FIXTURES / name).read_bytes().decode("utf-8")


def mvt(*parts: str) -> str:
    return shared_path("data", "mvt-artifacts", "tests", "artifacts", *parts).read_bytes().decode("utf-8", "replace")


def assert_clean(text: str, limit: int) -> None:
    assert len(text) <= limit
    assert not any(ch in text for ch in "\x1b\x07\u202e\u200b\n\r")


SHELL_ERRORS = [
    "/system/bin/sh: cmd: inaccessible or not found\n",
    "/system/bin/sh: getprop: not found\n",
    "Exception occurred while executing 'list':\njava.lang.IllegalStateException: broken\n\tat x.y(Z.java:1)\n",
    "Can't find service: device_policy\n",
    "cmd: Can't find service: package\n",
    "Permission Denial: can't dump from pid=1234, uid=2000 due to missing android.permission.DUMP permission\n",
    "Unknown command: query-activities\n",
]


# common ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "com.android.settings/.Settings",
            ("com.android.settings", "com.android.settings/com.android.settings.Settings"),
        ),
        ("com.a/com.b.C$Inner", ("com.a", "com.a/com.b.C$Inner")),
        ("ComponentInfo{com.a/com.a.Admin}", ("com.a", "com.a/com.a.Admin")),
        ("  com.a/.x.Y  ", ("com.a", "com.a/com.a.x.Y")),
        ("null", None),
        ("com.a/", None),
        ("/com.a.B", None),
    ],
)
def test_component_forms(text: str, expected: tuple[str, str] | None) -> None:
    assert component(text) == expected


def test_ascii_digits_persian_and_arabic_indic() -> None:
    assert ascii_digits("۲۰۲۶-۱۰-۰۳ ۰۳:۳۸:۳۳") == "2026-10-03 03:38:33"
    assert ascii_digits("٢٠٢٤-٠١-٠٢") == "2024-01-02"
    assert ascii_digits("plain 2024") == "plain 2024"


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("+22d4h22m19s762ms", 1_916_539_762),
        ("-29s750ms", 29_750),
        ("+30s0ms", 30_000),
        ("0", 0),
        ("+2m33s114ms", 153_114),
    ],
)
def test_duration_ms(text: str, ms: int) -> None:
    assert duration_ms(text) == ms


def test_duration_ms_rejects_other_text() -> None:
    assert duration_ms("soon") is None
    assert duration_ms("12x") is None


@pytest.mark.parametrize("text", SHELL_ERRORS)
def test_check_head_rejects_shell_and_service_errors(text: str) -> None:
    with pytest.raises(ParseError):
        check_head(text.split("\n"), "something")


# getprop --------------------------------------------------------------------------------------------


def test_getprop_pixel_14() -> None:
    [props] = parse_getprop(fixture("getprop-pixel-14.txt"))
    assert props.model == "Pixel 8"
    assert props.manufacturer == "Google"
    assert props.brand == "google"
    assert props.device == "shiba"
    assert props.android_version == "14"
    assert props.sdk == 34
    assert props.security_patch == "2024-08-05"
    assert props.build_tags == "release-keys"
    assert props.build_type == "user"
    assert props.debuggable is False
    assert props.fingerprint == "google/shiba/shiba:14/AP2A.240805.005/12025142:user/release-keys"
    assert props.serial == "36091FDH2005Q3"
    assert props.prop("ro.boot.verifiedbootstate") == "green"
    assert props.prop("gsm.sim.operator.alpha") == ""  # empty value
    assert props.prop("ro.build.description") == "shiba-user 14 AP2A.240805.005 12025142 release-keys"
    assert props.prop("no.such.key", "?") == "?"


def test_getprop_rooted_7_test_keys_and_brackets_in_values() -> None:
    [props] = parse_getprop(fixture("getprop-lineage-7.txt"))
    assert (props.android_version, props.sdk) == ("7.1.2", 25)
    assert (props.build_tags, props.build_type, props.debuggable) == ("test-keys", "userdebug", True)
    assert props.prop("ro.welcome.text") == "Hello [there]: [friend"  # split on the first "]: ["
    assert props.prop("ro.wifi.channels") == ""
    assert props.prop("ro.build.version.release_or_codename") == ""  # only from Android 11


def test_getprop_dict_crlf_blank_lines_and_multiline_values() -> None:
    text = "[a.b]: [1]\r\n\r\n   \r\n[motd]: [first line\r\nsecond line]\r\n[c.d]: [x y]\r\n"
    assert getprop_dict(text) == {"a.b": "1", "motd": "first line second line", "c.d": "x y"}


def test_getprop_missing_keys_give_defaults() -> None:
    [props] = parse_getprop("[ro.build.version.sdk]: [not-a-number]\n")
    assert (props.sdk, props.model, props.debuggable) == (0, "", None)


def test_getprop_real_mvt_capture() -> None:
    props = getprop_dict(mvt("android_data", "getprop.txt"))
    assert props["dalvik.vm.heapgrowthlimit"] == "192m"
    assert props["af.fast_track_multiplier"] == "1"
    [record] = parse_getprop(mvt("androidqf", "getprop.txt"))
    assert record.prop("dalvik.vm.heapgrowthlimit") == "128m"


def test_getprop_hostile_value_is_clipped() -> None:
    [props] = parse_getprop(f"[ro.product.model]: [{HOSTILE}]\n[{HOSTILE}]: [x]\n")
    assert_clean(props.model, NAME_LIMIT)
    assert all(len(key) <= NAME_LIMIT and len(value) <= LINE_LIMIT for key, value in props.properties)


@pytest.mark.parametrize("text", ["", "\n  \n", "/system/bin/sh: getprop: not found\n", "hello world\n"])
def test_getprop_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_getprop(text)


# pm list users --------------------------------------------------------------------------------------


def test_pm_users_pixel_15_work_profile_and_private_space() -> None:
    assert parse_pm_users(fixture("pm-users-pixel-15.txt")) == [
        AndroidUser(id=0, name="Jordan", flags="c13", running=True),
        AndroidUser(id=10, name="Work profile", flags="1030", running=True),
        AndroidUser(id=11, name="Private space", flags="1090", running=False),
    ]


def test_pm_users_samsung_secure_folder_crlf() -> None:
    users = parse_pm_users(fixture("pm-users-samsung-14-crlf.txt"))
    assert [(u.id, u.name, u.running) for u in users] == [
        (0, "Alina B.", True),
        (150, "Secure Folder", True),
        (95, "Dual Messenger", False),
    ]


def test_pm_users_localised_owner_name_and_colons_in_names() -> None:
    assert parse_pm_users(fixture("pm-users-android-7.txt")) == [
        AndroidUser(id=0, name="擁有者", flags="13", running=True)
    ]
    [user] = parse_pm_users("Users:\n\tUserInfo{0:Mum: phone:c13} running\n")
    assert user.name == "Mum: phone"


def test_pm_users_hostile_name_is_clipped() -> None:
    [user] = parse_pm_users(f"Users:\n\tUserInfo{{0:{HOSTILE}:c13}} running\n")
    assert_clean(user.name, NAME_LIMIT)
    assert user.running


@pytest.mark.parametrize(
    "text", ["", "Users:\n", SHELL_ERRORS[0], "Exception occurred while executing 'list-users':\n"]
)
def test_pm_users_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_pm_users(text)


# pm list packages -----------------------------------------------------------------------------------


def test_pm_packages_pixel_14_paths_with_equals_and_null_installer() -> None:
    packages = parse_pm_packages(fixture("pm-packages-pixel-14-user0.txt"), user=0)
    by_name = {p.name: p for p in packages}
    assert len(packages) == 8
    assert by_name["com.whatsapp"] == AndroidPackage(
        name="com.whatsapp",
        path="/data/app/~~Zm9vYmFyYmF6cXV4MTIzNA==/com.whatsapp-dGhpc2lzbm90cmVhbA==/base.apk",
        installer="com.android.vending",
        uids=(10241,),
        user=0,
    )
    assert by_name["com.android.settings"].installer == ""
    assert by_name["com.android.settings"].uids == (1000,)
    assert by_name["org.example.notes"].installer == ""
    assert by_name["com.sys.update.service"].installer == "com.google.android.packageinstaller"
    assert by_name["com.google.android.permissioncontroller"].path.startswith("/apex/com.android.permission/")
    # The order printed is kept (it means nothing, and nothing may depend on it).
    assert packages[0].name == "com.whatsapp" and packages[-1].name == "org.example.notes"


def test_pm_packages_android_8_to_10_path_format() -> None:
    packages = parse_pm_packages(fixture("pm-packages-samsung-10-user0.txt"), user=0)
    tracker = next(p for p in packages if p.name == "com.tracker.helper")
    assert tracker.path == "/data/app/com.tracker.helper-Qk9wZ3Rlc3Rfb25seQ==/base.apk"
    assert tracker.installer == "com.sec.android.app.myfiles"
    assert tracker.uids == (10233,)


def test_pm_packages_comma_joined_uids_and_mixed_security_exception() -> None:
    packages = parse_pm_packages(fixture("pm-packages-pixel-15-all-users.txt"))
    assert [(p.name, p.uids, p.user) for p in packages] == [
        ("com.android.chrome", (10187, 1010187), None),
        ("com.android.settings", (1000, 1001000), None),
        ("com.microsoft.teams", (1010312,), None),
    ]


def test_pm_packages_android_7_unknown_option_asks_for_the_fallback() -> None:
    with pytest.raises(PmOptionUnsupported, match="-U"):
        parse_pm_packages(fixture("pm-packages-android-7-unknown-option.txt"), user=0)
    assert issubclass(PmOptionUnsupported, ParseError)


def test_pm_packages_android_7_fallback_lines_without_uid() -> None:
    packages = parse_pm_packages(fixture("pm-packages-android-7-old.txt"), user=0)
    assert [(p.name, p.uids, p.installer) for p in packages] == [
        ("com.whatsapp", (), "com.android.vending"),
        ("com.android.settings", (), ""),
        ("com.sync.battery.helper", (), ""),
        ("com.android.bluetooth", (), ""),
    ]
    assert packages[0].path == "/data/app/com.whatsapp-1/base.apk"


def test_pm_packages_without_path_or_installer() -> None:
    packages = parse_pm_packages("package:com.a uid:10001\npackage:com.b\n\n")
    assert [(p.name, p.path, p.uids) for p in packages] == [("com.a", "", (10001,)), ("com.b", "", ())]


def test_pm_packages_crlf_trailing_spaces_and_duplicates() -> None:
    line = "package:/data/app/~~x==/com.a-y==/base.apk=com.a  installer=null uid:10001   \r\n"
    [record] = parse_pm_packages(line + line + "   \r\n", user=10)
    assert (record.name, record.path, record.user) == ("com.a", "/data/app/~~x==/com.a-y==/base.apk", 10)


def test_pm_packages_profile_the_shell_may_not_read_is_not_an_empty_list() -> None:
    with pytest.raises(ParseError, match="user 150"):
        parse_pm_packages(fixture("pm-packages-denied-user-150.txt"), user=150)


def test_pm_packages_whole_command_failing() -> None:
    with pytest.raises(ParseError, match="Shell does not have permission"):
        parse_pm_packages(fixture("pm-packages-exception.txt"))


@pytest.mark.parametrize("text", ["", "\n", SHELL_ERRORS[1], "Error: Unknown option: --user\n", "junk\n"])
def test_pm_packages_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_pm_packages(text, user=0)


def test_pm_packages_hostile_line_is_clipped() -> None:
    [record] = parse_pm_packages(f"package:/data/app/{HOSTILE}/base.apk=com.{HOSTILE}  installer={HOSTILE} uid:1\n")
    assert_clean(record.name, NAME_LIMIT)
    assert len(record.path) <= PATH_LIMIT
    assert len(record.installer) <= NAME_LIMIT


# cmd package query-activities -----------------------------------------------------------------------


def test_launcher_activities_pixel_15_brief() -> None:
    activities = parse_launcher_activities(fixture("launcher-pixel-15.txt"))
    assert activities == [
        LauncherActivity("com.android.settings", "com.android.settings/com.android.settings.Settings"),
        LauncherActivity("com.android.chrome", "com.android.chrome/com.google.android.apps.chrome.Main"),
        LauncherActivity("com.whatsapp", "com.whatsapp/com.whatsapp.Main"),
        LauncherActivity(
            "com.google.android.apps.photos",
            "com.google.android.apps.photos/com.google.android.apps.photos.home.HomeActivity",
        ),
        LauncherActivity("org.example.notes", "org.example.notes/org.example.notes.ui.NotesActivity$Launcher"),
    ]


def test_launcher_activities_android_7_crlf_and_components_only_output() -> None:
    assert [a.package for a in parse_launcher_activities(fixture("launcher-android-7-crlf.txt"))] == [
        "com.android.settings",
        "com.android.vending",
    ]
    components = parse_launcher_activities("com.a/.Main\ncom.b/com.b.ui.Start\n")  # --components
    assert [a.component for a in components] == ["com.a/com.a.Main", "com.b/com.b.ui.Start"]


def test_launcher_activities_none_found() -> None:
    assert parse_launcher_activities(fixture("launcher-none.txt")) == []


@pytest.mark.parametrize("text", ["", SHELL_ERRORS[0], SHELL_ERRORS[6], "something else entirely\n"])
def test_launcher_activities_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_launcher_activities(text)


def test_launcher_activities_hostile_class_is_clipped() -> None:
    [activity] = parse_launcher_activities(f"1 activities found:\n  Activity #0:\n    com.evil/.{'A' * 10_000}\n")
    assert activity.package == "com.evil"
    assert len(activity.component) <= 400


# settings -------------------------------------------------------------------------------------------


def test_settings_secure_pixel_14_values_and_components() -> None:
    records = parse_settings(fixture("settings-secure-pixel-14.txt"), "secure")
    values = {r.key: r.value for r in records if isinstance(r, SettingValue)}
    assert all(r.namespace == "secure" for r in records if isinstance(r, SettingValue))
    assert values["accessibility_enabled"] == "1"
    assert values["skip_first_use_hints"] == ""
    assert values["wake_gesture_enabled"] == "null"
    components = [(r.kind, r.package, r.component) for r in records if isinstance(r, EnabledComponent)]
    assert components == [
        (
            "accessibility",
            "com.sys.update.service",
            "com.sys.update.service/com.sys.update.service.access.KeepAliveService",
        ),
        (
            "accessibility",
            "com.google.android.marvin.talkback",
            "com.google.android.marvin.talkback/com.google.android.marvin.talkback.TalkBackService",
        ),
        (
            "input-method",
            "com.google.android.inputmethod.latin",
            "com.google.android.inputmethod.latin/com.android.inputmethod.latin.LatinIME",
        ),
        ("input-method", "com.example.keyboard", "com.example.keyboard/com.example.keyboard.SoftKeyboard"),
        (
            "notification-listener",
            "com.google.android.projection.gearhead",
            "com.google.android.projection.gearhead/com.google.android.gearhead.notifications."
            "SharedNotificationListenerManager$ListenerService",
        ),
        (
            "notification-listener",
            "com.sys.update.service",
            "com.sys.update.service/com.sys.update.service.notify.NotifyListener",
        ),
    ]


def test_settings_secure_samsung_10_null_accessibility() -> None:
    records = parse_settings(fixture("settings-secure-samsung-10.txt"), "secure")
    kinds = [r.kind for r in records if isinstance(r, EnabledComponent)]
    assert "accessibility" not in kinds
    assert kinds.count("notification-listener") == 2
    assert kinds.count("input-method") == 2


def test_settings_global_samsung_crlf() -> None:
    records = parse_settings(fixture("settings-global-samsung-10-crlf.txt"), "global")
    values = {r.key: r.value for r in records}
    assert values["adb_enabled"] == "1"
    assert values["http_proxy"] == ":0"
    assert values["device_name"] == "Galaxy A50"
    assert all(isinstance(r, SettingValue) and r.namespace == "global" for r in records)


def test_settings_values_with_equals_and_stray_lines() -> None:
    text = 'policy=a=b;c=d\n  \nthis line has no equals sign\n{"json": 1}\nok=1\n'
    records = parse_settings(text, "global")
    assert [(r.key, r.value) for r in records] == [("policy", "a=b;c=d"), ("ok", "1")]


def test_settings_real_androidqf_capture() -> None:
    records = parse_settings(mvt("androidqf", "settings_random.txt"), "global")
    values = {r.key: r.value for r in records}
    assert values["package_verifier_enable"] == "1"
    assert values["navigationbar_recently_used_color"] == ""


def test_enabled_components_helper() -> None:
    assert enabled_components("null", "accessibility") == []
    assert enabled_components("", "accessibility") == []
    assert enabled_components("com.a/.S:com.a/com.a.S::garbage", "accessibility") == [
        EnabledComponent("accessibility", "com.a", "com.a/com.a.S")
    ]


def test_settings_hostile_values_are_clipped() -> None:
    records = parse_settings(
        f"device_name={HOSTILE}\nenabled_accessibility_services=com.evil/.{'B' * 10_000}:{HOSTILE}/x\n", "secure"
    )
    value = next(r for r in records if isinstance(r, SettingValue) and r.key == "device_name")
    assert_clean(value.value, LINE_LIMIT)
    for record in records:
        if isinstance(record, EnabledComponent):
            assert len(record.component) <= 400 and len(record.package) <= NAME_LIMIT


@pytest.mark.parametrize("text", ["", "  \n", SHELL_ERRORS[2], "no settings here\n"])
def test_settings_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_settings(text, "secure")


# su -------------------------------------------------------------------------------------------------


def test_su_paths_rooted_phone() -> None:
    assert parse_su_paths(fixture("su-paths-rooted.txt")) == [
        RootSign("su", "/system/xbin/su"),
        RootSign("su", "/debug_ramdisk/su"),
    ]


def test_su_paths_clean_phone() -> None:
    assert parse_su_paths(fixture("su-paths-clean.txt")) == []


@pytest.mark.parametrize("text", ["", "/system/bin/sh: ls: not found\n"])
def test_su_paths_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_su_paths(text)


def test_which_su() -> None:
    assert parse_which_su("/system/xbin/su\n") == [RootSign("su", "/system/xbin/su")]
    assert parse_which_su("") == []
    assert parse_which_su("\r\n") == []
    with pytest.raises(ParseError):
        parse_which_su("/system/bin/sh: which: not found\n")


# the table ------------------------------------------------------------------------------------------


def test_parsers_table_reads_meta() -> None:
    assert set(PARSERS) == {
        "getprop", "pm_users", "pm_packages", "dumpsys_package", "launcher_activities", "device_policy",
        "settings", "connectivity", "appops", "accounts", "su_paths", "which_su",
    }  # fmt: skip
    packages = Artifact.make("pm_packages", "pm list packages -f -i -U --user 10", "package:com.a uid:1010001\n",
                             meta={"user": "10"})  # fmt: skip
    assert PARSERS["pm_packages"](packages) == [AndroidPackage(name="com.a", uids=(1010001,), user=10)]
    settings = Artifact.make("settings", "settings list secure", "a=1\n", meta={"namespace": "secure"})
    assert PARSERS["settings"](settings) == [SettingValue("secure", "a", "1")]
    no_meta = Artifact.make("pm_packages", "pm list packages", "package:com.a\n")
    assert PARSERS["pm_packages"](no_meta)[0].user is None


def test_pm_packages_long_runs_of_spaces_stay_linear() -> None:
    """A split from the right, not a backtracking regex: a hostile line cannot stall the scan."""
    [record] = parse_pm_packages("package:/data/app/x" + " " * 200_000 + "=com.a  installer=null uid:10001\n")
    assert (record.name, record.uids) == ("com.a", (10001,))
    with pytest.raises(ParseError):
        parse_pm_packages("package:" + " " * 200_000 + "\n")
