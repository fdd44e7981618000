"""Web browser profiles: the signed-in account, extensions, and sites allowed to see location.

Chromium family (Chrome, Chromium, Edge, Brave): ``Local State``, ``<profile>/Preferences`` and
``Secure Preferences`` (JSON), and each extension's ``manifest.json``. Firefox: ``profiles.ini``,
``signedInUser.json``, ``extensions.json``, and rows of ``permissions.sqlite``.
"""

from __future__ import annotations

import configparser
from typing import Any

from techcheck.parse.common import as_int, dig, json_list, json_object, load_json
from techcheck.parse.records import (
    BrowserExtension,
    BrowserProfile,
    ExtensionManifest,
    ParseError,
    SiteLocationGrant,
)
from techcheck.text import clip

# Chromium's extension "location" values (components/extensions: Manifest::Location).
_CHROMIUM_INSTALL = {
    1: "store",
    2: "external",
    3: "external",
    4: "unpacked",
    6: "external",
    7: "policy",
    8: "command-line",
    9: "policy",
}
_CHROMIUM_COMPONENT = {5, 10}
CONTENT_SETTING_ALLOW = 1


def _site(pattern: str) -> str:
    """``https://x:443,*`` (Chromium) or ``https://x^userContextId=2`` (Firefox) → ``https://x``."""
    site = pattern.split(",", 1)[0].split("^", 1)[0].strip()
    for default in (":443", ":80"):
        if site.endswith(default):
            site = site[: -len(default)]
    return clip(site, 255)


def parse_chromium_local_state(raw: bytes, browser: str) -> list[BrowserProfile]:
    data = json_object(raw, f"{browser} Local State")
    cache = dig(data, "profile", "info_cache", default={})
    if not isinstance(cache, dict):
        return []
    out = []
    for folder, info in cache.items():
        if not isinstance(info, dict):
            continue
        out.append(
            BrowserProfile(
                browser=browser,
                profile=clip(folder),
                display_name=clip(info.get("name")),
                account=clip(info.get("user_name") or info.get("gaia_name") or ""),
                syncing=None,
            )
        )
    return out


def _chromium_account(prefs: dict[str, Any]) -> str:
    for info in prefs.get("account_info") or []:
        if isinstance(info, dict) and info.get("email"):
            return str(info["email"])
    services = dig(prefs, "google", "services", default={})
    if isinstance(services, dict):
        return str(services.get("last_signed_in_username") or services.get("last_username") or "")
    return ""


def _chromium_syncing(prefs: dict[str, Any]) -> bool | None:
    values = [dig(prefs, "google", "services", "consented_to_sync"), dig(prefs, "sync", "has_setup_completed")]
    known = [v for v in values if isinstance(v, bool)]
    return any(known) if known else None


def _chromium_extensions(prefs: dict[str, Any], browser: str, profile: str) -> list[BrowserExtension]:
    settings = dig(prefs, "extensions", "settings", default={})
    out = []
    if not isinstance(settings, dict):
        return out
    for ext_id, info in settings.items():
        if not isinstance(info, dict):
            continue
        location = as_int(info.get("location"), 1)
        if location in _CHROMIUM_COMPONENT or info.get("was_installed_by_default"):
            continue
        install = _CHROMIUM_INSTALL.get(location, "other")
        if install == "store" and info.get("from_webstore") is False:
            install = "other"
        if "state" in info:
            enabled = as_int(info.get("state"), 1) == 1
        else:
            enabled = not info.get("disable_reasons")
        manifest = info.get("manifest") if isinstance(info.get("manifest"), dict) else {}
        out.append(
            BrowserExtension(
                browser=browser,
                profile=profile,
                id=clip(ext_id, 128),
                name=clip(manifest.get("name", "")),
                version=clip(manifest.get("version", ""), 64),
                install=install,
                enabled=enabled,
            )
        )
    return out


def parse_chromium_preferences(raw: bytes, browser: str, profile: str) -> list[object]:
    """A profile record, its extensions, and the sites it lets see location."""
    prefs = json_object(raw, f"{browser} {profile} Preferences")
    records: list[object] = [
        BrowserProfile(
            browser=browser,
            profile=profile,
            display_name=clip(dig(prefs, "profile", "name", default="")),
            account=clip(_chromium_account(prefs)),
            syncing=_chromium_syncing(prefs),
        )
    ]
    records.extend(_chromium_extensions(prefs, browser, profile))
    geo = dig(prefs, "profile", "content_settings", "exceptions", "geolocation", default={})
    if isinstance(geo, dict):
        for pattern, value in geo.items():
            if isinstance(value, dict) and as_int(value.get("setting")) == CONTENT_SETTING_ALLOW:
                records.append(SiteLocationGrant(browser=browser, profile=profile, site=_site(pattern)))
    return records


def parse_chromium_secure_preferences(raw: bytes, browser: str, profile: str) -> list[object]:
    prefs = json_object(raw, f"{browser} {profile} Secure Preferences")
    return list(_chromium_extensions(prefs, browser, profile))


def parse_extension_folder(raw: bytes, browser: str, profile: str, ext_id: str) -> list[ExtensionManifest]:
    """The collector's envelope ``{"manifest": "<manifest.json>", "messages": "<messages.json>"}``."""
    envelope = json_object(raw, f"extension {ext_id}")
    manifest = load_json(str(envelope.get("manifest") or "{}"), f"extension {ext_id} manifest.json")
    if not isinstance(manifest, dict):
        raise ParseError(f"extension {ext_id}: manifest.json is not an object")
    name = str(manifest.get("name") or "")
    if name.startswith("__MSG_") and envelope.get("messages"):
        try:
            messages = load_json(str(envelope["messages"]), f"extension {ext_id} messages.json")
        except ParseError:
            messages = {}
        key = name[len("__MSG_") : -2 if name.endswith("__") else None]
        found = {k.lower(): v for k, v in messages.items()}.get(key.lower()) if isinstance(messages, dict) else None
        if isinstance(found, dict) and found.get("message"):
            name = str(found["message"])
    return [
        ExtensionManifest(
            browser=browser,
            profile=profile,
            id=clip(ext_id, 128),
            name=clip(name),
            version=clip(manifest.get("version", ""), 64),
        )
    ]


def parse_firefox_profiles_ini(text: str) -> list[tuple[str, bool]]:
    """(path, is_relative) for every profile listed."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ParseError(f"profiles.ini: {exc}") from None
    out = []
    for section in parser.sections():
        if section.lower().startswith(("profile", "install")) and parser.has_option(section, "Path"):
            path = parser.get(section, "Path")
            if section.lower().startswith("install"):
                path_rel = "/" not in path and "\\" not in path
            else:
                path_rel = parser.get(section, "IsRelative", fallback="1") == "1"
            out.append((path, path_rel))
    return list(dict.fromkeys(out))


def parse_firefox_signed_in_user(raw: bytes, profile: str) -> list[BrowserProfile]:
    data = json_object(raw, f"Firefox {profile} signedInUser.json")
    email = dig(data, "accountData", "email", default="")
    return [BrowserProfile(browser="Firefox", profile=profile, account=clip(email), syncing=bool(email))]


_FIREFOX_SKIP = {"app-builtin", "app-system-defaults", "app-system-addons", "app-system-share", "app-builtin-addons"}
_FIREFOX_INSTALL = {"app-profile": "store", "app-temporary": "unpacked", "app-global": "external"}


def parse_firefox_extensions(raw: bytes, profile: str) -> list[BrowserExtension]:
    data = json_object(raw, f"Firefox {profile} extensions.json")
    out = []
    for addon in data.get("addons") or []:
        if not isinstance(addon, dict) or addon.get("type") not in ("extension", None):
            continue
        location = str(addon.get("location") or "")
        if location in _FIREFOX_SKIP:
            continue
        name = dig(addon, "defaultLocale", "name", default="") or addon.get("name") or ""
        out.append(
            BrowserExtension(
                browser="Firefox",
                profile=profile,
                id=clip(addon.get("id"), 128),
                name=clip(name),
                version=clip(addon.get("version"), 64),
                install=_FIREFOX_INSTALL.get(location, "external"),
                enabled=bool(addon.get("active", True)) and not addon.get("userDisabled"),
            )
        )
    return out


FIREFOX_EXPIRE_TIME = 2  # nsIPermissionManager::EXPIRE_TIME: the grant ends at expireTime (ms)


def parse_firefox_permissions(raw: bytes, profile: str, now_ms: int = 0) -> list[SiteLocationGrant]:
    """Rows ``{origin, type, permission, expireType, expireTime}`` from ``moz_perms`` (permission 1 =
    allow). Grants that had expired when the rows were read are left out."""
    out = []
    for row in json_list(raw, f"Firefox {profile} permissions"):
        if not isinstance(row, dict):
            continue
        expired = as_int(row.get("expireType")) == FIREFOX_EXPIRE_TIME and 0 < as_int(row.get("expireTime")) < now_ms
        if row.get("type") == "geo" and as_int(row.get("permission")) == 1 and not expired:
            out.append(SiteLocationGrant(browser="Firefox", profile=profile, site=_site(str(row.get("origin", "")))))
    return out
