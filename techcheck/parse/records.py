"""Typed records the parsers produce and the checks read.

Every record has an ``artifact`` field, filled in by the parse stage, naming the artifact it came from
(so a finding can point at its evidence). Text that came from the device is already clipped.
"""

from __future__ import annotations

from dataclasses import dataclass


class ParseError(Exception):
    """An artifact we could not read. Becomes a "could not check" entry, never a crash."""


@dataclass(frozen=True)
class ProcessRecord:
    pid: int
    name: str
    exe: str = ""
    cmdline: str = ""
    username: str = ""
    artifact: str = ""


@dataclass(frozen=True)
class Connection:
    laddr: str
    lport: int
    raddr: str = ""
    rport: int = 0
    status: str = ""  # ESTABLISHED, LISTEN, …
    pid: int | None = None
    process: str = ""
    artifact: str = ""


@dataclass(frozen=True)
class AutostartEntry:
    """A program set to start on its own."""

    mechanism: str  # xdg | systemd-user | crontab | launchd | run-key | startup-folder | service
    name: str
    command: str  # as written (clipped)
    target: str  # the program it runs, as a path when it can be told, else ""
    location: str  # the file or registry key that holds it
    scope: str = "user"  # user | system
    enabled: bool = True
    artifact: str = ""


@dataclass(frozen=True)
class LoginSession:
    """Someone signed in right now."""

    user: str
    tty: str = ""
    host: str = ""  # where from, when remote
    started: str = ""  # ISO 8601 UTC
    remote: bool = False
    service: str = ""  # sshd, gdm-password, …
    source: str = ""  # utmp | logind | windows
    artifact: str = ""


@dataclass(frozen=True)
class LoginEvent:
    """One line of login history."""

    user: str
    tty: str = ""
    host: str = ""
    time: str = ""  # ISO 8601: ends in Z when UTC; without a zone when the source gives local time
    remote: bool = False
    service: str = ""
    source: str = ""  # wtmp | wtmpdb | last
    artifact: str = ""


@dataclass(frozen=True)
class AuthorizedKey:
    algorithm: str
    fingerprint: str  # SHA256:<base64>, as ssh-keygen -l prints it
    comment: str
    options: str
    file: str
    line: int
    artifact: str = ""


@dataclass(frozen=True)
class BrowserProfile:
    browser: str
    profile: str  # the folder name
    display_name: str = ""
    account: str = ""  # e-mail or user name of the signed-in account
    syncing: bool | None = None
    artifact: str = ""


@dataclass(frozen=True)
class BrowserExtension:
    browser: str
    profile: str
    id: str
    name: str = ""
    version: str = ""
    install: str = "store"  # store | unpacked | policy | command-line | external | other
    enabled: bool = True
    artifact: str = ""


@dataclass(frozen=True)
class ExtensionManifest:
    browser: str
    profile: str
    id: str
    name: str
    version: str = ""
    artifact: str = ""


@dataclass(frozen=True)
class SiteLocationGrant:
    browser: str
    profile: str
    site: str
    artifact: str = ""


@dataclass(frozen=True)
class LocationSetting:
    setting: str  # what was read, e.g. "org.gnome.system.location enabled"
    enabled: bool | None
    artifact: str = ""


@dataclass(frozen=True)
class YaraHit:
    origin: str  # the indicator set the rule came from
    rule: str
    name: str = ""  # the product, from the rule's meta
    type: str = ""  # stalkerware | monitoring | remote-access | …, from the rule's meta


@dataclass(frozen=True)
class FileScan:
    """One file read once: its hash and the YARA rules that matched it."""

    path: str
    size: int
    sha256: str = ""
    yara: tuple[YaraHit, ...] = ()
    note: str = ""  # too-large, unreadable, …
    artifact: str = ""


@dataclass(frozen=True)
class InstalledPath:
    """An indicator install path that exists on this computer."""

    path: str
    pattern: str
    artifact: str = ""
