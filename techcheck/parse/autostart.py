"""Programs that start on their own on Linux: XDG autostart files, systemd user units, crontab.

The macOS and Windows equivalents are in ``parse/macos.py`` and ``parse/windows.py``.
"""

from __future__ import annotations

import re
import shlex

from techcheck.parse.records import AutostartEntry
from techcheck.text import clip, clip_line, clip_path

_FIELD_CODES = re.compile(r"%[fFuUdDnNickvm%]")
_ENV_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_WINDOWS_PROGRAM = re.compile(r"^\s*(.+?\.(?:exe|bat|cmd|com|lnk|ps1|vbs|js|scr))(?:\s|$)", re.IGNORECASE)
_WRAPPERS = {"env", "nohup", "nice", "ionice", "exec", "setsid"}


def command_target(command: str) -> str:
    """The program a command line runs: skips ``env``, ``VAR=value`` and systemd's ``@-:+!`` prefixes.

    Windows-style commands: a quoted path is the program; otherwise the text up to ``.exe`` (etc.).
    """
    command = command.strip()
    if not command:
        return ""
    if command.startswith('"'):
        end = command.find('"', 1)
        return clip_path(command[1:end] if end > 0 else command[1:])
    if re.match(r"^[A-Za-z]:\\", command):
        match = _WINDOWS_PROGRAM.match(command)
        return clip_path(match.group(1) if match else command.split()[0])
    try:
        parts = shlex.split(command, posix=True)
    except ValueError:
        parts = command.split()
    for part in parts:
        part = part.lstrip("@-:+!")
        if not part or _ENV_ASSIGN.match(part) or part in _WRAPPERS or part.startswith("-"):
            continue
        return clip_path(part)
    return ""


def _ini_groups(text: str) -> dict[str, dict[str, str]]:
    """A tolerant reader for .desktop and systemd unit files (``[Group]`` then ``Key=Value``).

    Later duplicates win, except that systemd's ``ExecStart`` lines are joined with newlines.
    """
    groups: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = groups.setdefault(line[1:-1].strip(), {})
            continue
        if current is None or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key, value = key.strip(), value.strip()
        if key == "ExecStart" and current.get(key):
            value = current[key] + "\n" + value
        current[key] = value
    return groups


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


def parse_desktop_entry(text: str, path: str, scope: str = "user") -> list[AutostartEntry]:
    group = _ini_groups(text).get("Desktop Entry")
    if group is None:
        return []
    command = _FIELD_CODES.sub("", group.get("Exec", "")).strip()
    enabled = not _true(group.get("Hidden")) and group.get("X-GNOME-Autostart-enabled", "true").lower() != "false"
    return [
        AutostartEntry(
            mechanism="xdg",
            name=clip(group.get("Name") or path.rsplit("/", 1)[-1]),
            command=clip_line(command),
            target=command_target(command),
            location=clip_path(path),
            scope=scope,
            enabled=enabled,
        )
    ]


def parse_systemd_unit(text: str, path: str, enabled: bool, scope: str = "user") -> list[AutostartEntry]:
    groups = _ini_groups(text)
    service = groups.get("Service", {})
    commands = [c for c in service.get("ExecStart", "").split("\n") if c.strip()]
    if not commands:
        return []
    name = groups.get("Unit", {}).get("Description") or path.rsplit("/", 1)[-1]
    return [
        AutostartEntry(
            mechanism="systemd-user",
            name=clip(name),
            command=clip_line(command),
            target=command_target(command),
            location=clip_path(path),
            scope=scope,
            enabled=enabled,
        )
        for command in commands
    ]


_CRON_TIME = re.compile(r"^(@\w+|(\S+\s+){4}\S+)\s+(.*)$")


def parse_crontab(text: str, location: str = "crontab -l") -> list[AutostartEntry]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or _ENV_ASSIGN.match(line.split(" ", 1)[0]):
            continue
        match = _CRON_TIME.match(line)
        if not match:
            continue
        command = match.group(3).strip()
        out.append(
            AutostartEntry(
                mechanism="crontab",
                name=clip(f"{match.group(1)} {command}"),
                command=clip_line(command),
                target=command_target(command),
                location=location,
                scope="user",
            )
        )
    return out


def parse_autostart_script(path: str) -> list[AutostartEntry]:
    """KDE runs every file in ``~/.config/autostart-scripts`` at sign-in."""
    return [
        AutostartEntry(
            mechanism="xdg",
            name=clip(path.rsplit("/", 1)[-1]),
            command=clip_line(path),
            target=clip_path(path),
            location=clip_path(path),
        )
    ]


def effective_xdg(entries: list[AutostartEntry]) -> list[AutostartEntry]:
    """A user autostart file hides the system file of the same name (XDG Autostart spec)."""
    by_file: dict[str, AutostartEntry] = {}
    for entry in sorted(entries, key=lambda e: e.scope != "system"):  # system first, user overrides
        by_file[entry.location.rsplit("/", 1)[-1]] = entry
    return list(by_file.values())
