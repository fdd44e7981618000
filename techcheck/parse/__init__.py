"""The parse room: pure functions from one artifact to typed records, and the table that picks them.

A parser that fails raises ParseError (or any exception, which is treated the same way): the artifact
becomes a "could not read" problem for the checks that need it, and the rest of the scan goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from techcheck.model import Artifact, Problem, Snapshot
from techcheck.parse import autostart, browsers, logins, processes, ssh, system
from techcheck.parse.records import ParseError

T = TypeVar("T")
# Artifact kinds whose records are programs set to start on their own, on any OS.
AUTOSTART_KINDS = (
    "xdg_autostart",
    "autostart_script",
    "systemd_user_unit",
    "crontab",
    "launchd_plist",
    "win_autostart",
    "win_startup_folder",
    "win_services",
)
Parser = Callable[[Artifact], list]


def _meta(a: Artifact, key: str, default: str = "") -> str:
    return str(a.meta.get(key, default))


PARSERS: dict[str, Parser] = {
    "processes": lambda a: processes.parse_processes(a.content),
    "connections": lambda a: processes.parse_connections(a.content),
    "utmp_users": lambda a: logins.parse_utmp_users(a.content),
    "loginctl_session": lambda a: logins.parse_loginctl_show(a.text),
    "wtmp": lambda a: logins.parse_wtmp(a.content),
    "wtmpdb": lambda a: logins.parse_wtmpdb(a.content),
    "xdg_autostart": lambda a: autostart.parse_desktop_entry(a.text, _meta(a, "path"), _meta(a, "scope", "user")),
    "autostart_script": lambda a: autostart.parse_autostart_script(_meta(a, "path")),
    "systemd_user_unit": lambda a: autostart.parse_systemd_unit(
        a.text, _meta(a, "path"), _meta(a, "enabled") == "yes", _meta(a, "scope", "user")
    ),
    "crontab": lambda a: autostart.parse_crontab(a.text),
    "authorized_keys": lambda a: ssh.parse_authorized_keys(a.text, _meta(a, "path")),
    "chromium_local_state": lambda a: browsers.parse_chromium_local_state(a.content, _meta(a, "browser")),
    "chromium_preferences": lambda a: browsers.parse_chromium_preferences(
        a.content, _meta(a, "browser"), _meta(a, "profile")
    ),
    "chromium_secure_preferences": lambda a: browsers.parse_chromium_secure_preferences(
        a.content, _meta(a, "browser"), _meta(a, "profile")
    ),
    "chromium_extension": lambda a: browsers.parse_extension_folder(
        a.content, _meta(a, "browser"), _meta(a, "profile"), _meta(a, "id")
    ),
    "firefox_signed_in_user": lambda a: browsers.parse_firefox_signed_in_user(a.content, _meta(a, "profile")),
    "firefox_extensions": lambda a: browsers.parse_firefox_extensions(a.content, _meta(a, "profile")),
    "firefox_permissions": lambda a: browsers.parse_firefox_permissions(
        a.content, _meta(a, "profile"), int(_meta(a, "read_ms", "0") or 0)
    ),
    "gsettings_location": lambda a: system.parse_gsettings_bool(a.text, "org.gnome.system.location enabled"),
    "file_scan": lambda a: system.parse_file_scan(a.content),
    "installed_paths": lambda a: system.parse_installed_paths(a.content),
    "apk_scan": lambda a: system.parse_apk_scan(a.content),
}


def _platform_parsers() -> dict[str, Parser]:
    """The PARSERS tables of the per-platform modules (imported here, so a broken one fails loudly)."""
    import importlib

    out: dict[str, Parser] = {}
    for module in ("macos", "windows", "android", "androidqf", "ios"):
        out.update(getattr(importlib.import_module(f"techcheck.parse.{module}"), "PARSERS", {}))
    return out


PARSERS.update(_platform_parsers())


@dataclass
class Facts:
    """What the parse room learned from one snapshot, plus what it could not learn."""

    records: list[object] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    attempted: set[str] = field(default_factory=set)
    parsed: dict[str, int] = field(default_factory=dict)  # kind → artifacts read without error
    started: str = ""  # when the collection began (ISO 8601): checks that judge age compare with this

    def of(self, cls: type[T]) -> list[T]:
        return [r for r in self.records if isinstance(r, cls)]


def parse_artifact(artifact: Artifact) -> list[object]:
    parser = PARSERS.get(artifact.kind)
    if parser is None:
        return []
    return [replace(r, artifact=artifact.name) if hasattr(r, "artifact") else r for r in parser(artifact)]


def parse_snapshot(snapshot: Snapshot) -> Facts:
    facts = Facts(problems=list(snapshot.problems), attempted=set(snapshot.attempted), started=snapshot.started)
    for artifact in snapshot.artifacts:
        try:
            facts.records.extend(parse_artifact(artifact))
        except ParseError as exc:
            facts.problems.append(Problem(artifact.kind, "failed", "malformed", str(exc), artifact.name))
            continue
        except Exception as exc:  # noqa: BLE001 - hostile input must not stop the scan
            detail = f"{artifact.name}: {exc.__class__.__name__}: {exc}"[:300]
            facts.problems.append(Problem(artifact.kind, "failed", "malformed", detail, artifact.name))
            continue
        facts.parsed[artifact.kind] = facts.parsed.get(artifact.kind, 0) + 1
    return facts
