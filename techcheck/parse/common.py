"""Small helpers the parsers share."""

from __future__ import annotations

import json
from typing import Any

from techcheck.parse.records import ParseError

MAX_JSON_BYTES = 64 * 1024 * 1024


def load_json(raw: bytes | str, what: str) -> Any:
    if len(raw) > MAX_JSON_BYTES:
        raise ParseError(f"{what}: too large to read")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"{what}: not valid JSON ({exc})") from None


def json_list(raw: bytes | str, what: str) -> list[Any]:
    data = load_json(raw, what)
    if not isinstance(data, list):
        raise ParseError(f"{what}: expected a list")
    return data


def json_object(raw: bytes | str, what: str) -> dict[str, Any]:
    data = load_json(raw, what)
    if not isinstance(data, dict):
        raise ParseError(f"{what}: expected an object")
    return data


def dig(data: Any, *keys: str, default: Any = None) -> Any:
    """``dig(d, "a", "b")`` is ``d["a"]["b"]``, or ``default`` when any step is missing or not a dict."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    return data


def as_int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
