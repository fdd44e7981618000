"""``pm list users``, ``pm list packages -f -i -U --user N`` and ``cmd package query-activities``.

``pm list users`` (all versions): ``Users:`` then one ``\\tUserInfo{id:name:flags} running`` per user;
the name is chosen by a person or localised and may contain ``:``; flags are hexadecimal.

``pm list packages -f -i -U --user N``: ``package:<path>=<name>  installer=<pkg|null> uid:<uid>``.
The path may contain ``=`` (``/data/app/~~abc==/<pkg>-def==/base.apk`` on 11+), so the name starts after
the last ``=`` before the options. ``uid:`` is comma-joined when one line stands for several users
(``uid:10187,1010187``, 14+). Lines come in no particular order. Android 7 has no ``-U``: it prints
``Error: Unknown option: -U`` on stdout with exit status 0 (→ :class:`PmOptionUnsupported`), and the
collector asks again without ``-U`` (lines then have no ``uid:``). A profile the shell may not read
prints ``Error: java.lang.SecurityException: Shell does not have permission to access user 10``, mixed
into the list on recent versions.

``cmd package query-activities --brief -a MAIN -c LAUNCHER`` (7.0+, from AOSP source): ``N activities
found:``, then per match ``  Activity #i:``, ``    priority=… preferredOrder=… match=0x… …`` and the
component in short form; ``No activities found`` when nothing matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from techcheck.parse.android.common import check_head, component, exception_message, require_text, split_lines
from techcheck.parse.android.records import AndroidPackage, AndroidUser, LauncherActivity
from techcheck.parse.records import ParseError
from techcheck.text import clip, clip_path


class PmOptionUnsupported(ParseError):
    """``pm list packages`` does not know an option (``-U`` on Android 7): ask again without it."""


_USER = re.compile(r"^UserInfo\{(-?\d+):(.*):([0-9A-Fa-f]+)\}(.*)$")
_UIDS = re.compile(r"^\d+(?:,\d+)*$")
_UNKNOWN_OPTION = re.compile(r"^Error: Unknown option: (\S+)")
_PRIORITY = re.compile(r"^priority=-?\d+ ")
_COMPONENT = re.compile(r"^[\w.]+/[\w.$]+$")


# pm list users ---------------------------------------------------------------------------------------


def parse_pm_users(text: str) -> list[AndroidUser]:
    """Every user and profile listed. Raises ParseError when there is none (the command failed)."""
    lines = split_lines(text)
    check_head(lines, "pm list users")
    users: list[AndroidUser] = []
    seen: set[int] = set()
    for line in lines:
        match = _USER.match(line.strip())
        if not match or int(match.group(1)) in seen:
            continue
        user_id = int(match.group(1))
        seen.add(user_id)
        users.append(
            AndroidUser(
                id=user_id,
                name=clip(match.group(2)),
                flags=match.group(3).lower(),
                running="running" in match.group(4).split(),
            )
        )
    if not users:
        raise ParseError("pm list users: no UserInfo lines")
    return users


# pm list packages ------------------------------------------------------------------------------------


def _option(body: str, marker: str, valid: Callable[[str], bool]) -> tuple[str, str | None]:
    """Split a trailing ``<marker><value>`` off ``body`` when the value is valid: (rest, value or None)."""
    head, found, tail = body.rpartition(marker)
    tail = tail.strip()
    if found and valid(tail):
        return head, tail
    return body, None


def package_line(line: str, user: int | None = None) -> AndroidPackage | None:
    """One ``package:<path>=<name>[ versionCode:N][  installer=X][ uid:N[,N…]]`` line, or None.

    Plain string splits from the right (no backtracking regex): linear even for a hostile line.
    """
    line = line.strip()
    if not line.startswith("package:"):
        return None
    body = line.removeprefix("package:")
    body, uids = _option(body, " uid:", lambda v: bool(_UIDS.match(v)))
    body, installer = _option(body, " installer=", lambda v: bool(v) and not any(c.isspace() for c in v))
    body, _ = _option(body, " versionCode:", str.isdigit)
    path, _, name = body.strip().rpartition("=")
    name = name.strip()
    if not name:
        return None
    return AndroidPackage(
        name=clip(name),
        path=clip_path(path.strip()),
        installer="" if installer in (None, "null") else clip(installer),
        uids=tuple(int(part) for part in uids.split(",")) if uids else (),
        user=user,
    )


def parse_pm_packages(text: str, user: int | None = None) -> list[AndroidPackage]:
    """Every package line, in the order printed (which means nothing), without exact duplicates.

    Raises :class:`PmOptionUnsupported` for Android 7's ``Error: Unknown option: -U`` and ParseError when
    no package is listed: an empty list is never a real answer (every user has system apps), so it must
    not read as "no apps" (a profile the shell may not read, a command that failed).
    """
    lines = split_lines(text)
    check_head(lines, "pm list packages", allow_error_lines=True)
    packages: list[AndroidPackage] = []
    seen: set[AndroidPackage] = set()
    errors: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("Error:"):
            option = _UNKNOWN_OPTION.match(stripped)
            if option:
                raise PmOptionUnsupported(
                    f"pm list packages: this Android version does not know the option {clip(option.group(1))}"
                )
            errors.append(stripped)
            continue
        record = package_line(stripped, user) if stripped.startswith("package:") else None
        if record is not None and record not in seen:
            seen.add(record)
            packages.append(record)
    if not packages:
        who = f" for user {user}" if user is not None else ""
        if errors:
            detail = exception_message([e.removeprefix("Error: ") for e in errors]) or clip(errors[0])
            raise ParseError(f"pm list packages: the phone would not list the apps{who} ({detail})")
        raise ParseError(f"pm list packages: no package lines{who}")
    return packages


# cmd package query-activities ------------------------------------------------------------------------


def parse_launcher_activities(text: str) -> list[LauncherActivity]:
    """One LauncherActivity per component printed (``--brief`` or ``--components`` output).

    Short components (``pkg/.Cls``) are expanded to ``pkg/pkg.Cls``. ``No activities found`` gives [].
    """
    lines = split_lines(text)
    require_text(lines, "cmd package query-activities")
    check_head(lines, "cmd package query-activities")
    activities: list[LauncherActivity] = []
    seen: set[str] = set()
    recognised = False
    for line in lines:
        stripped = line.strip()
        if stripped == "No activities found" or stripped.endswith(" activities found:"):
            recognised = True
            continue
        if not _COMPONENT.match(stripped) or _PRIORITY.match(stripped):
            continue
        parsed = component(stripped)
        if parsed is None or parsed[1] in seen:
            continue
        seen.add(parsed[1])
        activities.append(LauncherActivity(package=parsed[0], component=parsed[1]))
    if not activities and not recognised:
        raise ParseError("cmd package query-activities: no activities and no 'activities found' line")
    return activities
