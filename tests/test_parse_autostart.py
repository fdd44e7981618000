"""Linux autostart: XDG .desktop files, systemd user units, crontab, and the program a command runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from techcheck.model import Artifact
from techcheck.parse import parse_artifact
from techcheck.parse.autostart import (
    command_target,
    effective_xdg,
    parse_autostart_script,
    parse_crontab,
    parse_desktop_entry,
    parse_systemd_unit,
)
from techcheck.parse.records import AutostartEntry

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "autostart"
USER_AUTOSTART = "/home/alex/.config/autostart"
SYSTEM_AUTOSTART = "/etc/xdg/autostart"
UBUNTU_AUTOSTART = "/etc/xdg/xdg-ubuntu/autostart"
USER_UNITS = "/home/alex/.config/systemd/user"


def read(*parts: str) -> str:
    return FIXTURES.joinpath(*parts).read_text(encoding="utf-8")


def desktop(folder: str, name: str, location: str, scope: str) -> list[AutostartEntry]:
    return parse_desktop_entry(read(folder, name), f"{location}/{name}", scope)


# command_target --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "target"),
    [
        ("env FOO=1 /usr/bin/x --a", "/usr/bin/x"),
        ('"C:\\Program Files\\X\\x.exe" /min', "C:\\Program Files\\X\\x.exe"),
        ("C:\\Tools\\y.exe -a", "C:\\Tools\\y.exe"),
        ("C:\\Program Files\\Sync Helper\\helper.exe --tray", "C:\\Program Files\\Sync Helper\\helper.exe"),
        ("-/usr/bin/z", "/usr/bin/z"),
        ("@/usr/bin/z argv0 --flag", "/usr/bin/z"),
        (":/usr/bin/z", "/usr/bin/z"),
        ("+/usr/bin/z", "/usr/bin/z"),
        ("!!/usr/bin/z", "/usr/bin/z"),
        ("-!/usr/bin/z --x", "/usr/bin/z"),
        ("FOO=1 BAR='a b' /opt/x/run", "/opt/x/run"),
        ("nohup /home/alex/.local/bin/agent", "/home/alex/.local/bin/agent"),
        ("setsid exec /home/alex/bin/a", "/home/alex/bin/a"),
        ('"/opt/My Monitor/bin/mymonitor" --hidden', "/opt/My Monitor/bin/mymonitor"),
        ("syncthing serve", "syncthing"),
        ("", ""),
        ("   ", ""),
        ("env", ""),
    ],
)
def test_command_target(command: str, target: str) -> None:
    assert command_target(command) == target


@pytest.mark.parametrize(
    "command",
    [
        "nice -n 19 /home/alex/.local/bin/miner",
        "env -i /home/alex/.local/bin/miner",
        "ionice -c3 /home/alex/.local/bin/miner",
    ],
)
def test_command_target_wrapper_with_options(command: str) -> None:
    assert command_target(command) == "/home/alex/.local/bin/miner"


def test_command_target_wrapper_by_absolute_path() -> None:
    assert (
        command_target("/usr/bin/env DISPLAY=:0 /home/alex/.local/bin/agent --quiet") == "/home/alex/.local/bin/agent"
    )


# XDG autostart ---------------------------------------------------------------------------------------


def test_desktop_entry_with_env_and_field_code() -> None:
    assert desktop("config-autostart", "sync-helper.desktop", USER_AUTOSTART, "user") == [
        AutostartEntry(
            mechanism="xdg",
            name="Sync Helper",
            command="env GDK_BACKEND=x11 /home/alex/.local/share/.sync/helperd --background",
            target="/home/alex/.local/share/.sync/helperd",
            location=f"{USER_AUTOSTART}/sync-helper.desktop",
            scope="user",
            enabled=True,
        )
    ]


def test_desktop_entry_disabled_by_gnome_key() -> None:
    (entry,) = desktop("config-autostart", "discord.desktop", USER_AUTOSTART, "user")
    assert (entry.name, entry.target, entry.enabled) == ("Discord", "/usr/share/discord/Discord", False)


def test_desktop_entry_hidden() -> None:
    (entry,) = desktop("config-autostart", "org.gnome.Evolution-alarm-notify.desktop", USER_AUTOSTART, "user")
    assert entry.enabled is False
    assert entry.target == "/usr/libexec/evolution-data-server/evolution-alarm-notify"


def test_desktop_entry_quoted_path_and_actions_group() -> None:
    # The Exec lines of [Desktop Action …] groups (pkill, --new-window) are not what starts at sign-in.
    assert desktop("config-autostart", "myapp.desktop", USER_AUTOSTART, "user") == [
        AutostartEntry(
            mechanism="xdg",
            name="My Monitor",
            command='"/opt/My Monitor/bin/mymonitor" --hidden',
            target="/opt/My Monitor/bin/mymonitor",
            location=f"{USER_AUTOSTART}/myapp.desktop",
            scope="user",
            enabled=True,
        )
    ]


def test_desktop_entry_system_scope_and_localised_names_ignored() -> None:
    (entry,) = desktop("etc-xdg-autostart", "org.gnome.Evolution-alarm-notify.desktop", SYSTEM_AUTOSTART, "system")
    assert (entry.name, entry.scope, entry.enabled) == ("Evolution Alarm Notify", "system", True)


def test_desktop_entry_without_name_uses_file_name() -> None:
    text = "[Desktop Entry]\nType=Application\nExec=/home/alex/.x/agent\n"
    (entry,) = parse_desktop_entry(text, f"{USER_AUTOSTART}/agent.desktop")
    assert (entry.name, entry.target) == ("agent.desktop", "/home/alex/.x/agent")


def test_desktop_entry_hostile_name() -> None:
    text = "[Desktop Entry]\nType=Application\nName=<script>alert(1)</script>\u202egpj.exe\x1b[2J" + "A" * 10_000
    text += "\nExec=/home/alex/.x/agent\n"
    (entry,) = parse_desktop_entry(text, f"{USER_AUTOSTART}/agent.desktop")
    assert len(entry.name) == 200
    assert entry.name.startswith("<script>alert(1)</script>gpj.exe[2J")
    assert not any(ord(c) < 32 or c == "\u202e" for c in entry.name)


def test_file_without_desktop_entry_group() -> None:
    assert parse_desktop_entry("[Other]\nExec=/usr/bin/x\n", f"{USER_AUTOSTART}/x.desktop") == []


def test_autostart_script() -> None:
    path = "/home/alex/.config/autostart-scripts/start-agent.sh"
    assert parse_autostart_script(path) == [
        AutostartEntry(mechanism="xdg", name="start-agent.sh", command=path, target=path, location=path)
    ]


# effective_xdg ---------------------------------------------------------------------------------------


def test_user_hidden_file_hides_the_system_file() -> None:
    entries = (
        desktop("etc-xdg-autostart", "org.gnome.Evolution-alarm-notify.desktop", SYSTEM_AUTOSTART, "system")
        + desktop("etc-xdg-autostart", "gnome-keyring-ssh.desktop", SYSTEM_AUTOSTART, "system")
        + desktop("config-autostart", "org.gnome.Evolution-alarm-notify.desktop", USER_AUTOSTART, "user")
        + desktop("config-autostart", "sync-helper.desktop", USER_AUTOSTART, "user")
    )
    # The user file comes first in the collector's order; it must still win.
    effective = effective_xdg(entries[2:] + entries[:2])
    by_location = {e.location: e for e in effective}
    assert set(by_location) == {
        f"{USER_AUTOSTART}/org.gnome.Evolution-alarm-notify.desktop",
        f"{SYSTEM_AUTOSTART}/gnome-keyring-ssh.desktop",
        f"{USER_AUTOSTART}/sync-helper.desktop",
    }
    assert by_location[f"{USER_AUTOSTART}/org.gnome.Evolution-alarm-notify.desktop"].enabled is False
    assert {e.location for e in effective if e.enabled} == {
        f"{SYSTEM_AUTOSTART}/gnome-keyring-ssh.desktop",
        f"{USER_AUTOSTART}/sync-helper.desktop",
    }


def test_first_xdg_config_dir_wins() -> None:
    # XDG_CONFIG_DIRS=/etc/xdg/xdg-ubuntu:/etc/xdg, read by the collector in that order.
    ubuntu = desktop("etc-xdg-ubuntu-autostart", "gnome-keyring-ssh.desktop", UBUNTU_AUTOSTART, "system")
    plain = desktop("etc-xdg-autostart", "gnome-keyring-ssh.desktop", SYSTEM_AUTOSTART, "system")
    (entry,) = effective_xdg(ubuntu + plain)
    assert entry.location == f"{UBUNTU_AUTOSTART}/gnome-keyring-ssh.desktop"


# systemd user units ----------------------------------------------------------------------------------


def test_systemd_unit_simple() -> None:
    assert parse_systemd_unit(read("systemd-user", "syncthing.service"), f"{USER_UNITS}/syncthing.service", True) == [
        AutostartEntry(
            mechanism="systemd-user",
            name="Syncthing - Open Source Continuous File Synchronization",
            command="/usr/bin/syncthing serve --no-browser --no-restart --logflags=0",
            target="/usr/bin/syncthing",
            location=f"{USER_UNITS}/syncthing.service",
            scope="user",
            enabled=True,
        )
    ]


def test_systemd_unit_several_exec_start_with_prefixes() -> None:
    entries = parse_systemd_unit(
        read("systemd-user", "session-helper.service"), f"{USER_UNITS}/session-helper.service", False
    )
    assert [(e.command, e.target) for e in entries] == [
        ("-/usr/bin/helper-setup --quiet", "/usr/bin/helper-setup"),
        ("@/home/alex/.local/bin/helper helper-daemon --fork", "/home/alex/.local/bin/helper"),
        ("!/usr/local/bin/privileged-thing --once", "/usr/local/bin/privileged-thing"),
    ]
    assert {(e.name, e.enabled, e.scope, e.mechanism) for e in entries} == {
        ("Session helper", False, "user", "systemd-user")
    }


def test_systemd_unit_without_exec_start() -> None:
    assert parse_systemd_unit(read("systemd-user", "no-exec.service"), f"{USER_UNITS}/no-exec.service", True) == []


def test_systemd_unit_through_the_parse_table() -> None:
    path = "/etc/systemd/user/syncthing.service"
    artifact = Artifact.make(
        "systemd_user_unit",
        f"file:{path}",
        read("systemd-user", "syncthing.service"),
        name=f"systemd_user_unit:{path}",
        meta={"path": path, "scope": "system", "enabled": "no"},
    )
    (entry,) = parse_artifact(artifact)
    assert (entry.location, entry.scope, entry.enabled, entry.artifact) == (
        path,
        "system",
        False,
        f"systemd_user_unit:{path}",
    )


def test_systemd_empty_exec_start_resets() -> None:
    text = "[Unit]\nDescription=Agent\n[Service]\nExecStart=/usr/bin/true\nExecStart=\nExecStart=/home/alex/.x/agent\n"
    entries = parse_systemd_unit(text, f"{USER_UNITS}/agent.service", True)
    assert [e.target for e in entries] == ["/home/alex/.x/agent"]


def test_systemd_line_continuation() -> None:
    text = (
        "[Unit]\nDescription=Watcher\n\n[Service]\n"
        "ExecStart=/usr/bin/python3 -u \\\n"
        "    /home/alex/.local/share/.watch/agent.py --upload=https://203.0.113.7/api\n"
        "Restart=always\n"
    )
    (entry,) = parse_systemd_unit(text, f"{USER_UNITS}/watch.service", True)
    assert entry.command.split() == [
        "/usr/bin/python3",
        "-u",
        "/home/alex/.local/share/.watch/agent.py",
        "--upload=https://203.0.113.7/api",
    ]


# crontab ---------------------------------------------------------------------------------------------


def test_crontab() -> None:
    entries = parse_crontab(read("crontab.txt"))
    assert [(e.name, e.command, e.target) for e in entries] == [
        ("@reboot /home/u/bin/s.sh", "/home/u/bin/s.sh", "/home/u/bin/s.sh"),
        (
            "*/15 * * * * /usr/bin/flock -n /tmp/sync.lock /home/u/.local/bin/sync --quiet >/dev/null 2>&1",
            "/usr/bin/flock -n /tmp/sync.lock /home/u/.local/bin/sync --quiet >/dev/null 2>&1",
            "/usr/bin/flock",
        ),
        (
            "0 3 * * 1-5 env LANG=C /home/u/bin/backup.sh --full",
            "env LANG=C /home/u/bin/backup.sh --full",
            "/home/u/bin/backup.sh",
        ),
        ('@hourly "/home/u/My Scripts/upload.sh"', '"/home/u/My Scripts/upload.sh"', "/home/u/My Scripts/upload.sh"),
    ]
    assert {(e.mechanism, e.location, e.scope, e.enabled) for e in entries} == {("crontab", "crontab -l", "user", True)}


def test_crontab_only_comments_and_environment() -> None:
    text = '# m h  dom mon dow   command\nSHELL=/bin/sh\nMAILTO=""\n\n'
    assert parse_crontab(text) == []
