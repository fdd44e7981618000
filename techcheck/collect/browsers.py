"""Collecting browser profile files (Chrome, Chromium, Edge, Brave, Firefox) on every OS.

Only the settings files the checks need are read: never history, cookies, passwords or page data.
Firefox's permission database is queried read-only and immutable, so the browser's files are untouched.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path

from techcheck.collect.base import Context
from techcheck.parse.browsers import parse_chromium_local_state, parse_firefox_profiles_ini
from techcheck.parse.records import ParseError

KINDS = (
    "chromium_local_state",
    "chromium_preferences",
    "chromium_secure_preferences",
    "chromium_extension",
    "firefox_signed_in_user",
    "firefox_extensions",
    "firefox_permissions",
)
MAX_PROFILES = 50
MAX_EXTENSIONS = 200
MAX_MANIFEST = 1024 * 1024

# (browser, path parts from the base folder) per platform. "~" = home; "%X%" = an environment variable.
CHROMIUM_ROOTS: dict[str, list[tuple[str, str]]] = {
    "linux": [
        ("Chrome", "~/.config/google-chrome"),
        ("Chrome", "~/.config/google-chrome-beta"),
        ("Chrome", "~/.config/google-chrome-unstable"),
        ("Chrome", "~/.var/app/com.google.Chrome/config/google-chrome"),
        ("Chromium", "~/.config/chromium"),
        ("Chromium", "~/snap/chromium/common/chromium"),
        ("Chromium", "~/.var/app/org.chromium.Chromium/config/chromium"),
        ("Edge", "~/.config/microsoft-edge"),
        ("Edge", "~/.config/microsoft-edge-beta"),
        ("Edge", "~/.var/app/com.microsoft.Edge/config/microsoft-edge"),
        ("Brave", "~/.config/BraveSoftware/Brave-Browser"),
        ("Brave", "~/.var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser"),
    ],
    "macos": [
        ("Chrome", "~/Library/Application Support/Google/Chrome"),
        ("Chromium", "~/Library/Application Support/Chromium"),
        ("Edge", "~/Library/Application Support/Microsoft Edge"),
        ("Brave", "~/Library/Application Support/BraveSoftware/Brave-Browser"),
    ],
    "windows": [
        ("Chrome", "%LOCALAPPDATA%/Google/Chrome/User Data"),
        ("Chromium", "%LOCALAPPDATA%/Chromium/User Data"),
        ("Edge", "%LOCALAPPDATA%/Microsoft/Edge/User Data"),
        ("Brave", "%LOCALAPPDATA%/BraveSoftware/Brave-Browser/User Data"),
    ],
}
FIREFOX_ROOTS: dict[str, list[str]] = {
    "linux": [
        "~/.mozilla/firefox",
        "~/.config/mozilla/firefox",
        "~/snap/firefox/common/.mozilla/firefox",
        "~/.var/app/org.mozilla.firefox/.mozilla/firefox",
    ],
    "macos": ["~/Library/Application Support/Firefox"],
    "windows": ["%APPDATA%/Mozilla/Firefox"],
}


def resolve_root(ctx: Context, spec: str) -> Path | None:
    if spec.startswith("~/"):
        return ctx.home / spec[2:]
    if spec.startswith("%"):
        var, _, rest = spec[1:].partition("%")
        base = ctx.env.get(var)
        if not base:
            return None
        return Path(base) / rest.lstrip("/")
    return Path(spec)


def _safe_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name


def _chromium_profiles(root: Path, local_state: bytes | None, browser: str) -> list[Path]:
    """Profiles named in Local State, plus any folder holding a Preferences file."""
    names: set[str] = set()
    if local_state is not None:
        try:
            names.update(p.profile for p in parse_chromium_local_state(local_state, browser) if _safe_name(p.profile))
        except ParseError:
            pass  # the artifact itself is reported as malformed by the parse room
    try:
        names.update(child.name for child in root.iterdir() if (child / "Preferences").is_file())
    except OSError:
        pass
    return [root / n for n in sorted(names)[:MAX_PROFILES]]


def _version_key(folder: Path) -> tuple[int, ...]:
    """``1.10.0_0`` sorts after ``1.9.2_0``: compare the numbers, not the text."""
    return tuple(int(n) for n in re.findall(r"\d+", folder.name)[:8])


def _extension_folder(ctx: Context, browser: str, profile: Path, ext_dir: Path) -> None:
    try:
        versions = sorted((v for v in ext_dir.iterdir() if (v / "manifest.json").is_file()), key=_version_key)
    except OSError:
        return
    if not versions:
        return
    folder = versions[-1]
    try:
        manifest_text = (folder / "manifest.json").read_bytes()[:MAX_MANIFEST].decode("utf-8-sig", "replace")
        manifest = json.loads(manifest_text)
        messages = None
        name = manifest.get("name", "")
        if isinstance(name, str) and name.startswith("__MSG_"):
            locale = manifest.get("default_locale") or "en"
            msg_path = folder / "_locales" / str(locale).replace("/", "") / "messages.json"
            if msg_path.is_file():
                messages = msg_path.read_bytes()[:MAX_MANIFEST].decode("utf-8-sig", "replace")
    except (OSError, ValueError, AttributeError) as exc:
        ctx.problem("chromium_extension", "failed", "malformed", f"{folder}: {exc}"[:300])
        return
    envelope = json.dumps({"manifest": manifest_text, "messages": messages})
    meta = {"browser": browser, "profile": profile.name, "id": ext_dir.name, "path": str(folder)}
    ctx.add(
        "chromium_extension",
        f"file:{folder / 'manifest.json'}",
        envelope,
        name=f"chromium_extension:{folder}",
        meta=meta,
    )


def collect_chromium(ctx: Context, browser: str, root: Path) -> None:
    state = ctx.read("chromium_local_state", root / "Local State", {"browser": browser})
    for profile in _chromium_profiles(root, state.content if state else None, browser):
        meta = {"browser": browser, "profile": profile.name}
        ctx.read("chromium_preferences", profile / "Preferences", meta)
        ctx.read("chromium_secure_preferences", profile / "Secure Preferences", meta)
        ext_root = profile / "Extensions"
        try:
            ext_dirs = sorted(p for p in ext_root.iterdir() if p.is_dir())[:MAX_EXTENSIONS] if ext_root.is_dir() else []
        except OSError:
            ext_dirs = []
        for ext_dir in ext_dirs:
            _extension_folder(ctx, browser, profile, ext_dir)


def _firefox_profiles(ctx: Context, root: Path) -> list[Path]:
    found: list[Path] = []
    ini = root / "profiles.ini"
    try:
        if ini.is_file():
            for path, relative in parse_firefox_profiles_ini(ini.read_text(encoding="utf-8", errors="replace")):
                found.append(root / path if relative else Path(path))
    except (OSError, ParseError) as exc:
        ctx.problem("firefox_extensions", "failed", "malformed", f"{ini}: {exc}"[:300])
    if not found:
        try:
            found = [p.parent for p in root.glob("*/prefs.js")] + [p.parent for p in root.glob("Profiles/*/prefs.js")]
        except OSError:
            found = []
    unique = list(dict.fromkeys(p for p in found if p.is_dir()))
    return unique[:MAX_PROFILES]


def _firefox_permissions(ctx: Context, profile: Path, meta: dict[str, str]) -> None:
    path = profile / "permissions.sqlite"
    ctx.snapshot.attempted.add("firefox_permissions")
    if not path.is_file():
        return
    query = "SELECT origin, type, permission, expireType, expireTime FROM moz_perms WHERE type = 'geo' LIMIT 1000"
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, timeout=2)) as db:
            rows = db.execute(query).fetchall()
    except sqlite3.Error as exc:
        reason = "not-readable" if "unable to open" in str(exc) else "malformed"
        ctx.problem("firefox_permissions", "failed", reason, f"{path}: {exc}")
        return
    data = [{"origin": r[0], "type": r[1], "permission": r[2]} for r in rows]
    ctx.add(
        "firefox_permissions",
        f"sqlite:{path}",
        json.dumps(data),
        name=f"firefox_permissions:{path}",
        meta={**meta, "path": str(path)},
    )


def collect_firefox(ctx: Context, root: Path) -> None:
    for profile in _firefox_profiles(ctx, root):
        meta = {"browser": "Firefox", "profile": profile.name}
        ctx.read("firefox_signed_in_user", profile / "signedInUser.json", meta)
        ctx.read("firefox_extensions", profile / "extensions.json", meta)
        _firefox_permissions(ctx, profile, meta)


def collect_browsers(ctx: Context) -> None:
    ctx.snapshot.attempted.update(KINDS)
    for browser, spec in CHROMIUM_ROOTS.get(ctx.platform, []):
        root = resolve_root(ctx, spec)
        if root and root.is_dir():
            collect_chromium(ctx, browser, root)
    for spec in FIREFOX_ROOTS.get(ctx.platform, []):
        root = resolve_root(ctx, spec)
        if root and root.is_dir():
            collect_firefox(ctx, root)
