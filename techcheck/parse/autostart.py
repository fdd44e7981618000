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
# Programs that start another program, and how many arguments each of their options takes: the
# program they start is the first word after their own options.
_WRAPPERS: dict[str, dict[str, int]] = {
    "env": {"-u": 1, "--unset": 1, "-C": 1, "--chdir": 1, "-S": 0, "-i": 0, "-": 0, "-0": 0},
    "nice": {"-n": 1, "--adjustment": 1},
    "ionice": {"-c": 1, "-n": 1, "-p": 1, "--class": 1, "--classdata": 1},
    "nohup": {},
    "setsid": {},
    "exec": {},
    "stdbuf": {"-i": 1, "-o": 1, "-e": 1},
}


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
    if parts:
        parts[0] = parts[0].lstrip("@-:+!")  # systemd's ExecStart prefixes, on the first word only
    index = 0
    while index < len(parts):
        part = parts[index]
        wrapper = _WRAPPERS.get(part.rsplit("/", 1)[-1])
        if wrapper is not None:
            index += 1
            while index < len(parts) and (parts[index].startswith("-") or _ENV_ASSIGN.match(parts[index])):
                option = parts[index]
                index += 1 + (wrapper.get(option, 0) if "=" not in option else 0)
            continue
        if not part or _ENV_ASSIGN.match(part):
            index += 1
            continue
        return clip_path(part)
    return ""


def _ini_groups(text: str, systemd: bool = False) -> dict[str, dict[str, str]]:
    """A tolerant reader for .desktop and systemd unit files (``[Group]`` then ``Key=Value``).

    Later duplicates win, except systemd's ``ExecStart``: its lines are kept (joined with newlines) and
    an empty one clears them, as systemd does. In unit files a trailing backslash continues a line.
    """
    if systemd:
        text = re.sub(r"\\\n[ \t]*", " ", text)
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
        if key == "ExecStart" and current.get(key) and value:
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
    groups = _ini_groups(text, systemd=True)
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
    """Of the files with one name, the most important wins (XDG Autostart spec): the user's folder, then
    the system folders in ``XDG_CONFIG_DIRS`` order, which is the order the collector read them in."""
    by_file: dict[str, AutostartEntry] = {}
    for entry in sorted(entries, key=lambda e: e.scope != "user"):  # stable: keeps the collector's order
        by_file.setdefault(entry.location.rsplit("/", 1)[-1], entry)
    return list(by_file.values())
