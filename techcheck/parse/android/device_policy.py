"""``dumpsys device_policy``: enabled device admins, the device owner and profile owners.

Real captures (11, 12, 15/16) and AOSP source agree on these parts:

- ``Enabled Device Admins (User N, provisioningState: S):`` then one ``    pkg/.Cls:`` line per admin
  (short component form) followed by its deeper ``uid=``, ``policies:`` … lines;
- ``Device Owner: `` (trailing space on 11) then ``admin=ComponentInfo{pkg/full.Cls}``, ``name=``,
  ``package=``, (11+) ``isOrganizationOwnedDevice=``, ``User ID: N``;
- ``Profile Owner (User N): `` with the same body but no ``User ID:`` (AOSP source; no real capture).

11 starts with ``Current Device Policy Manager state:``; 12+ with ``Immutable state:``. Blank lines hold
the current indent; field lists change with every release; indentation of sections is not stable
(``Encryption Status`` at column 0 on a 2026 Pixel). Everything is matched by name, and a section ends
at the first non-blank line that is not indented deeper than its header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from techcheck.parse.android.common import check_head, component, indent_of, require_text, split_lines, unique
from techcheck.parse.android.records import DeviceAdmin
from techcheck.parse.records import ParseError
from techcheck.text import clip

_ADMINS = re.compile(r"^Enabled Device Admins \(User (\d+)(?:, provisioningState: -?\d+)?\):$")
_DEVICE_OWNER = re.compile(r"^Device Owner:$")
_PROFILE_OWNER = re.compile(r"^Profile Owner \(User (\d+)\):$")
_ADMIN_LINE = re.compile(r"^([\w.]+/[\w.$]+):$")
_OWNER_ADMIN = re.compile(r"^admin=(ComponentInfo\{.*\}|\S+/\S+)$")
_OWNER_USER = re.compile(r"^User ID: (\d+)$")
_MARKERS = ("Device Policy Manager", "Enabled Device Admins", "Immutable state", "mHasFeature", "Owner")


@dataclass
class _Section:
    kind: str  # admins | device-owner | profile-owner
    indent: int
    user: int
    child_indent: int | None = None
    component: tuple[str, str] | None = None  # owners: from admin=
    package: str = ""  # owners: from package=


def _owner(section: _Section) -> DeviceAdmin | None:
    if section.component is not None:
        package, full = section.component
    elif section.package:
        package, full = section.package, ""
    else:
        return None
    return DeviceAdmin(package=package, component=full, role=section.kind, user=section.user)


def _header(text: str, indent: int) -> _Section | None:
    admins = _ADMINS.match(text)
    if admins:
        return _Section("admins", indent, int(admins.group(1)))
    if _DEVICE_OWNER.match(text):
        return _Section("device-owner", indent, 0)
    profile = _PROFILE_OWNER.match(text)
    if profile:
        return _Section("profile-owner", indent, int(profile.group(1)))
    return None


def _feed(section: _Section, text: str, indent: int, out: list[DeviceAdmin]) -> None:
    if section.child_indent is None:
        section.child_indent = indent
    if section.kind == "admins":
        admin = _ADMIN_LINE.match(text) if indent == section.child_indent else None
        parsed = component(admin.group(1)) if admin else None
        if parsed is not None:
            out.append(DeviceAdmin(package=parsed[0], component=parsed[1], role="admin", user=section.user))
        return
    owner_admin = _OWNER_ADMIN.match(text)
    owner_user = _OWNER_USER.match(text)
    if owner_admin and section.component is None:
        section.component = component(owner_admin.group(1))
    elif text.startswith("package=") and not section.package:
        section.package = clip(text.removeprefix("package=").strip())
    elif owner_user:
        section.user = int(owner_user.group(1))


def parse_device_policy(text: str) -> list[DeviceAdmin]:
    """Admins (role ``admin``), the device owner and profile owners, components in full form.

    The device owner is also an enabled admin, so it appears twice (once per role). Raises ParseError
    when the output is not a device-policy dump.
    """
    lines = split_lines(text)
    require_text(lines, "dumpsys device_policy")
    check_head(lines, "dumpsys device_policy")
    if not any(marker in line for line in lines for marker in _MARKERS):
        raise ParseError("dumpsys device_policy: not a device policy dump")
    out: list[DeviceAdmin] = []
    section: _Section | None = None
    for line in lines:
        text = line.strip()
        if not text:
            continue
        indent = indent_of(line)
        if section is not None and indent > section.indent:
            _feed(section, text, indent, out)
            continue
        if section is not None and section.kind != "admins":
            owner = _owner(section)
            if owner is not None:
                out.append(owner)
        section = _header(text, indent)
    if section is not None and section.kind != "admins":
        owner = _owner(section)
        if owner is not None:
            out.append(owner)
    return unique(out)
