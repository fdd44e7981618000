"""Windows artifacts: Run keys, Startup folders (and the shortcuts in them), services, location consent.

The collectors save what the registry and psutil answered as JSON; everything from there is text
someone else may have chosen, so it is clipped here.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from collections.abc import Callable
from typing import Any

from techcheck.model import Artifact
from techcheck.parse.autostart import command_target
from techcheck.parse.common import json_list
from techcheck.parse.records import AutostartEntry, LocationSetting
from techcheck.text import clip, clip_line, clip_path

HIVE_SCOPE = {"HKCU": "user", "HKLM": "system"}
DEFAULT_VALUE = "(Default)"  # how regedit shows a value with an empty name


def _rows(raw: bytes, what: str) -> list[dict[str, Any]]:
    return [row for row in json_list(raw, what) if isinstance(row, dict)]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


# Commands and StartupApproved ----------------------------------------------------------------------

_PROGRAM = re.compile(r"^\s*(.+?\.(?:exe|bat|cmd|com|lnk|ps1|vbs|js|scr|dll))(?:[\s,]|$)", re.IGNORECASE)


def windows_target(command: str) -> str:
    """The program a Windows command line runs.

    ``command_target`` reads quoted paths and ``C:\\…`` paths; a path that starts with a variable
    (``%ProgramFiles%\\…``) or is relative (``system32\\…``) must not go through its POSIX splitting,
    which would eat the backslashes.
    """
    command = command.strip()
    if command.startswith('"') or re.match(r"^[A-Za-z]:\\", command) or "\\" not in command.split(" ", 1)[0]:
        return command_target(command)
    match = _PROGRAM.match(command)
    return clip_path(match.group(1) if match else command.split()[0])


def approved_enabled(approved: object) -> bool:
    """Task Manager's switch, from a ``StartupApproved`` value (hex of the binary data).

    The first byte is 0x02 or 0x06 when the entry may run and 0x03 once it was turned off (followed by
    the time it was). The low bit is the "off" flag, so 0x07 counts as off too. No value: never
    switched, so it runs.
    """
    if not isinstance(approved, str) or not approved:
        return True
    try:
        first = bytes.fromhex(approved[:2])
    except ValueError:
        return True
    return not (first and first[0] & 0x01)


# Run keys --------------------------------------------------------------------------------------------


def parse_run_keys(raw: bytes) -> list[AutostartEntry]:
    """``[{"hive", "key", "name", "value", "approved"}]`` as the collector read it."""
    out = []
    for row in _rows(raw, "Run keys"):
        hive = clip(row.get("hive"), 8)
        command = _text(row.get("value"))
        out.append(
            AutostartEntry(
                mechanism="run-key",
                name=clip(row.get("name")) or DEFAULT_VALUE,
                command=clip_line(command),
                target=windows_target(command),
                location=clip_path(f"{hive}\\{_text(row.get('key'))}"),
                scope=HIVE_SCOPE.get(hive, "system"),
                enabled=approved_enabled(row.get("approved")),
            )
        )
    return out


# Shell links (.lnk) ----------------------------------------------------------------------------------
# [MS-SHLLINK]: a 76-byte header, an optional LinkTargetIDList, an optional LinkInfo (which holds the
# target's local path), then optional counted strings: name, relative path, working dir, arguments.

MAX_LINK = 64 * 1024
_HEADER = struct.Struct("<I16sI")  # HeaderSize, LinkCLSID, LinkFlags
_HEADER_SIZE = 0x4C
_LINK_CLSID = bytes.fromhex("0114020000000000c000000000000046")  # {00021401-0000-0000-C000-000000000046}
HAS_ID_LIST, HAS_LINK_INFO, IS_UNICODE = 0x01, 0x02, 0x80
# The StringData parts, in file order, up to the arguments (the icon location after them is not read).
_STRING_FLAGS = (("name", 0x04), ("relative_path", 0x08), ("working_dir", 0x10), ("arguments", 0x20))
_LOCAL_BASE_PATH = 0x01  # LinkInfoFlags: VolumeIDAndLocalBasePath
_UNICODE_OFFSETS_FROM = 0x24  # a LinkInfo header this long carries Unicode path offsets


def _u32(data: bytes, offset: int) -> int:
    return struct.unpack_from("<I", data, offset)[0]


def _cstring(data: bytes, offset: int, wide: bool) -> str:
    """A NUL-terminated string: UTF-16LE, or the ANSI code page (read as cp1252; the real one is not
    known here)."""
    if not 0 < offset < len(data):
        return ""
    chunk = data[offset:]
    if wide:
        return chunk[: len(chunk) & ~1].decode("utf-16-le", "replace").split("\0", 1)[0]
    return chunk.split(b"\0", 1)[0].decode("cp1252", "replace")


def _link_info_path(info: bytes) -> str:
    header_size, flags = _u32(info, 4), _u32(info, 8)
    if not flags & _LOCAL_BASE_PATH:
        return ""  # a network target: no local path to scan
    if header_size >= _UNICODE_OFFSETS_FROM and _u32(info, 28):
        return _cstring(info, _u32(info, 28), True) + _cstring(info, _u32(info, 32), True)
    return _cstring(info, _u32(info, 16), False) + _cstring(info, _u32(info, 24), False)


def _arguments(data: bytes, offset: int, flags: int) -> str:
    """The command-line arguments from StringData (the counted strings before them are skipped)."""
    width = 2 if flags & IS_UNICODE else 1
    for name, flag in _STRING_FLAGS:
        if not flags & flag:
            continue
        count = struct.unpack_from("<H", data, offset)[0]
        if name == "arguments":
            chunk = data[offset + 2 : offset + 2 + count * width]
            return chunk.decode("utf-16-le" if width == 2 else "cp1252", "replace")
        offset += 2 + count * width
    return ""


def parse_shell_link(data: bytes) -> tuple[str, str]:
    """(target path, arguments) of a shortcut; ``("", "")`` when it is not one or has no local path.

    Reads at most MAX_LINK bytes and never loops over counts from the file, so a hostile file costs
    nothing; a cut-off file keeps what could be read. A shortcut that only has an ID list (no
    LinkInfo) is not resolved.
    """
    data = data[:MAX_LINK]
    target = arguments = ""
    try:
        size, clsid, flags = _HEADER.unpack_from(data, 0)
        if size != _HEADER_SIZE or clsid != _LINK_CLSID:
            return "", ""
        offset = _HEADER_SIZE
        if flags & HAS_ID_LIST:
            offset += 2 + struct.unpack_from("<H", data, offset)[0]
        if flags & HAS_LINK_INFO:
            info_size = _u32(data, offset)
            target = _link_info_path(data[offset : offset + info_size])
            offset += info_size
        arguments = _arguments(data, offset, flags)
    except struct.error:
        pass
    return clip_path(target), clip_line(arguments)


# Startup folders -----------------------------------------------------------------------------------


def _link_bytes(value: object) -> bytes:
    if not isinstance(value, str):
        return b""
    try:
        return base64.b64decode(value[: MAX_LINK * 2], validate=True)
    except (binascii.Error, ValueError):
        return b""


def _startup_entry(row: dict[str, Any]) -> AutostartEntry:
    path = _text(row.get("path"))
    target, arguments = parse_shell_link(_link_bytes(row.get("link")))
    command = f'"{target}" {arguments}'.strip() if target else path
    return AutostartEntry(
        mechanism="startup-folder",
        name=clip(re.split(r"[\\/]", path)[-1]),
        command=clip_line(command),
        target=target or clip_path(path),
        location=clip_path(path),
        scope="system" if row.get("scope") == "system" else "user",
        enabled=approved_enabled(row.get("approved")),
    )


def parse_startup_folder(raw: bytes) -> list[AutostartEntry]:
    """``[{"path", "scope", "approved", "link"}]``: ``link`` is the shortcut file, base64, when it is one."""
    return [_startup_entry(row) for row in _rows(raw, "Startup folder")]


# Services ------------------------------------------------------------------------------------------

# Under the Windows folder live Windows' own services; these subfolders of it are writable by any
# account, so a service that runs from one of them is kept in the list.
WRITABLE_UNDER_WINDOWS = ("temp\\", "tasks\\", "tracing\\", "debug\\")
_WINDOWS_ALIASES = ("%systemroot%\\", "%windir%\\", "\\systemroot\\", "system32\\", "syswow64\\")


def _under_windows(target: str, system_root: str) -> bool:
    path = target.replace("/", "\\").lower().removeprefix("\\??\\")
    root = system_root.rstrip("\\").lower() + "\\"
    for prefix in (root, *_WINDOWS_ALIASES):
        if path.startswith(prefix):
            return not path[len(prefix) :].startswith(WRITABLE_UNDER_WINDOWS)
    return False


def parse_services(raw: bytes, system_root: str = "C:\\Windows") -> list[AutostartEntry]:
    """Services that start with Windows, leaving out those run from the Windows folder itself, so the
    list is about software someone installed."""
    out = []
    for row in _rows(raw, "services"):
        if row.get("start_type") != "automatic":
            continue
        binpath = _text(row.get("binpath"))
        target = windows_target(binpath)
        if _under_windows(target or binpath, system_root):
            continue
        name = _text(row.get("name"))
        out.append(
            AutostartEntry(
                mechanism="service",
                name=clip(row.get("display_name") or name),
                command=clip_line(binpath),
                target=target,
                location=clip_path(f"HKLM\\SYSTEM\\CurrentControlSet\\Services\\{name}"),
                scope="system",
                enabled=True,
            )
        )
    return out


# Location ------------------------------------------------------------------------------------------

CONSENT_VALUES = {"allow": True, "deny": False}


def parse_location(raw: bytes) -> list[LocationSetting]:
    """``ConsentStore\\location`` ``Value``: HKLM is the device-wide switch, HKCU this account's."""
    return [
        LocationSetting(
            setting=f"Windows location ({clip(row.get('hive'), 8)})",
            enabled=CONSENT_VALUES.get(_text(row.get("value")).strip().lower()),
        )
        for row in _rows(raw, "location consent")
    ]


def _meta(artifact: Artifact, key: str, default: str = "") -> str:
    return str(artifact.meta.get(key, default))


PARSERS: dict[str, Callable[[Artifact], list]] = {
    "win_autostart": lambda a: parse_run_keys(a.content),
    "win_startup_folder": lambda a: parse_startup_folder(a.content),
    "win_services": lambda a: parse_services(a.content, _meta(a, "system_root", "C:\\Windows")),
    "win_location": lambda a: parse_location(a.content),
}
