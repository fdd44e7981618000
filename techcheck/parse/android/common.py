"""Helpers shared by the Android parsers: line splitting, shell-error detection, component names, digits.

Everything here is pure and linear in the size of its input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable, Iterator
from typing import TypeVar

from techcheck.parse.records import ParseError
from techcheck.text import clip

# How many non-blank lines at the top of an output are looked at for a shell or service error. Errors
# come first (or alone); looking further would risk matching text that an app put in a dump.
HEAD_LINES = 5

# Failures that mean "this is not the output we asked for", with the message a person can act on.
_FATAL: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^(?:/system/bin/)?(?:sh|mksh)?:? ?(?:\d+: )?\S+: (?:inaccessible or )?not found$"),
        "the command does not exist on this phone",
    ),
    (re.compile(r"^\S*sh: (?:\d+: )?\S+: (?:can't execute|Permission denied)"), "the phone would not run the command"),
    (re.compile(r"^Exception occurred while executing\b"), "the phone refused the command"),
    (re.compile(r"^(?:Security exception|java\.lang\.SecurityException)\b"), "the phone refused the command"),
    (re.compile(r"^java\.lang\.[\w.$]*(?:Exception|Error)\b"), "the command failed on the phone"),
    (re.compile(r"^(?:cmd: )?Can't find service\b"), "the phone does not have this service"),
    (re.compile(r"^Failure calling service\b"), "the service on the phone did not answer"),
    (re.compile(r"^Permission Denial\b"), "the phone did not allow reading this"),
    (re.compile(r"^Unknown command\b"), "this Android version does not know the command"),
    (re.compile(r"^Error: "), "the command failed on the phone"),
)
_EXCEPTION_MESSAGE = re.compile(r"^(?:java\.lang\.)?\w*Exception: (.+)$")

H = TypeVar("H", bound=Hashable)

_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")
_COMPONENT_WRAPPER = re.compile(r"^ComponentInfo\{(.*)\}$")
_DURATION_PART = re.compile(r"(?<!\d)(\d+)(ms|d|h|m|s)")
_DURATION_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` without line ends or trailing spaces.

    Only ``\\n`` ends a line (a ``\\r`` before it is dropped): ``str.splitlines`` would also split on
    characters such as U+2028 that an app can put in a name, and so fake extra lines.
    """
    return [line.rstrip() for line in text.split("\n")]


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def nonblank(lines: list[str]) -> Iterator[str]:
    return (line for line in lines if line.strip())


def exception_message(lines: list[str]) -> str:
    """The message of the first ``…Exception: message`` line, clipped, or ""."""
    for line in lines:
        match = _EXCEPTION_MESSAGE.match(line.strip())
        if match:
            return clip(match.group(1))
    return ""


def check_head(lines: list[str], what: str, allow_error_lines: bool = False) -> None:
    """Raise ParseError when the first lines are a shell or service error instead of ``what``'s output.

    ``allow_error_lines`` leaves ``Error: …`` lines to the caller (``pm list packages`` mixes them in).
    """
    head = [line.strip() for line in nonblank(lines)][:HEAD_LINES]
    for line in head:
        for pattern, reason in _FATAL:
            if allow_error_lines and line.startswith("Error: "):
                continue
            if pattern.match(line):
                detail = exception_message(lines) or clip(line)
                raise ParseError(f"{what}: {reason} ({detail})")


def require_text(lines: list[str], what: str) -> None:
    if not any(line.strip() for line in lines):
        raise ParseError(f"{what}: the phone printed nothing")


def ascii_digits(text: str) -> str:
    """``text`` with every Unicode decimal digit (Persian ۰-۹, Arabic-Indic ٠-٩, …) as ASCII 0-9.

    Dates in ``dumpsys package`` and ``dumpsys appops`` come from a SimpleDateFormat in the phone's
    locale, so a Persian-locale phone prints ``۲۰۲۶-۱۰-۰۳``.
    """
    if text.isascii():
        return text
    return _NON_ASCII_DIGIT.sub(lambda m: str(unicodedata.digit(m.group(), 0)), text)


def component(text: str) -> tuple[str, str] | None:
    """``(package, pkg/full.Class)`` from ``pkg/.Cls``, ``pkg/full.Cls`` or ``ComponentInfo{pkg/…}``.

    Returns None when ``text`` is not a component. Both parts are clipped.
    """
    text = text.strip()
    wrapped = _COMPONENT_WRAPPER.match(text)
    if wrapped:
        text = wrapped.group(1).strip()
    package, slash, cls = text.partition("/")
    package, cls = package.strip(), cls.strip()
    if not slash or not package or not cls or cls == ".":
        return None
    if cls.startswith("."):
        cls = package + cls
    return clip(package), clip(f"{package}/{cls}", 400)


def duration_ms(text: str) -> int | None:
    """Milliseconds in a TimeUtils duration such as ``+22d4h22m19s762ms``, ``-4h50m23s772ms`` or ``0``.

    The sign is dropped. None when ``text`` holds no duration.
    """
    text = text.strip().lstrip("+-")
    if text == "0":
        return 0
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(int(number) * _DURATION_MS[unit] for number, unit in parts)


def unique(records: Iterable[H]) -> list[H]:
    """``records`` without repeats, in their first order."""
    seen: set[H] = set()
    out: list[H] = []
    for record in records:
        if record not in seen:
            seen.add(record)
            out.append(record)
    return out


def int_or_none(text: str) -> int | None:
    text = text.strip()
    if text.lstrip("-").isdigit() and text.isascii():
        return int(text)
    return None
