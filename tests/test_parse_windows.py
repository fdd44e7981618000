"""Windows parsers on fixtures: Run keys, Startup folders and shortcuts, services, location consent."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from techcheck.model import Artifact
from techcheck.parse import PARSERS
from techcheck.parse.records import AutostartEntry, LocationSetting, ParseError
from techcheck.parse.windows import (
    approved_enabled,
    parse_location,
    parse_run_keys,
    parse_services,
    parse_shell_link,
    parse_startup_folder,
    windows_target,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "windows"
RUN = "Software\\Microsoft\\Windows\\CurrentVersion\\Run"
SYNC_HELPER = "C:\\Users\\Alex\\AppData\\Roaming\\SyncHelper\\synchelper.exe"
STARTUP = "C:\\Users\\Alex\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# Run keys --------------------------------------------------------------------------------------------


def run_entries() -> list[AutostartEntry]:
    return parse_run_keys(fixture("win_autostart.json"))


def test_run_key_entry_fields() -> None:
    onedrive = run_entries()[0]
    assert onedrive == AutostartEntry(
        mechanism="run-key",
        name="OneDrive",
        command='"C:\\Users\\Alex\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background',
        target="C:\\Users\\Alex\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe",
        location=f"HKCU\\{RUN}",
        scope="user",
        enabled=True,
    )


def test_run_keys_scope_and_startup_approved() -> None:
    summary = [(e.scope, e.enabled) for e in run_entries()]
    assert summary == [
        ("user", True),  # approved 02
        ("user", False),  # approved 03 + the time it was switched off
        ("user", True),  # no approved value
        ("user", True),  # RunOnce
        ("system", True),  # approved 06
        ("system", True),  # WOW6432Node
        ("user", True),  # Policies\Explorer\Run
    ]


def test_run_key_targets_from_quoted_plain_and_variable_paths() -> None:
    targets = [e.target for e in run_entries()]
    assert targets[1] == "C:\\Users\\Alex\\AppData\\Local\\Discord\\Update.exe"
    assert targets[3] == "cmd.exe"
    assert targets[4] == "%windir%\\system32\\SecurityHealthSystray.exe"
    assert targets[5] == "%ProgramFiles(x86)%\\Remote Helper\\rhagent.exe"
    assert run_entries()[5].location == "HKLM\\Software\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Run"


def test_the_default_value_gets_a_readable_name() -> None:
    assert run_entries()[6].name == "(Default)"


def test_hostile_registry_text_is_clipped() -> None:
    hostile, huge = run_entries()[2], run_entries()[3]
    assert hostile.name == "<script>alert(1)</script>"  # markup stays text (renderers escape it); controls go
    assert hostile.command == "C:\\Users\\Alex\\AppData\\Roaming\\svc\\<b>host</b>.exe --silent[31m"
    assert not any(
        ord(c) < 32 or c == "\u202e" for e in (hostile, huge) for c in e.name + e.command + e.target
    )
    assert len(huge.name) == 200 and huge.name.endswith("…")


def test_run_keys_that_are_not_json_raise() -> None:
    with pytest.raises(ParseError):
        parse_run_keys(b"{not json")
    with pytest.raises(ParseError, match="expected a list"):
        parse_run_keys(b'{"hive": "HKCU"}')


@pytest.mark.parametrize(
    ("approved", "enabled"),
    [
        ("020000000000000000000000", True),
        ("060000000000000000000000", True),
        ("0300000066d3c2a1b5e2da01", False),
        ("070000000000000000000000", False),
        (None, True),
        ("", True),
        ("zz", True),
        (12, True),
    ],
)
def test_startup_approved_first_byte(approved: object, enabled: bool) -> None:
    assert approved_enabled(approved) is enabled


@pytest.mark.parametrize(
    ("command", "target"),
    [
        ('"C:\\Program Files\\App\\app.exe" --min', "C:\\Program Files\\App\\app.exe"),
        ("C:\\Program Files\\App\\app.exe --min", "C:\\Program Files\\App\\app.exe"),
        ("%ProgramFiles%\\My App\\app.exe -x", "%ProgramFiles%\\My App\\app.exe"),
        ("system32\\rundll32.exe shell32.dll,Control_RunDLL", "system32\\rundll32.exe"),
        ("rundll32.exe C:\\Users\\a\\x.dll,Start", "rundll32.exe"),
        ("\\\\server\\share\\tool.exe /q", "\\\\server\\share\\tool.exe"),
        ("", ""),
    ],
)
def test_windows_target(command: str, target: str) -> None:
    assert windows_target(command) == target


# Shortcuts and Startup folders ----------------------------------------------------------------------


def test_shell_link_local_base_path_and_arguments() -> None:
    assert parse_shell_link(fixture("sync-helper.lnk")) == (
        "C:\\Users\\Alex\\AppData\\Roaming\\SyncHelper\\synchelper.exe",
        "--hidden --report-to 198.51.100.7",
    )


def test_shell_link_with_only_an_id_list_is_not_resolved() -> None:
    assert parse_shell_link(fixture("notes-idlist-only.lnk")) == ("", "")


@pytest.mark.parametrize("cut", [0, 10, 76, 80, 120, 200, 400])
def test_truncated_shell_links_do_not_raise(cut: int) -> None:
    target, _arguments = parse_shell_link(fixture("sync-helper.lnk")[:cut])
    assert target in ("", "C:\\Users\\Alex\\AppData\\Roaming\\SyncHelper\\synchelper.exe")


def test_a_shell_link_cut_off_in_its_strings_keeps_its_target() -> None:
    data = fixture("sync-helper.lnk")
    for cut in (len(data) - 30, len(data) - 90):
        assert parse_shell_link(data[:cut])[0] == SYNC_HELPER


def test_a_file_that_is_not_a_shell_link() -> None:
    data = bytearray(fixture("sync-helper.lnk"))
    data[4] ^= 0xFF  # the class id
    assert parse_shell_link(bytes(data)) == ("", "")
    assert parse_shell_link(b"MZ\x90\x00" + b"\x00" * 200) == ("", "")


def test_shell_link_with_unicode_local_base_path() -> None:
    """[MS-SHLLINK] 2.3: a LinkInfo header of 0x24 bytes adds Unicode offsets, used instead of ANSI."""
    wide = "C:\\Users\\Ana\\Música\\spy.exe\0".encode("utf-16-le")
    ansi = b"C:\\Users\\Ana\\M?sica\\spy.exe\0"
    volume = struct.pack("<IIII", 17, 3, 0x1234, 16) + b"\0"
    header_size = 0x24
    volume_at = header_size
    ansi_at = volume_at + len(volume)
    suffix_at = ansi_at + len(ansi)
    wide_at = suffix_at + 1
    wide_suffix_at = wide_at + len(wide)
    body = volume + ansi + b"\0" + wide + b"\0\0"
    info = struct.pack(
        "<9I",
        header_size + len(body),
        header_size,
        0x1,
        volume_at,
        ansi_at,
        0,
        suffix_at,
        wide_at,
        wide_suffix_at,
    )
    header = struct.pack("<I16sI", 0x4C, bytes.fromhex("0114020000000000c000000000000046"), 0x02 | 0x80)
    link = header + b"\0" * (0x4C - len(header)) + info + body
    assert parse_shell_link(link) == ("C:\\Users\\Ana\\Música\\spy.exe", "")


def test_startup_folder_entries() -> None:
    helper, notes, backup = parse_startup_folder(fixture("win_startup_folder.json"))
    assert helper == AutostartEntry(
        mechanism="startup-folder",
        name="Sync Helper.lnk",
        command=f'"{SYNC_HELPER}" --hidden --report-to 198.51.100.7',
        target="C:\\Users\\Alex\\AppData\\Roaming\\SyncHelper\\synchelper.exe",
        location=f"{STARTUP}\\Sync Helper.lnk",
        scope="user",
        enabled=True,
    )
    assert (notes.target, notes.enabled) == (f"{STARTUP}\\Notes.lnk", False)
    assert (backup.name, backup.scope, backup.enabled) == ("backup.bat", "system", True)
    assert backup.target == "C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs\\StartUp\\backup.bat"


def test_startup_folder_with_a_broken_link_field() -> None:
    raw = json.dumps([{"path": "C:\\x\\a.lnk", "scope": "user", "link": "not base64!"}]).encode()
    [entry] = parse_startup_folder(raw)
    assert (entry.target, entry.command) == ("C:\\x\\a.lnk", "C:\\x\\a.lnk")


# Services --------------------------------------------------------------------------------------------


def test_services_that_start_with_windows_and_are_not_part_of_it() -> None:
    entries = parse_services(fixture("win_services.json"))
    assert [e.name for e in entries] == [
        "Microsoft Defender Antivirus Service",
        "TeamViewer",
        "System Monitor Helper",  # under C:\Windows\Temp, which anyone can write to: kept
        "Remote Access Agent",
    ]
    teamviewer = entries[1]
    assert teamviewer == AutostartEntry(
        mechanism="service",
        name="TeamViewer",
        command='"C:\\Program Files\\TeamViewer\\TeamViewer_Service.exe"',
        target="C:\\Program Files\\TeamViewer\\TeamViewer_Service.exe",
        location="HKLM\\SYSTEM\\CurrentControlSet\\Services\\TeamViewer",
        scope="system",
        enabled=True,
    )
    assert entries[3].target == "%ProgramFiles%\\RAA\\raa-agent.exe"


def test_services_honour_another_windows_folder() -> None:
    rows = [
        {"name": "a", "binpath": "D:\\WINNT\\system32\\svc.exe", "start_type": "automatic"},
        {"name": "b", "binpath": "C:\\Windows\\x.exe", "start_type": "automatic"},
    ]
    entries = parse_services(json.dumps(rows).encode(), system_root="D:\\WINNT")
    assert [e.name for e in entries] == ["b"]


def test_services_through_the_parser_table_use_the_recorded_system_root() -> None:
    rows = [{"name": "a", "binpath": "E:\\Win\\svc.exe", "start_type": "automatic"}]
    artifact = Artifact.make("win_services", "psutil", json.dumps(rows), meta={"system_root": "E:\\Win"})
    assert PARSERS["win_services"](artifact) == []


# Location --------------------------------------------------------------------------------------------


def test_location_consent() -> None:
    assert parse_location(fixture("win_location.json")) == [
        LocationSetting(setting="Windows location (HKLM)", enabled=True),
        LocationSetting(setting="Windows location (HKCU)", enabled=False),
    ]


def test_location_with_an_unexpected_value_is_unknown() -> None:
    [setting] = parse_location(b'[{"hive": "HKCU", "value": "Prompt"}]')
    assert setting.enabled is None


def test_parsers_are_registered() -> None:
    assert {"win_autostart", "win_startup_folder", "win_services", "win_location"} <= set(PARSERS)
