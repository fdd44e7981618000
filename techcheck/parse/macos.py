"""macOS artifacts: launchd property lists (launch agents and daemons) and the output of ``last``."""

from __future__ import annotations

import plistlib
import re
import shlex
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from techcheck.model import Artifact
from techcheck.parse.logins import MAX_EVENTS, is_remote_host
from techcheck.parse.records import AutostartEntry, LoginEvent, ParseError
from techcheck.text import clip, clip_line, clip_path

MAX_PLIST = 1024 * 1024  # launchd plists are a few kB; a larger one is not read
MAX_ARGUMENTS = 256


# launchd -------------------------------------------------------------------------------------------


def load_plist(raw: bytes, what: str) -> dict[str, Any]:
    """A binary or XML property list whose top level is a dictionary.

    plistlib refuses XML entity declarations, so an "XML bomb" cannot expand; anything it cannot read
    (including a recursion that is too deep) becomes a ParseError.
    """
    if len(raw) > MAX_PLIST:
        raise ParseError(f"{what}: too large to be a property list ({len(raw)} bytes)")
    try:
        data = plistlib.loads(raw)
    except Exception as exc:  # noqa: BLE001 - plistlib raises many types for broken input
        raise ParseError(f"{what}: not a readable property list ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ParseError(f"{what}: the property list is not a dictionary")
    return data


def _keep_alive(value: object) -> bool:
    """``KeepAlive`` is true, or a dictionary of conditions (launchd then starts the job by itself,
    and ``SuccessfulExit`` even implies ``RunAtLoad``); an empty dictionary asks for nothing."""
    return value is True or (isinstance(value, dict) and bool(value))


def launchd_auto_runs(keys: dict[str, Any]) -> bool:
    """KnockKnock's rule for a launch item that runs without being asked (keys lower-cased).

    ``Disabled`` wins. Then ``RunAtLoad`` or ``KeepAlive``; then a schedule (``StartInterval``,
    ``StartCalendarInterval``); then the legacy ``OnDemand=false`` when neither of the first two is set.
    """
    if keys.get("disabled") is True:
        return False
    if keys.get("runatload") is True or _keep_alive(keys.get("keepalive")):
        return True
    if "startinterval" in keys or "startcalendarinterval" in keys:
        return True
    return "runatload" not in keys and "keepalive" not in keys and keys.get("ondemand") is False


def _arguments(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(part) for part in value[:MAX_ARGUMENTS] if isinstance(part, (str, int, float))]


def parse_launchd_plist(raw: bytes, path: str, scope: str = "user") -> list[AutostartEntry]:
    """One launch agent or daemon. A plist without a program (``Program``/``ProgramArguments``) gives
    nothing: launchd will not load it."""
    keys = {str(k).lower(): v for k, v in load_plist(raw, path or "launchd plist").items()}
    program = keys.get("program") if isinstance(keys.get("program"), str) else ""
    arguments = _arguments(keys.get("programarguments"))
    if not program and not arguments:
        return []
    label = keys.get("label") if isinstance(keys.get("label"), str) else ""
    return [
        AutostartEntry(
            mechanism="launchd",
            name=clip(label or path.rsplit("/", 1)[-1].removesuffix(".plist")),
            command=clip_line(shlex.join(arguments) if arguments else program),
            target=clip_path(program or arguments[0]),
            location=clip_path(path),
            scope=scope if scope in ("user", "system") else "system",
            enabled=launchd_auto_runs(keys),
        )
    ]


# last ----------------------------------------------------------------------------------------------

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LAST_LINE = re.compile(
    r"^(?P<user>\S+)\s+(?P<tty>\S+)\s+(?:(?P<host>\S+)\s+)?"
    rf"(?P<wday>{'|'.join(_WEEKDAYS)}) (?P<mon>{'|'.join(_MONTHS)}) +"
    r"(?P<day>\d{1,2}) (?P<time>\d{2}:\d{2})"
)
# Lines that mark the computer starting or stopping, or its clock being set, not a login: Apple's
# ``reboot    ~`` and ``shutdown  ~``; FreeBSD's ``boot time``, ``shutdown time``, ``old time``, ``new time``.
NOT_LOGINS = re.compile(r"^(?:(?:reboot|shutdown)\s+~|(?:boot|reboot|shutdown|old|new) time\s)")
_BEGINS = re.compile(r"^\S+ begins ")  # the last line: "wtmp begins …" (macOS), "utx.log begins …" (FreeBSD)
YEARS_BACK = 8  # how far back a date without a year is looked for


def _collected_day(collected: str) -> date:
    try:
        return datetime.fromisoformat(collected.replace("Z", "+00:00")).date()
    except ValueError:
        return date.today()


def infer_date(month: int, day: int, weekday: int, not_after: date) -> date | None:
    """``last`` prints no year: the newest date not after ``not_after`` that falls on the printed
    weekday. The output runs newest first, so each line's date bounds the next one."""
    for year in range(not_after.year, not_after.year - YEARS_BACK, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:  # 29 February in a year without one
            continue
        if candidate <= not_after and candidate.weekday() == weekday:
            return candidate
    return None


def parse_last(text: str, collected: str = "") -> list[LoginEvent]:
    """The output of macOS ``last`` (newest first). Times are the computer's local time, without zone.

    Lines for ``reboot`` and ``shutdown`` and the closing ``wtmp begins`` line are not logins. A line
    with something in the host column came from another computer. Widths differ between macOS
    versions, so columns are found by pattern, not position.
    """
    # A day of slack: the collection time is UTC, ``last`` prints local time.
    not_after = _collected_day(collected) + timedelta(days=1)
    out: list[LoginEvent] = []
    recognised = False
    for line in text.splitlines():
        if _BEGINS.match(line) or NOT_LOGINS.match(line):
            recognised = True
            continue
        match = _LAST_LINE.match(line)
        if not match:
            continue
        recognised = True
        day = infer_date(_MONTHS.index(match["mon"]) + 1, int(match["day"]), _WEEKDAYS.index(match["wday"]), not_after)
        if day is not None:
            not_after = day
        host = clip(match["host"], 255)
        out.append(
            LoginEvent(
                user=clip(match["user"]),
                tty=clip(match["tty"], 64),
                host=host,
                time=f"{day.isoformat()}T{match['time']}:00" if day else "",
                remote=is_remote_host(host),
                source="last",
            )
        )
        if len(out) >= MAX_EVENTS:
            break
    if text.strip() and not recognised:
        raise ParseError("last: no login lines in the output")
    return out


def _meta(artifact: Artifact, key: str, default: str = "") -> str:
    return str(artifact.meta.get(key, default))


PARSERS: dict[str, Callable[[Artifact], list]] = {
    "launchd_plist": lambda a: parse_launchd_plist(a.content, _meta(a, "path"), _meta(a, "scope", "user")),
    "macos_last": lambda a: parse_last(a.text, a.collected),
}
