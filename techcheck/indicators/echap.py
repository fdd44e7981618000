"""Echap's stalkerware indicators (AssoEchap/stalkerware-indicators, ioc.yaml and watchware.yaml).

CC BY 4.0: every report that uses them credits Echap and names the licence.
"""

from __future__ import annotations

from typing import Any

from techcheck.indicators.entry import Entry, IndicatorError
from techcheck.indicators.own import check_hashes, entry_name, string_list

ECHAP_LICENCE = "CC BY 4.0, Echap (AssoEchap/stalkerware-indicators)"
# Keys only Echap files use; seeing one of them identifies the format.
ECHAP_ONLY_KEYS = frozenset(
    ("c2", "websites", "distribution", "ios_bundles", "certificate_organizations", "certificate_cname_re")
)
_KNOWN_KEYS = ECHAP_ONLY_KEYS | {"name", "names", "type", "packages", "certificates"}
_TYPES = {"stalkerware": "stalkerware", "watchware": "watchware"}


def _c2(file: str, name: str, value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if value is None:
        return (), ()
    if not isinstance(value, dict):
        raise IndicatorError(file, f"{name}: c2 must be a mapping")
    ips = string_list(file, f"{name}: c2.ips", value.get("ips"))
    # Known quirk: a few entries spell it `c2: ip:`.
    ips += tuple(i for i in string_list(file, f"{name}: c2.ip", value.get("ip")) if i not in ips)
    domains = string_list(file, f"{name}: c2.domains", value.get("domains"))
    return ips, domains


def load_echap(data: Any, file: str, origin: str = "echap") -> tuple[list[Entry], list[str]]:
    """Entries and warnings (unknown keys are kept as warnings: Echap adds keys from time to time)."""
    if not isinstance(data, list):
        raise IndicatorError(file, "expected a list of entries")
    entries: list[Entry] = []
    unknown: set[str] = set()
    for index, raw in enumerate(data):
        if not isinstance(raw, dict):
            raise IndicatorError(file, f"entry {index + 1} is not a mapping")
        name = entry_name(file, index, raw)
        unknown.update(str(k) for k in raw if k not in _KNOWN_KEYS)
        kind = _TYPES.get(raw.get("type") or "stalkerware")
        if kind is None:
            raise IndicatorError(file, f"{name}: type must be stalkerware or watchware")
        ips, c2_domains = _c2(file, name, raw.get("c2"))
        domains: list[str] = []
        for key in ("websites", "distribution"):
            domains.extend(string_list(file, f"{name}: {key}", raw.get(key)))
        domains.extend(c2_domains)
        packages = string_list(file, f"{name}: packages", raw.get("packages"))
        bundles = string_list(file, f"{name}: ios_bundles", raw.get("ios_bundles"))
        certificates = string_list(file, f"{name}: certificates", raw.get("certificates"))
        check_hashes(file, name, certificates, ())
        platforms = tuple(p for p, present in (("android", packages), ("ios", bundles)) if present)
        entries.append(
            Entry(
                name=name,
                type=kind,
                origin=origin,
                names=string_list(file, f"{name}: names", raw.get("names")),
                platforms=platforms,
                packages=packages,
                bundle_ids=bundles,
                certificates=tuple(c.upper() for c in certificates),
                domains=tuple(dict.fromkeys(domains)),
                ips=ips,
                sources=("https://github.com/AssoEchap/stalkerware-indicators",),
            )
        )
    warnings = [f"{file}: unknown key {k!r} ignored" for k in sorted(unknown)]
    return entries, warnings
