"""Parsers for what an Android phone prints for the allow-listed adb shell commands.

Each parser is a pure function of the command's text. Output that cannot be what was asked for (a shell
error, ``Exception occurred while executing``, a missing service, Android 7's ``Error: Unknown option``)
raises ParseError, which the parse stage turns into a "could not check" entry. ``PARSERS`` maps each
artifact kind to its parser; the parse stage fills in the records' ``artifact`` field.
"""

from __future__ import annotations

from collections.abc import Callable

from techcheck.model import Artifact
from techcheck.parse.android.accounts import parse_accounts
from techcheck.parse.android.appops import parse_appops
from techcheck.parse.android.connectivity import parse_connectivity
from techcheck.parse.android.device_policy import parse_device_policy
from techcheck.parse.android.dumpsys_package import parse_dumpsys_package
from techcheck.parse.android.packages import (
    PmOptionUnsupported,
    parse_launcher_activities,
    parse_pm_packages,
    parse_pm_users,
)
from techcheck.parse.android.props import getprop_dict, parse_getprop
from techcheck.parse.android.root import parse_su_paths, parse_which_su
from techcheck.parse.android.settings import enabled_components, parse_settings

__all__ = [
    "PARSERS",
    "PmOptionUnsupported",
    "enabled_components",
    "getprop_dict",
    "parse_accounts",
    "parse_appops",
    "parse_connectivity",
    "parse_device_policy",
    "parse_dumpsys_package",
    "parse_getprop",
    "parse_launcher_activities",
    "parse_pm_packages",
    "parse_pm_users",
    "parse_settings",
    "parse_su_paths",
    "parse_which_su",
]


def _user(a: Artifact) -> int | None:
    value = str(a.meta.get("user", "")).strip()
    return int(value) if value.isdigit() and value.isascii() else None


PARSERS: dict[str, Callable[[Artifact], list]] = {
    "getprop": lambda a: parse_getprop(a.text),
    "pm_users": lambda a: parse_pm_users(a.text),
    "pm_packages": lambda a: parse_pm_packages(a.text, _user(a)),
    "dumpsys_package": lambda a: parse_dumpsys_package(a.text),
    "launcher_activities": lambda a: parse_launcher_activities(a.text),
    "device_policy": lambda a: parse_device_policy(a.text),
    "settings": lambda a: parse_settings(a.text, str(a.meta.get("namespace", ""))),
    "connectivity": lambda a: parse_connectivity(a.text),
    "appops": lambda a: parse_appops(a.text),
    "accounts": lambda a: parse_accounts(a.text),
    "su_paths": lambda a: parse_su_paths(a.text),
    "which_su": lambda a: parse_which_su(a.text),
}
