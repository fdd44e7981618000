"""STIX 2 bundles with single-comparison patterns, as MVT and Echap publish them."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from techcheck.indicators.entry import Entry, IndicatorError

_PATTERN = re.compile(r"^\[\s*([A-Za-z0-9_\-]+:[A-Za-z0-9_.\-'\s]+?)\s*=\s*'((?:[^'\\]|\\.)*)'\s*\]$")

# STIX pattern key → Entry fields it fills. app:id is an Android package or an iOS bundle id.
PATTERN_FIELDS: dict[str, tuple[str, ...]] = {
    "app:id": ("packages", "bundle_ids"),
    "app:cert.sha1": ("certificates",),
    "domain-name:value": ("domains",),
    "ipv4-addr:value": ("ips",),
    "ipv6-addr:value": ("ips",),
    "file:hashes.sha256": ("sha256",),
    "process:name": ("processes",),
    "configuration-profile:id": ("profiles",),
}


def parse_pattern(pattern: str) -> tuple[str, str] | None:
    """``[app:id = 'com.x']`` → ``("app:id", "com.x")``; anything more complex → None."""
    match = _PATTERN.match(pattern.strip())
    if not match:
        return None
    key = re.sub(r"\s+", "", match.group(1)).lower().replace("'", "")
    key = key.replace("hashes.sha-256", "hashes.sha256")
    value = match.group(2).replace("\\'", "'").replace("\\\\", "\\")
    return key, value


def _groups(objects: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Malware objects by id, and which malware each indicator belongs to."""
    malware = {o["id"]: o for o in objects if o.get("type") == "malware" and isinstance(o.get("id"), str)}
    owner: dict[str, str] = {}
    for obj in objects:
        if obj.get("type") == "relationship" and obj.get("relationship_type") == "indicates":
            src, dst = obj.get("source_ref"), obj.get("target_ref")
            if isinstance(src, str) and dst in malware:
                owner.setdefault(src, dst)
        elif obj.get("type") == "report":
            refs = [r for r in obj.get("object_refs") or [] if isinstance(r, str)]
            family = next((r for r in refs if r in malware), None)
            for ref in refs:
                if family:
                    owner.setdefault(ref, family)
    return malware, owner


def _type_of(malware: dict[str, Any] | None) -> str:
    text = f"{(malware or {}).get('description', '')} {(malware or {}).get('name', '')}".lower()
    return "watchware" if "watchware" in text else "stalkerware"


def load_stix2(data: Any, file: str, origin: str) -> tuple[list[Entry], list[str]]:
    if not isinstance(data, dict) or data.get("type") != "bundle" or not isinstance(data.get("objects"), list):
        raise IndicatorError(file, "not a STIX 2 bundle (no 'objects' list)")
    objects = [o for o in data["objects"] if isinstance(o, dict)]
    malware, owner = _groups(objects)
    fields: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    unsupported: list[str] = []
    for obj in objects:
        if obj.get("type") != "indicator":
            continue
        pattern = obj.get("pattern")
        parsed = parse_pattern(pattern) if isinstance(pattern, str) else None
        targets = PATTERN_FIELDS.get(parsed[0]) if parsed else None
        if not parsed or not targets:
            unsupported.append(str(pattern)[:120])
            continue
        group = owner.get(obj.get("id", ""), "")
        for target in targets:
            values = fields[group][target]
            if parsed[1] not in values:
                values.append(parsed[1])
    if not fields:
        problem = "no indicator with a pattern we support"
        if unsupported:
            problem += f" (for example {unsupported[0]})"
        raise IndicatorError(file, problem)
    entries = []
    for group, lists in fields.items():
        family = malware.get(group)
        name = str((family or {}).get("name") or origin)[:200]
        entries.append(
            Entry(name=name, type=_type_of(family), origin=origin, **{k: tuple(v) for k, v in lists.items()})
        )
    warnings = []
    if unsupported:
        warnings.append(f"{file}: {len(unsupported)} patterns not supported and skipped, for example {unsupported[0]}")
    return entries, warnings
