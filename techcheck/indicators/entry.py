"""One indicator entry (an app or program family) and the errors indicator files can raise."""

from __future__ import annotations

from dataclasses import dataclass

TYPES = ("stalkerware", "watchware", "remote-access", "monitoring", "dual-use")
PLATFORMS = ("android", "ios", "linux", "macos", "windows")
# The lists an entry can hold, in the order of docs/indicators.md.
LIST_FIELDS = (
    "platforms",
    "packages",
    "bundle_ids",
    "certificates",
    "sha256",
    "processes",
    "paths",
    "domains",
    "ips",
    "extensions",
    "profiles",
    "sources",
)


class IndicatorError(Exception):
    """An indicator file we refuse. ``str()`` is one line naming the file and the problem."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem


@dataclass(frozen=True)
class Entry:
    name: str
    type: str
    origin: str  # the set it came from: "techcheck", "echap", a file name
    names: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    bundle_ids: tuple[str, ...] = ()
    certificates: tuple[str, ...] = ()
    sha256: tuple[str, ...] = ()
    processes: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceInfo:
    """What one indicator set contributed, for the report's ``indicators`` list."""

    source: str
    version: str
    entries: int
    licence: str = ""

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"source": self.source, "version": self.version, "entries": self.entries}
        if self.licence:
            out["licence"] = self.licence
        return out


@dataclass(frozen=True)
class YaraSource:
    """A YARA rule file to compile, with the set it came from."""

    origin: str
    name: str
    text: str
