"""The one list of commands techcheck may run. Every one of them only reads.

A command is a fixed argument list; a ``{name}`` part is filled from a parameter that must match the
pattern given for it, so nothing a device or a person types can turn into another command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    params: dict[str, str] = field(default_factory=dict)  # name → regular expression it must match


_SESSION_ID = r"[A-Za-z0-9]{1,32}"

# On this computer (scan local).
LOCAL: dict[str, Command] = {
    "crontab": Command(("crontab", "-l")),
    "loginctl-list": Command(("loginctl", "list-sessions", "--no-pager", "--no-legend")),
    "loginctl-show": Command(("loginctl", "show-session", "--no-pager", "{session}"), {"session": _SESSION_ID}),
    "gsettings-location": Command(("gsettings", "get", "org.gnome.system.location", "enabled")),
    "macos-last": Command(("last",)),
}


class NotAllowed(ValueError):
    """A command or parameter outside the allow-list. A bug, never an expected condition."""


def argv_for(table: dict[str, Command], key: str, **params: str) -> list[str]:
    command = table.get(key)
    if command is None:
        raise NotAllowed(f"{key!r} is not in the allow-list")
    if set(params) != set(command.params):
        raise NotAllowed(f"{key!r} takes parameters {sorted(command.params)}, got {sorted(params)}")
    for name, pattern in command.params.items():
        if not re.fullmatch(pattern, params[name]):
            raise NotAllowed(f"{key!r}: parameter {name} does not match {pattern}")
    return [part.format(**params) if "{" in part else part for part in command.argv]


def is_allowed(table: dict[str, Command], argv: list[str]) -> bool:
    """True when ``argv`` is exactly one allow-listed command with valid parameters (tests use this)."""
    for command in table.values():
        if len(command.argv) != len(argv):
            continue
        ok = True
        for part, actual in zip(command.argv, argv, strict=True):
            if part.startswith("{") and part.endswith("}"):
                ok = bool(re.fullmatch(command.params[part[1:-1]], actual))
            else:
                ok = part == actual
            if not ok:
                break
        if ok:
            return True
    return False
