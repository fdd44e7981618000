"""Indicators loaded into dictionaries, so each lookup costs the same however many entries there are."""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from techcheck.indicators.entry import Entry, SourceInfo, YaraSource


def norm_plain(value: str) -> str:
    return value.strip().lower()


def norm_hex(value: str) -> str:
    return value.strip().replace(":", "").lower()


def norm_domain(value: str) -> str:
    value = value.strip().lower().rstrip(".")
    if "://" in value:
        value = value.split("://", 1)[1]
    return value.split("/", 1)[0].split(":", 1)[0].lstrip("*.")


def norm_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return value.strip().lower()


# Environment variables in Windows install paths, as patterns valid for any user.
_PATH_VARS = {
    "%localappdata%": "c:/users/*/appdata/local",
    "%appdata%": "c:/users/*/appdata/roaming",
    "%userprofile%": "c:/users/*",
    "%programdata%": "c:/programdata",
    "%programfiles%": "c:/program files",
    "%programfiles(x86)%": "c:/program files (x86)",
}


def norm_path(value: str) -> str:
    """Paths compare case-insensitively with ``/`` separators and without a trailing separator."""
    path = value.strip().replace("\\", "/").lower()
    for var, repl in _PATH_VARS.items():
        if path.startswith(var):
            path = repl + path[len(var) :]
    if path.startswith("~/"):
        path = "*" + path[1:]
    while len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path


def _parents(path: str) -> Iterable[str]:
    yield path
    while "/" in path.rstrip("/"):
        path = path.rsplit("/", 1)[0]
        if not path or path.endswith(":"):
            return
        yield path


# field name in Entry → normaliser
_FIELDS: dict[str, Callable[[str], str]] = {
    "packages": norm_plain,
    "bundle_ids": norm_plain,
    "certificates": norm_hex,
    "sha256": norm_hex,
    "processes": norm_plain,
    "paths": norm_path,
    "domains": norm_domain,
    "ips": norm_ip,
    "extensions": norm_plain,
    "profiles": norm_plain,
}


@dataclass
class IndicatorSet:
    entries: list[Entry] = field(default_factory=list)
    sources: list[SourceInfo] = field(default_factory=list)
    yara: list[YaraSource] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _index: dict[str, dict[str, tuple[Entry, ...]]] = field(default_factory=dict, repr=False)
    _path_globs: list[tuple[str, Entry]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._index = {name: {} for name in _FIELDS}
        for entry in self.entries:
            self._add(entry)

    def _add(self, entry: Entry) -> None:
        for name, norm in _FIELDS.items():
            bucket = self._index[name]
            for raw in getattr(entry, name):
                key = norm(raw)
                if not key:
                    continue
                if name == "paths" and any(c in key for c in "*?["):
                    self._path_globs.append((key, entry))
                    continue
                found = bucket.get(key, ())
                if entry not in found:
                    bucket[key] = (*found, entry)

    def extend(self, entries: Iterable[Entry], source: SourceInfo | None = None) -> None:
        for entry in entries:
            self.entries.append(entry)
            self._add(entry)
        if source:
            self.sources.append(source)

    # Lookups. Each returns the entries that match, or an empty tuple.
    def lookup(self, field_name: str, value: str) -> tuple[Entry, ...]:
        return self._index[field_name].get(_FIELDS[field_name](value), ())

    def package(self, value: str) -> tuple[Entry, ...]:
        return self.lookup("packages", value)

    def bundle_id(self, value: str) -> tuple[Entry, ...]:
        return self.lookup("bundle_ids", value)

    def certificate(self, value: str) -> tuple[Entry, ...]:
        return self.lookup("certificates", value)

    def sha256(self, value: str) -> tuple[Entry, ...]:
        return self.lookup("sha256", value)

    def extension(self, value: str) -> tuple[Entry, ...]:
        return self.lookup("extensions", value)

    def ip(self, value: str) -> tuple[Entry, ...]:
        return self.lookup("ips", value)

    def process(self, name: str) -> tuple[Entry, ...]:
        """Exact, case-insensitive. Linux cuts process names to 15 characters, so a 15-character
        name also matches the indicator it is the start of (rare; scans the process index)."""
        found = self.lookup("processes", name)
        if found or len(name) != 15:
            return found
        key = norm_plain(name)
        out: list[Entry] = []
        for full, entries in self._index["processes"].items():
            if len(full) > 15 and full.startswith(key):
                out.extend(e for e in entries if e not in out)
        return tuple(out)

    def domain(self, value: str) -> tuple[Entry, ...]:
        """A domain matches itself and every subdomain of an indicator domain."""
        host = norm_domain(value)
        bucket = self._index["domains"]
        while host:
            found = bucket.get(host)
            if found:
                return found
            if "." not in host:
                return ()
            host = host.split(".", 1)[1]
        return ()

    def path(self, value: str) -> tuple[Entry, ...]:
        """A path matches an indicator path equal to it or to one of its parent folders."""
        bucket = self._index["paths"]
        out: list[Entry] = []
        for candidate in _parents(norm_path(value)):
            for entry in bucket.get(candidate, ()):
                if entry not in out:
                    out.append(entry)
            for pattern, entry in self._path_globs:
                if entry not in out and fnmatch.fnmatchcase(candidate, pattern):
                    out.append(entry)
        return tuple(out)

    def path_patterns(self, platform: str) -> list[tuple[str, Entry]]:
        """Raw install paths of entries for ``platform``, for the collector to probe."""
        out: list[tuple[str, Entry]] = []
        for entry in self.entries:
            if entry.platforms and platform not in entry.platforms:
                continue
            out.extend((raw, entry) for raw in entry.paths)
        return out

    def count(self, field_name: str) -> int:
        """How many distinct values of one kind the set holds (paths include patterns)."""
        extra = len({p for p, _ in self._path_globs}) if field_name == "paths" else 0
        return len(self._index[field_name]) + extra
