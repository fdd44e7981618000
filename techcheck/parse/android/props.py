"""``getprop``: system properties, one ``[key]: [value]`` per line (every Android version).

Values may be empty (``[]``), may contain spaces and ``]``, and (rarely) run over several lines; the
key ends at the first ``]: [`` and the value at the last ``]``. ``ro.build.version.release_or_codename``
exists only from Android 11, ``ro.build.version.security_patch`` from 6.
"""

from __future__ import annotations

from techcheck.parse.android.common import check_head, int_or_none, split_lines
from techcheck.parse.android.records import AndroidProps
from techcheck.parse.records import ParseError
from techcheck.text import LINE_LIMIT, clip

_SEPARATOR = "]: ["
MAX_PROPERTIES = 10_000  # a phone has about 1,000


def getprop_dict(text: str) -> dict[str, str]:
    """Every property as printed (keys and values clipped). Raises ParseError when none can be read."""
    lines = split_lines(text)
    check_head(lines, "getprop")
    props: dict[str, str] = {}
    key, value = "", ""  # a value still open (no final "]" yet)
    for line in lines:
        if line.startswith("[") and _SEPARATOR in line:
            if key:
                props.setdefault(clip(key), clip(value, LINE_LIMIT))
            key, _, value = line[1:].partition(_SEPARATOR)
        elif key:
            value = f"{value}\n{line}"
        else:
            continue
        if value.endswith("]"):
            props.setdefault(clip(key), clip(value[:-1], LINE_LIMIT))
            key, value = "", ""
        if len(props) >= MAX_PROPERTIES:
            break
    if key:
        props.setdefault(clip(key), clip(value, LINE_LIMIT))
    if not props:
        raise ParseError("getprop: no [key]: [value] lines")
    return props


def _first(props: dict[str, str], *keys: str) -> str:
    for key in keys:
        if props.get(key):
            return clip(props[key])
    return ""


def _debuggable(value: str | None) -> bool | None:
    if value is None or value.strip() == "":
        return None
    return value.strip() == "1"


def parse_getprop(text: str) -> list[AndroidProps]:
    """One AndroidProps with the values the checks use and every property for the report."""
    props = getprop_dict(text)
    sdk = int_or_none(props.get("ro.build.version.sdk", ""))
    return [
        AndroidProps(
            model=_first(props, "ro.product.model", "ro.product.system.model", "ro.product.vendor.model"),
            manufacturer=_first(
                props, "ro.product.manufacturer", "ro.product.system.manufacturer", "ro.product.vendor.manufacturer"
            ),
            brand=_first(props, "ro.product.brand", "ro.product.system.brand", "ro.product.vendor.brand"),
            device=_first(props, "ro.product.device", "ro.product.system.device", "ro.product.vendor.device"),
            android_version=_first(props, "ro.build.version.release", "ro.build.version.release_or_codename"),
            sdk=sdk if sdk is not None and sdk >= 0 else 0,
            security_patch=_first(props, "ro.build.version.security_patch"),
            build_tags=_first(props, "ro.build.tags"),
            build_type=_first(props, "ro.build.type"),
            debuggable=_debuggable(props.get("ro.debuggable")),
            fingerprint=_first(
                props, "ro.build.fingerprint", "ro.system.build.fingerprint", "ro.vendor.build.fingerprint"
            ),
            serial=_first(props, "ro.serialno", "ro.boot.serialno"),
            properties=tuple(props.items()),
        )
    ]
