"""Browser profiles: signed-in accounts, extensions and sites allowed to see location.

The fixtures under tests/fixtures/browsers are laid out as the browsers write them: Chrome's
``Local State``, ``<profile>/Preferences`` and ``Secure Preferences`` and an installed extension folder;
Firefox's ``profiles.ini`` (with its ``[Install…]`` section), ``signedInUser.json`` and ``extensions.json``.
``permissions.sqlite`` is built here with Firefox's own ``moz_perms`` schema.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from techcheck.collect.base import Context
from techcheck.collect.browsers import KINDS, collect_browsers
from techcheck.model import Snapshot, Target
from techcheck.parse import parse_snapshot
from techcheck.parse.browsers import (
    parse_chromium_local_state,
    parse_chromium_preferences,
    parse_chromium_secure_preferences,
    parse_extension_folder,
    parse_firefox_extensions,
    parse_firefox_permissions,
    parse_firefox_profiles_ini,
    parse_firefox_signed_in_user,
)
from techcheck.parse.records import (
    BrowserExtension,
    BrowserProfile,
    ExtensionManifest,
    ParseError,
    SiteLocationGrant,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "browsers"
CHROME = FIXTURES / "chrome"
FIREFOX = FIXTURES / "firefox"
FF_PROFILE = "k7x2m9qa.default-release"
TRANSLATE_ID = "aapbdbdomjkkjkaonfhkkikfgjllcleb"
TRANSLATE_DIR = CHROME / "Default" / "Extensions" / TRANSLATE_ID / "2.0.16_0"
HOSTILE = "<script>alert(document.cookie)</script>\x07\x1b[31m\u202e\u200b" + "A" * 10_000


def fixture(*parts: str) -> bytes:
    return FIXTURES.joinpath(*parts).read_bytes()


def bare(records: list) -> list:
    """Records without the artifact name, which the parse stage fills in."""
    return [replace(r, artifact="") for r in records]


def of(records: list, cls: type) -> list:
    return [r for r in records if isinstance(r, cls)]


def assert_safe_name(name: str) -> None:
    assert len(name) == 200
    assert name.endswith("…")
    assert name.startswith("<script>alert(document.cookie)</script>[31m")
    assert not [c for c in name if unicodedata.category(c) in ("Cc", "Cf")]


# Expected records from the fixtures ------------------------------------------------------------------

CHROME_DEFAULT_EXTENSIONS = [
    BrowserExtension("Chrome", "Default", "cjpalhdlnbpafiamejdnhcphjbkeiagm", "uBlock Origin", "1.61.2", "store", True),
    BrowserExtension("Chrome", "Default", TRANSLATE_ID, "", "", "store", True),
    BrowserExtension(
        "Chrome", "Default", "lnkhbcjdoepphifgmhbmacafacnakfjb", "Family Locator (dev)", "0.3.1", "unpacked", True
    ),
    BrowserExtension(
        "Chrome", "Default", "pkbdcjeeoloifibmlflhedjhebkldgpa", "Classroom Monitor", "4.2.0", "policy", True
    ),
]
CHROME_SECURE_EXTENSIONS = [
    BrowserExtension("Chrome", "Default", "gighmmpiobklfepjocnamgkkbiglidom", "", "", "store", False),
    BrowserExtension("Chrome", "Default", "kbfnbcaeplbcioakkpcpgfkobkghlhen", "", "", "external", False),
]
SKIPPED_CHROME_IDS = {
    "ahfgeienlihckogmohjhadlkjgocpleb",  # component (5): Web Store
    "mhjfbmdgcfjbbpaeojofohoefgiehjai",  # component (5): PDF viewer
    "nmmhkkegccagdldgiimedpiccmgmieda",  # external component (10)
    "ghbmnnjooekpmoecnnnilnnbdlolhkhi",  # was_installed_by_default
}
FIREFOX_EXTENSIONS = [
    BrowserExtension("Firefox", FF_PROFILE, "uBlock0@raymondhill.net", "uBlock Origin", "1.61.2", "store", True),
    BrowserExtension(
        "Firefox", FF_PROFILE, "{8c1d2b3a-5e6f-4a7b-8c9d-0e1f2a3b4c5d}", "Screen Time Reports", "2.3.0", "store", False
    ),
    BrowserExtension("Firefox", FF_PROFILE, "location-relay@example.net", "Location Relay", "0.9.0", "unpacked", True),
    BrowserExtension("Firefox", FF_PROFILE, "helper@sync-tools.example", "Sync Tools Helper", "3.1", "external", True),
]


# Chrome Preferences ----------------------------------------------------------------------------------


def chrome_default() -> list:
    return parse_chromium_preferences(fixture("chrome", "Default", "Preferences"), "Chrome", "Default")


def test_chrome_signed_in_syncing_profile() -> None:
    assert of(chrome_default(), BrowserProfile) == [
        BrowserProfile("Chrome", "Default", display_name="Alex", account="alex.doe@gmail.com", syncing=True)
    ]


def test_chrome_extensions_kinds_and_skips() -> None:
    extensions = of(chrome_default(), BrowserExtension)
    assert extensions == CHROME_DEFAULT_EXTENSIONS
    assert not SKIPPED_CHROME_IDS & {e.id for e in extensions}


def test_chrome_only_allowed_geolocation_sites() -> None:
    assert of(chrome_default(), SiteLocationGrant) == [
        SiteLocationGrant("Chrome", "Default", "https://maps.example.com")
    ]


def test_chrome_account_from_google_services_when_account_info_is_gone() -> None:
    prefs = json.loads(fixture("chrome", "Default", "Preferences"))
    del prefs["account_info"]
    prefs["google"]["services"]["last_signed_in_username"] = "other.person@example.com"
    (profile,) = of(parse_chromium_preferences(json.dumps(prefs).encode(), "Chrome", "Default"), BrowserProfile)
    assert (profile.account, profile.syncing) == ("other.person@example.com", True)


def test_chrome_profile_not_signed_in() -> None:
    records = parse_chromium_preferences(fixture("chrome", "Profile 1", "Preferences"), "Chrome", "Profile 1")
    assert records == [BrowserProfile("Chrome", "Profile 1", display_name="Work", account="", syncing=False)]


def test_chrome_secure_preferences() -> None:
    records = parse_chromium_secure_preferences(fixture("chrome", "Default", "Secure Preferences"), "Chrome", "Default")
    assert records == CHROME_SECURE_EXTENSIONS


def test_chrome_hostile_extension_name() -> None:
    prefs = json.loads(fixture("chrome", "Default", "Preferences"))
    entry = json.loads(json.dumps(prefs["extensions"]["settings"]["lnkhbcjdoepphifgmhbmacafacnakfjb"]))
    entry["manifest"]["name"] = HOSTILE
    prefs["extensions"]["settings"]["oooooooooooooooooooooooooooooooo"] = entry
    records = parse_chromium_preferences(json.dumps(prefs).encode(), "Chrome", "Default")
    (hostile,) = [r for r in of(records, BrowserExtension) if r.id == "oooooooooooooooooooooooooooooooo"]
    assert_safe_name(hostile.name)
    assert hostile.install == "unpacked"


def test_chrome_local_state_profiles() -> None:
    assert parse_chromium_local_state(fixture("chrome", "Local State"), "Chrome") == [
        BrowserProfile("Chrome", "Default", display_name="Alex", account="alex.doe@gmail.com", syncing=None),
        BrowserProfile("Chrome", "Profile 1", display_name="Work", account="", syncing=None),
    ]


def test_chrome_local_state_without_profiles() -> None:
    assert parse_chromium_local_state(b'{"browser": {"first_run_finished": true}}', "Chrome") == []


# Extension folders, in the envelope the collector builds ---------------------------------------------


def envelope(manifest: str, messages: str | None) -> bytes:
    return json.dumps({"manifest": manifest, "messages": messages}).encode()


def test_extension_folder_name_from_messages() -> None:
    raw = envelope(
        (TRANSLATE_DIR / "manifest.json").read_text(encoding="utf-8"),
        (TRANSLATE_DIR / "_locales" / "en" / "messages.json").read_text(encoding="utf-8"),
    )
    assert parse_extension_folder(raw, "Chrome", "Default", TRANSLATE_ID) == [
        ExtensionManifest("Chrome", "Default", TRANSLATE_ID, "Google Translate", "2.0.16")
    ]


def test_extension_folder_message_names_ignore_case() -> None:
    manifest = json.loads((TRANSLATE_DIR / "manifest.json").read_text(encoding="utf-8"))
    manifest["name"] = "__MSG_APPNAME__"
    raw = envelope(json.dumps(manifest), (TRANSLATE_DIR / "_locales" / "de" / "messages.json").read_text("utf-8"))
    (record,) = parse_extension_folder(raw, "Chrome", "Default", TRANSLATE_ID)
    assert record.name == "Google Übersetzer"


def test_extension_folder_hostile_name() -> None:
    manifest = {"manifest_version": 3, "name": HOSTILE, "version": "1.0." + "9" * 500}
    (record,) = parse_extension_folder(envelope(json.dumps(manifest), None), "Chrome", "Default", TRANSLATE_ID)
    assert_safe_name(record.name)
    assert len(record.version) == 64


def test_extension_folder_hostile_message() -> None:
    manifest = {"manifest_version": 3, "name": "__MSG_extName__", "default_locale": "en", "version": "1.0"}
    messages = {"extName": {"message": HOSTILE}}
    raw = envelope(json.dumps(manifest), json.dumps(messages))
    assert_safe_name(parse_extension_folder(raw, "Chrome", "Default", TRANSLATE_ID)[0].name)


def test_extension_folder_manifest_not_an_object() -> None:
    with pytest.raises(ParseError):
        parse_extension_folder(envelope("[1, 2]", None), "Chrome", "Default", TRANSLATE_ID)


# Firefox ---------------------------------------------------------------------------------------------


def test_firefox_signed_in_user() -> None:
    assert parse_firefox_signed_in_user(fixture("firefox", FF_PROFILE, "signedInUser.json"), FF_PROFILE) == [
        BrowserProfile("Firefox", FF_PROFILE, account="alex.doe@example.org", syncing=True)
    ]


def test_firefox_extensions() -> None:
    # Skipped: a system add-on (app-system-defaults), a built-in one, a theme and a language pack.
    assert parse_firefox_extensions(fixture("firefox", FF_PROFILE, "extensions.json"), FF_PROFILE) == FIREFOX_EXTENSIONS


def test_firefox_hostile_add_on_name() -> None:
    data = json.loads(fixture("firefox", FF_PROFILE, "extensions.json"))
    data["addons"][0]["defaultLocale"]["name"] = HOSTILE
    (first, *_rest) = parse_firefox_extensions(json.dumps(data).encode(), FF_PROFILE)
    assert_safe_name(first.name)


def test_firefox_profiles_ini() -> None:
    text = fixture("firefox", "profiles.ini").decode()
    assert parse_firefox_profiles_ini(text) == [("3jd8s1pe.default", True), ("k7x2m9qa.default-release", True)]


def test_firefox_profiles_ini_absolute_and_windows_paths() -> None:
    text = (
        "[Profile1]\nName=usb\nIsRelative=0\nPath=/media/alex/USB/ff-profile\n\n"
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=Profiles/k7x2m9qa.default-release\nDefault=1\n\n"
        "[General]\nStartWithLastProfile=1\nVersion=2\n"
    )
    assert parse_firefox_profiles_ini(text) == [
        ("/media/alex/USB/ff-profile", False),
        ("Profiles/k7x2m9qa.default-release", True),
    ]


def test_firefox_profiles_ini_broken() -> None:
    with pytest.raises(ParseError):
        parse_firefox_profiles_ini("Path=k7x2m9qa.default-release\n[Profile0\n")


def test_firefox_permission_rows() -> None:
    rows = [
        {"origin": "https://maps.example.com", "type": "geo", "permission": 1},
        {"origin": "https://weather.example.net", "type": "geo", "permission": 2},
        {"origin": "https://meet.example.com:8443", "type": "geo", "permission": 1},
    ]
    assert parse_firefox_permissions(json.dumps(rows).encode(), FF_PROFILE) == [
        SiteLocationGrant("Firefox", FF_PROFILE, "https://maps.example.com"),
        SiteLocationGrant("Firefox", FF_PROFILE, "https://meet.example.com:8443"),
    ]


def test_firefox_permission_in_a_container() -> None:
    rows = [{"origin": "https://maps.example.com^userContextId=2", "type": "geo", "permission": 1}]
    assert parse_firefox_permissions(json.dumps(rows).encode(), FF_PROFILE) == [
        SiteLocationGrant("Firefox", FF_PROFILE, "https://maps.example.com")
    ]


# Malformed files -------------------------------------------------------------------------------------


def _half(*parts: str) -> bytes:
    raw = fixture(*parts)
    return raw[: len(raw) // 2]  # what a crash in the middle of a write leaves behind


@pytest.mark.parametrize(
    "parse",
    [
        lambda: parse_chromium_local_state(_half("chrome", "Local State"), "Chrome"),
        lambda: parse_chromium_preferences(_half("chrome", "Default", "Preferences"), "Chrome", "Default"),
        lambda: parse_chromium_secure_preferences(
            _half("chrome", "Default", "Secure Preferences"), "Chrome", "Default"
        ),
        lambda: parse_extension_folder(_half("chrome", "Default", "Preferences"), "Chrome", "Default", TRANSLATE_ID),
        lambda: parse_extension_folder(envelope('{"name": "x",', None), "Chrome", "Default", TRANSLATE_ID),
        lambda: parse_firefox_signed_in_user(_half("firefox", FF_PROFILE, "signedInUser.json"), FF_PROFILE),
        lambda: parse_firefox_extensions(_half("firefox", FF_PROFILE, "extensions.json"), FF_PROFILE),
        lambda: parse_firefox_permissions(b'[{"origin": "https://maps.example.com", "type": "geo"', FF_PROFILE),
        lambda: parse_chromium_preferences(b"\xff\xfe\x00{", "Chrome", "Default"),
        lambda: parse_chromium_preferences(b"[]", "Chrome", "Default"),
        lambda: parse_firefox_permissions(b"{}", FF_PROFILE),
    ],
    ids=[
        "local-state",
        "preferences",
        "secure-preferences",
        "envelope",
        "manifest",
        "signed-in-user",
        "extensions-json",
        "permissions",
        "not-utf8",
        "preferences-not-object",
        "permissions-not-list",
    ],
)
def test_malformed_json_is_a_parse_error(parse) -> None:
    with pytest.raises(ParseError):
        parse()


# The collector's read path on a planted HOME ---------------------------------------------------------

MOZ_PERMS_ROWS = [
    # id, origin, type, permission, expireType, expireTime, modificationTime
    (1, "https://maps.example.com", "geo", 1, 0, 0, 1764140000123),
    (2, "https://weather.example.net", "geo", 2, 0, 0, 1764140100456),
    (3, "https://calendar.example.org", "desktop-notification", 1, 0, 0, 1764140200789),
    (4, "https://meet.example.com", "camera", 1, 0, 0, 1764140300012),
    (5, "https://www.youtube.com", "autoplay-media", 1, 0, 0, 1764140400345),
]


def make_permissions_sqlite(path: Path, journal_mode: str = "delete") -> None:
    db = sqlite3.connect(path)
    try:
        db.execute(f"PRAGMA journal_mode = {journal_mode}")
        db.execute("PRAGMA user_version = 12")
        db.execute(
            "CREATE TABLE moz_perms ( id INTEGER PRIMARY KEY,origin TEXT,type TEXT,permission INTEGER,"
            "expireType INTEGER,expireTime INTEGER,modificationTime INTEGER)"
        )
        db.execute(
            "CREATE TABLE moz_hosts ( id INTEGER PRIMARY KEY,host TEXT,type TEXT,permission INTEGER,"
            "expireType INTEGER,expireTime INTEGER,modificationTime INTEGER,appId INTEGER,isInBrowserElement INTEGER)"
        )
        db.executemany("INSERT INTO moz_perms VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", MOZ_PERMS_ROWS)
        db.commit()
    finally:
        db.close()


def plant_home(home: Path, journal_mode: str = "delete") -> Path:
    shutil.copytree(CHROME, home / ".config" / "google-chrome")
    shutil.copytree(FIREFOX, home / ".mozilla" / "firefox")
    make_permissions_sqlite(home / ".mozilla" / "firefox" / FF_PROFILE / "permissions.sqlite", journal_mode)
    return home


def tree_state(root: Path) -> dict[str, tuple]:
    """Every file's hash, size and mtime, and every folder's mtime (a file created then deleted shows there)."""
    state: dict[str, tuple] = {}
    for dirpath, _dirs, files in os.walk(root):
        folder = Path(dirpath)
        state[str(folder.relative_to(root)) + "/"] = (folder.stat().st_mtime_ns,)
        for name in files:
            path = folder / name
            st = path.stat()
            state[str(path.relative_to(root))] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                st.st_size,
                st.st_mtime_ns,
            )
    return state


def collect(home: Path) -> Snapshot:
    snapshot = Snapshot(target=Target(kind="local"))
    ctx = Context(snapshot=snapshot, home=home, platform="linux", env={"HOME": str(home), "PATH": os.defpath})
    collect_browsers(ctx)
    return snapshot


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_collect_and_parse_planted_home(tmp_path: Path, journal_mode: str) -> None:
    # In WAL mode any reader that is not immutable leaves -wal/-shm files behind (and changes the folder).
    home = plant_home(tmp_path / "home", journal_mode)
    before = tree_state(home)
    snapshot = collect(home)
    assert tree_state(home) == before
    assert not [p for p in home.rglob("*") if p.name.endswith(("-wal", "-journal", "-shm"))]

    facts = parse_snapshot(snapshot)
    assert facts.problems == []
    assert set(KINDS) <= facts.attempted
    assert facts.parsed == {
        "chromium_local_state": 1,
        "chromium_preferences": 2,
        "chromium_secure_preferences": 1,
        "chromium_extension": 1,
        "firefox_signed_in_user": 1,
        "firefox_extensions": 1,
        "firefox_permissions": 1,
    }
    records = facts.records
    assert sorted(bare(of(records, BrowserProfile)), key=repr) == sorted(
        [
            BrowserProfile("Chrome", "Default", display_name="Alex", account="alex.doe@gmail.com", syncing=None),
            BrowserProfile("Chrome", "Profile 1", display_name="Work", account="", syncing=None),
            BrowserProfile("Chrome", "Default", display_name="Alex", account="alex.doe@gmail.com", syncing=True),
            BrowserProfile("Chrome", "Profile 1", display_name="Work", account="", syncing=False),
            BrowserProfile("Firefox", FF_PROFILE, account="alex.doe@example.org", syncing=True),
        ],
        key=repr,
    )
    assert (
        bare(of(records, BrowserExtension)) == CHROME_DEFAULT_EXTENSIONS + CHROME_SECURE_EXTENSIONS + FIREFOX_EXTENSIONS
    )
    assert bare(of(records, ExtensionManifest)) == [
        ExtensionManifest("Chrome", "Default", TRANSLATE_ID, "Google Translate", "2.0.16")
    ]
    assert bare(of(records, SiteLocationGrant)) == [
        SiteLocationGrant("Chrome", "Default", "https://maps.example.com"),
        SiteLocationGrant("Firefox", FF_PROFILE, "https://maps.example.com"),
    ]

    # Each record names the artifact it came from.
    chrome_root = home / ".config" / "google-chrome"
    ff_profile = home / ".mozilla" / "firefox" / FF_PROFILE
    grants = {g.browser: g.artifact for g in of(records, SiteLocationGrant)}
    assert grants == {
        "Chrome": f"chromium_preferences:{chrome_root / 'Default' / 'Preferences'}",
        "Firefox": f"firefox_permissions:{ff_profile / 'permissions.sqlite'}",
    }
    (manifest,) = of(records, ExtensionManifest)
    assert (
        manifest.artifact == f"chromium_extension:{chrome_root / 'Default' / 'Extensions' / TRANSLATE_ID / '2.0.16_0'}"
    )


def test_collect_broken_preferences_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    home = plant_home(tmp_path / "home")
    prefs = home / ".config" / "google-chrome" / "Profile 1" / "Preferences"
    prefs.write_bytes(prefs.read_bytes()[:300])
    facts = parse_snapshot(collect(home))
    assert [(p.kind, p.status, p.reason, p.step) for p in facts.problems] == [
        ("chromium_preferences", "failed", "malformed", f"chromium_preferences:{prefs}")
    ]
    assert facts.parsed["chromium_preferences"] == 1
    assert {e.id for e in of(facts.records, BrowserExtension) if e.browser == "Chrome"} == {
        e.id for e in CHROME_DEFAULT_EXTENSIONS + CHROME_SECURE_EXTENSIONS
    }


def test_collect_profile_listed_only_in_local_state_folder(tmp_path: Path) -> None:
    # A profile folder without Preferences (never opened) is read from Local State without error.
    home = plant_home(tmp_path / "home")
    shutil.rmtree(home / ".config" / "google-chrome" / "Profile 1")
    facts = parse_snapshot(collect(home))
    assert facts.problems == []
    assert facts.parsed["chromium_preferences"] == 1


def test_collect_hostile_extension_folder(tmp_path: Path) -> None:
    home = plant_home(tmp_path / "home")
    folder = (
        home / ".config" / "google-chrome" / "Default" / "Extensions" / "oooooooooooooooooooooooooooooooo" / "1.0_0"
    )
    (folder / "_locales" / "en").mkdir(parents=True)
    (folder / "manifest.json").write_text(
        json.dumps({"manifest_version": 3, "name": "__MSG_n__", "default_locale": "en", "version": "1.0"}),
        encoding="utf-8",
    )
    (folder / "_locales" / "en" / "messages.json").write_text(json.dumps({"n": {"message": HOSTILE}}), "utf-8")
    facts = parse_snapshot(collect(home))
    (hostile,) = [m for m in of(facts.records, ExtensionManifest) if m.id == "oooooooooooooooooooooooooooooooo"]
    assert_safe_name(hostile.name)


def test_collect_reads_newest_extension_version(tmp_path: Path) -> None:
    home = plant_home(tmp_path / "home")
    ext = home / ".config" / "google-chrome" / "Default" / "Extensions" / TRANSLATE_ID
    for version in ("1.9.2", "1.10.0"):
        folder = ext / f"{version}_0"
        folder.mkdir()
        (folder / "manifest.json").write_text(
            json.dumps({"manifest_version": 3, "name": "Google Translate", "version": version}), encoding="utf-8"
        )
    shutil.rmtree(ext / "2.0.16_0")
    (manifest,) = of(parse_snapshot(collect(home)).records, ExtensionManifest)
    assert manifest.version == "1.10.0"
