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


_PACKAGE = r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+"
_USER_ID = r"[0-9]{1,6}"
_SU_PATHS = (
    "/system/bin/su /system/xbin/su /sbin/su /su/bin/su /system/sd/xbin/su /data/local/su /data/local/bin/su "
    "/data/local/xbin/su /system/bin/failsafe/su /vendor/bin/su /debug_ramdisk/su"
)

# On an Android phone, each run as "shell:<command>" over adb. Every one only reads. The words are
# joined with single spaces to make the command line the phone receives.
ANDROID: dict[str, Command] = {
    "getprop": Command(("getprop",)),
    "pm-users": Command(("pm", "list", "users")),
    "pm-packages": Command(("pm", "list", "packages", "-f", "-i", "-U", "--user", "{user}"), {"user": _USER_ID}),
    # Android 7 has no -U (and prints "Error: Unknown option: -U" with exit status 0).
    "pm-packages-old": Command(("pm", "list", "packages", "-f", "-i", "--user", "{user}"), {"user": _USER_ID}),
    "pm-path": Command(("pm", "path", "{package}"), {"package": _PACKAGE}),
    "dumpsys-package": Command(("dumpsys", "package")),
    "launcher-activities": Command(
        (
            "cmd",
            "package",
            "query-activities",
            "--brief",
            "-a",
            "android.intent.action.MAIN",
            "-c",
            "android.intent.category.LAUNCHER",
        )
    ),
    "device-policy": Command(("dumpsys", "device_policy")),
    "settings-global": Command(("settings", "list", "global")),
    "settings-secure": Command(("settings", "list", "secure")),
    "connectivity": Command(("dumpsys", "connectivity")),
    "appops": Command(("dumpsys", "appops")),
    "accounts": Command(("dumpsys", "account")),
    "su-paths": Command(("ls", "-l", *_SU_PATHS.split())),
    "which-su": Command(("which", "su")),
}

# Words that change a phone or a computer. No allow-listed command may contain one, and the tests check
# that none is ever sent (the fake phone logs every command it receives).
WRITE_WORDS = (
    "install",
    "uninstall",
    "clear",
    "disable",
    "enable",
    "grant",
    "revoke",
    "put",
    "delete",
    "reset",
    "am",
    "input",
    "rm",
    "mv",
    "cp",
    "chmod",
    "chown",
    "mkdir",
    "touch",
    "dd",
    "reboot",
    "setprop",
    "kill",
    "svc",
    "wm",
    "monkey",
    "settings put",
    "pm set",
    "appops set",
)
SHELL_METACHARACTERS = (">", "<", "|", ";", "&", "`", "$(", "\n")


def command_line(table: dict[str, Command], key: str, **params: str) -> str:
    """The allow-listed command as one line, for a shell on the phone."""
    return " ".join(argv_for(table, key, **params))


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


# On an iPhone, through pymobiledevice3: lockdown requests and, per device service, the requests sent.
# Every one only reads. Two lockdown requests change the phone's list of trusted computers, and each
# needs the person: "Pair" only happens when they tap "Trust" on the iPhone, "Unpair" only when they
# accept the offer at the end of the checkup.
IOS_LOCKDOWN = frozenset({"QueryType", "GetValue", "StartSession", "StopSession", "StartService", "ValidatePair"})
IOS_WITH_CONSENT = frozenset({"Pair", "Unpair"})
IOS_SERVICES: dict[str, frozenset[str]] = {
    "com.apple.mobile.installation_proxy": frozenset({"Browse"}),
    "com.apple.mobile.MCInstall": frozenset({"GetProfileList", "GetCloudConfiguration"}),
    "com.apple.misagent": frozenset({"CopyAll"}),
    "com.apple.afc2": frozenset(),  # started only to learn whether it exists (a jailbreak sign); nothing is sent
}
# usbmuxd (on this computer): finding the phone and its pairing record. Saving a record follows a
# "Trust"; deleting one follows an accepted offer to forget this computer.
IOS_USBMUXD = frozenset({"ReadBUID", "ListDevices", "Listen", "ReadPairRecord", "Connect"})
IOS_USBMUXD_WITH_CONSENT = frozenset({"SavePairRecord", "DeletePairRecord"})


def ios_allowed(channel: str, request: str, consented: bool = False) -> bool:
    """True when ``request`` on ``channel`` ("lockdown", "usbmuxd" or a service name) may be sent."""
    if channel == "lockdown":
        return request in IOS_LOCKDOWN or (consented and request in IOS_WITH_CONSENT)
    if channel == "usbmuxd":
        return request in IOS_USBMUXD or (consented and request in IOS_USBMUXD_WITH_CONSENT)
    return request in IOS_SERVICES.get(channel, frozenset())
