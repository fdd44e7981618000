"""Making text from a device safe to keep: bounded length, no control characters.

Everything a device reports (process names, app names, account names, paths) may have been chosen by
someone else. It is clipped here when it is parsed; HTML escaping happens in the renderers.
"""

from __future__ import annotations

import re

NAME_LIMIT = 200
PATH_LIMIT = 1024
LINE_LIMIT = 2048

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clip(value: object, limit: int = NAME_LIMIT) -> str:
    """Return ``value`` as a single-line string without control characters, at most ``limit`` long.

    Bidirectional overrides and zero-width characters are removed too: they can make a name look
    like another one.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _CONTROL.sub("", text.replace("\n", " ").replace("\t", " "))
    if len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def clip_path(value: object) -> str:
    return clip(value, PATH_LIMIT)


def clip_line(value: object) -> str:
    return clip(value, LINE_LIMIT)
