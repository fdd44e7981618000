"""Small artifacts about this computer: location setting, file scans, install paths found."""

from __future__ import annotations

from techcheck.parse.android.records import ApkScan
from techcheck.parse.common import as_int, json_list
from techcheck.parse.records import FileScan, InstalledPath, LocationSetting, ParseError, YaraHit
from techcheck.text import clip, clip_path


def parse_gsettings_bool(text: str, setting: str) -> list[LocationSetting]:
    """``gsettings get org.gnome.system.location enabled`` prints ``true`` or ``false``."""
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise ParseError(f"gsettings {setting}: unexpected output {clip(value, 40)!r}")
    return [LocationSetting(setting=setting, enabled=value == "true")]


def _yara_hits(items: object) -> tuple[YaraHit, ...]:
    return tuple(
        YaraHit(
            origin=clip(h.get("origin"), 64),
            rule=clip(h.get("rule"), 128),
            name=clip(h.get("name")),
            type=clip(h.get("type"), 32),
        )
        for h in (items if isinstance(items, list) else [])
        if isinstance(h, dict)
    )


def parse_file_scan(raw: bytes) -> list[FileScan]:
    out = []
    for item in json_list(raw, "file scan"):
        if not isinstance(item, dict):
            continue
        hits = _yara_hits(item.get("yara"))
        out.append(
            FileScan(
                path=clip_path(item.get("path")),
                size=as_int(item.get("size")),
                sha256=clip(item.get("sha256"), 64),
                yara=hits,
                note=clip(item.get("note"), 64),
            )
        )
    return out


def parse_installed_paths(raw: bytes) -> list[InstalledPath]:
    return [
        InstalledPath(path=clip_path(item.get("path")), pattern=clip_path(item.get("pattern")))
        for item in json_list(raw, "install paths")
        if isinstance(item, dict)
    ]


def parse_apk_scan(raw: bytes) -> list[ApkScan]:
    """The Android collector's look at sideloaded APKs (one row per app)."""
    out = []
    for item in json_list(raw, "APK scan"):
        if not isinstance(item, dict):
            continue
        certificates = tuple(clip(c, 64).upper() for c in item.get("certificates") or [] if isinstance(c, str))
        out.append(
            ApkScan(
                package=clip(item.get("package")),
                path=clip_path(item.get("path")),
                size=as_int(item.get("size")),
                sha256=clip(item.get("sha256"), 64),
                certificates=certificates,
                schemes=tuple(clip(s, 8) for s in item.get("schemes") or [] if isinstance(s, str)),
                yara=_yara_hits(item.get("yara")),
                note=clip(item.get("note")),
            )
        )
    return out
