"""``settings list global`` / ``settings list secure``: one ``key=value`` per line (all versions).

A value may be empty (``key=``), ``null``, or contain ``=``; the key ends at the first ``=``.

Three secure settings list enabled components, colon-joined, each in full (``pkg/pkg.Cls``) or short
(``pkg/.Cls``) form, class names possibly with ``$``; unset prints ``null``:

- ``enabled_accessibility_services``: Settings writes the full form, AccessibilityManagerService
  re-writes the list in short form; both are seen on real phones;
- ``enabled_notification_listeners``: full form, e.g. ``…SharedNotificationListenerManager$ListenerService``;
- ``enabled_input_methods``: ``pkg/.Ime;subtype;subtype:pkg2/.Ime2`` (keyboards see everything typed).
"""

from __future__ import annotations

import re

from techcheck.parse.android.common import check_head, component, require_text, split_lines
from techcheck.parse.android.records import EnabledComponent, SettingValue
from techcheck.parse.records import ParseError
from techcheck.text import LINE_LIMIT, clip

COMPONENT_SETTINGS = {
    "enabled_accessibility_services": "accessibility",
    "enabled_notification_listeners": "notification-listener",
    "enabled_input_methods": "input-method",
}
_KEY = re.compile(r"^[\w.\-:/@]+$")
MAX_COMPONENTS = 200


def enabled_components(value: str, kind: str) -> list[EnabledComponent]:
    """The components in one colon-joined setting value (``null`` and empty give [])."""
    out: list[EnabledComponent] = []
    seen: set[str] = set()
    for part in value.split(":")[: MAX_COMPONENTS * 2]:
        part = part.split(";", 1)[0].strip()  # input methods carry ";subtype" ids
        if not part or part == "null":
            continue
        parsed = component(part)
        if parsed is None or parsed[1] in seen:
            continue
        seen.add(parsed[1])
        out.append(EnabledComponent(kind=kind, package=parsed[0], component=parsed[1]))
    return out[:MAX_COMPONENTS]


def parse_settings(text: str, namespace: str) -> list[SettingValue | EnabledComponent]:
    """A SettingValue per line, plus EnabledComponent records for the component-list settings.

    Lines without ``=`` (the tail of a value that held a line break) are skipped. Raises ParseError when
    there is no setting at all: every phone has dozens in each namespace.
    """
    lines = split_lines(text)
    require_text(lines, f"settings list {namespace}")
    check_head(lines, f"settings list {namespace}")
    namespace = clip(namespace, 20)
    values: list[SettingValue] = []
    components: list[EnabledComponent] = []
    for line in lines:
        key, eq, value = line.partition("=")
        key = key.strip()
        if not eq or not _KEY.match(key):
            continue
        values.append(SettingValue(namespace=namespace, key=clip(key), value=clip(value, LINE_LIMIT)))
        kind = COMPONENT_SETTINGS.get(key)
        if kind:
            components.extend(enabled_components(value, kind))
    if not values:
        raise ParseError(f"settings list {namespace}: no key=value lines")
    return [*values, *components]
