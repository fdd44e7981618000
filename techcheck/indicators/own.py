"""techcheck's own indicator format (docs/indicators.md)."""

from __future__ import annotations

import re
from typing import Any

from techcheck.indicators.entry import LIST_FIELDS, PLATFORMS, TYPES, Entry, IndicatorError

OWN_KEYS = frozenset(("name", "type", "names", *LIST_FIELDS))
_HEX40 = re.compile(r"^[0-9A-Fa-f]{40}$")
_HEX64 = re.compile(r"^[0-9A-Fa-f]{64}$")
_MAX_STRING = 2048


def string_list(file: str, where: str, value: Any) -> tuple[str, ...]:
    """A YAML list of strings, checked; ``None`` is an empty list."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise IndicatorError(file, f"{where} must be a list, not {type(value).__name__}")
    out: list[str] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise IndicatorError(file, f"{where} must hold only text, found {type(item).__name__}")
        text = str(item).strip()
        if len(text) > _MAX_STRING:
            raise IndicatorError(file, f"{where} holds a value longer than {_MAX_STRING} characters")
        if text and text not in out:
            out.append(text)
    return tuple(out)


def entry_name(file: str, index: int, raw: dict[str, Any]) -> str:
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise IndicatorError(file, f"entry {index + 1} has no name")
    return name.strip()[:200]


def check_hashes(file: str, name: str, certificates: tuple[str, ...], sha256: tuple[str, ...]) -> None:
    for cert in certificates:
        if not _HEX40.match(cert.replace(":", "")):
            raise IndicatorError(file, f"{name}: certificate {cert[:60]!r} is not a 40-character SHA-1")
    for digest in sha256:
        if not _HEX64.match(digest):
            raise IndicatorError(file, f"{name}: sha256 {digest[:80]!r} is not a 64-character SHA-256")


def load_own(data: Any, file: str, origin: str, require_sources: bool = False) -> list[Entry]:
    if not isinstance(data, list):
        raise IndicatorError(file, "expected a list of entries")
    entries: list[Entry] = []
    for index, raw in enumerate(data):
        if not isinstance(raw, dict):
            raise IndicatorError(file, f"entry {index + 1} is not a mapping")
        name = entry_name(file, index, raw)
        unknown = sorted(str(k) for k in raw if k not in OWN_KEYS)
        if unknown:
            raise IndicatorError(file, f"{name}: unknown key {unknown[0]!r}")
        kind = raw.get("type")
        if kind not in TYPES:
            raise IndicatorError(file, f"{name}: type must be one of {', '.join(TYPES)}")
        lists = {f: string_list(file, f"{name}: {f}", raw.get(f)) for f in LIST_FIELDS}
        bad = [p for p in lists["platforms"] if p not in PLATFORMS]
        if bad:
            raise IndicatorError(file, f"{name}: unknown platform {bad[0]!r}")
        if require_sources and not lists["sources"]:
            raise IndicatorError(file, f"{name}: has no sources")
        if any(not s.startswith(("https://", "http://")) for s in lists["sources"]):
            raise IndicatorError(file, f"{name}: every source must be a web address")
        check_hashes(file, name, lists["certificates"], lists["sha256"])
        names = string_list(file, f"{name}: names", raw.get("names"))
        entries.append(Entry(name=name, type=kind, origin=origin, names=names, **lists))
    return entries
