"""Small artifacts about this computer: location setting, file scans, install paths found."""

from __future__ import annotations

from techcheck.parse.common import as_int, json_list
from techcheck.parse.records import FileScan, InstalledPath, LocationSetting, ParseError, YaraHit
from techcheck.text import clip, clip_path


def parse_gsettings_bool(text: str, setting: str) -> list[LocationSetting]:
    """``gsettings get org.gnome.system.location enabled`` prints ``true`` or ``false``."""
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise ParseError(f"gsettings {setting}: unexpected output {clip(value, 40)!r}")
    return [LocationSetting(setting=setting, enabled=value == "true")]


def parse_file_scan(raw: bytes) -> list[FileScan]:
    out = []
    for item in json_list(raw, "file scan"):
        if not isinstance(item, dict):
            continue
        hits = tuple(
            YaraHit(
                origin=clip(h.get("origin"), 64),
                rule=clip(h.get("rule"), 128),
                name=clip(h.get("name")),
                type=clip(h.get("type"), 32),
            )
            for h in item.get("yara") or []
            if isinstance(h, dict)
        )
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
