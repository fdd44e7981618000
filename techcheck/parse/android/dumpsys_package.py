"""``dumpsys package`` (the full dump): one PackageDetails per ``Package [name] (hash):`` block.

Only the ``Packages:`` section is read: ``Hidden system packages:`` repeats names (the factory copies of
updated system apps), and ``Queries:`` has ``User 0:`` lines that are not package state.

What each version prints inside a block (fields are matched by name, never by position):

- the app id: ``userId=10143`` up to 11, ``appId=10076`` on 14+ (12 and 13: either);
- ``codePath=``, ``versionName=``, ``flags=[ SYSTEM HAS_CODE … ]`` and ``pkgFlags=[ … ]``;
- ``firstInstallTime=`` at package level up to 13; on 14+ it moved under each ``User N:`` line (and reads
  ``1970-01-01 …`` for users that do not have the app); ``lastUpdateTime=`` at package level;
- ``installerPackageName=`` (all), ``initiatingPackageName=`` (11+);
- ``requested permissions:`` only in dumps of one package on 11+ (full dumps of 10 and older have it);
  ``install permissions:`` and, under each user, ``runtime permissions:`` with ``perm: granted=true…``;
- ``User N: ceDataInode=… installed=true … enabled=0 …`` with fields that change by version and OEM
  (``deDataInode``, ``distractionFlags``, ``restricted``, ``alive``, ``appLockEnabled``, ``quarantined``…).

Dates come from a SimpleDateFormat in the phone's locale: Persian or Arabic-Indic digits are turned
into ASCII first. One pass over the lines, constant work per line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from techcheck.parse.android.common import (
    ascii_digits,
    check_head,
    indent_of,
    int_or_none,
    require_text,
    split_lines,
)
from techcheck.parse.android.records import PackageDetails
from techcheck.parse.records import ParseError
from techcheck.text import clip, clip_path

_PACKAGE_HEADER = re.compile(r"^Package \[([^\]\s]+)\](?: \([0-9A-Fa-f]*\))?:$")
_USER_LINE = re.compile(r"^User (\d+):(.*)$")
_KEY_VALUE = re.compile(r"(?<!\w)(\w+)=(\S*)")  # starts only at a word start: linear
_GRANT = re.compile(r"^(.+?): granted=(true|false)\b")
SYSTEM_PARTITIONS = ("/system/", "/product/", "/vendor/", "/system_ext/", "/apex/", "/odm/", "/oem/")
DISABLED_STATES = frozenset({2, 3, 4})  # COMPONENT_ENABLED_STATE_DISABLED, _DISABLED_USER, _DISABLED_UNTIL_USED
_PERMISSION_LIMIT = 300


@dataclass
class _User:
    installed: bool = False
    enabled: int | None = None
    first_install: str = ""


@dataclass
class _Block:
    """One ``Package [name]`` block while it is being read."""

    name: str
    indent: int
    app_id: int | None = None
    installer: str = ""
    initiating: str = ""
    version_name: str = ""
    system: bool = False
    code_path: str = ""
    first_install: str = ""
    last_update: str = ""
    requested: dict[str, None] = field(default_factory=dict)  # ordered sets
    granted: dict[str, None] = field(default_factory=dict)
    users: dict[int, _User] = field(default_factory=dict)
    sub: tuple[str, int] | None = None  # the "xxx:" list being read and its indent
    user: tuple[int, int] | None = None  # the "User N:" being read and its indent

    def feed(self, text: str, indent: int) -> None:
        if self.sub is not None and indent > self.sub[1]:
            self._sub_entry(self.sub[0], text)
            return
        self.sub = None
        if self.user is not None and indent <= self.user[1]:
            self.user = None
        user_line = _USER_LINE.match(text)
        if user_line:
            self._user_line(int(user_line.group(1)), user_line.group(2), indent)
        elif text.endswith(":") and "=" not in text:
            self.sub = (text[:-1].strip(), indent)
        elif self.user is not None:
            self._user_field(text)
        else:
            self._field(text)

    def _sub_entry(self, name: str, text: str) -> None:
        if name == "requested permissions" and len(self.requested) < _PERMISSION_LIMIT:
            self.requested.setdefault(clip(text.split(":", 1)[0].strip()))
        elif name in ("install permissions", "runtime permissions") and len(self.granted) < _PERMISSION_LIMIT:
            grant = _GRANT.match(text)
            if grant and grant.group(2) == "true":
                self.granted.setdefault(clip(grant.group(1).strip()))
        elif name == "grantedPermissions" and len(self.granted) < _PERMISSION_LIMIT:  # Android 5 and older
            self.granted.setdefault(clip(text))

    def _user_line(self, user_id: int, rest: str, indent: int) -> None:
        fields = dict(_KEY_VALUE.findall(rest))
        state = self.users.setdefault(user_id, _User())
        state.installed = fields.get("installed") == "true"
        state.enabled = int_or_none(fields.get("enabled", ""))
        self.user = (user_id, indent)

    def _user_field(self, text: str) -> None:
        key, _, value = text.partition("=")
        if key == "firstInstallTime" and self.user is not None:
            self.users[self.user[0]].first_install = clip(value.strip())

    def _field(self, text: str) -> None:
        key, eq, value = text.partition("=")
        if not eq:
            return
        value = value.strip()
        if key in ("userId", "appId") and self.app_id is None:
            self.app_id = int_or_none(value)
        elif key == "installerPackageName":
            self.installer = "" if value == "null" else clip(value)
        elif key == "initiatingPackageName":
            self.initiating = "" if value == "null" else clip(value)
        elif key == "versionName":
            self.version_name = clip(value)
        elif key == "codePath":
            self.code_path = clip_path(value)
            self.system = self.system or (value + "/").startswith(SYSTEM_PARTITIONS)
        elif key in ("flags", "pkgFlags"):
            self.system = self.system or "SYSTEM" in value.strip("[]").split()
        elif key == "firstInstallTime":
            self.first_install = clip(value)
        elif key == "lastUpdateTime":
            self.last_update = clip(value)

    def primary_user(self) -> _User | None:
        """User 0 when listed, else the first user listed."""
        if 0 in self.users:
            return self.users[0]
        return next(iter(self.users.values()), None)

    def first_install_time(self) -> str:
        """Package level (≤ 13); else the first user that has the app (14+), the primary user first."""
        if self.first_install:
            return self.first_install
        primary = self.primary_user()
        ordered = ([primary] if primary else []) + list(self.users.values())
        for state in ordered:
            if state.installed and state.first_install:
                return state.first_install
        return next((s.first_install for s in ordered if s.first_install), "")

    def record(self) -> PackageDetails:
        primary = self.primary_user()
        enabled = primary is None or primary.enabled not in DISABLED_STATES
        return PackageDetails(
            name=clip(self.name),
            app_id=self.app_id,
            installer=self.installer,
            initiating_installer=self.initiating,
            version_name=self.version_name,
            system=self.system,
            code_path=self.code_path,
            first_install=self.first_install_time(),
            last_update=self.last_update,
            requested=tuple(self.requested),
            granted=tuple(self.granted),
            enabled=enabled,
            installed_users=tuple(uid for uid, state in self.users.items() if state.installed),
        )


def _next_indent(lines: list[str], start: int) -> int:
    """The indent of the first non-blank line after ``start`` (0 at the end)."""
    for index in range(start + 1, len(lines)):  # stops at the first non-blank line: linear overall
        if lines[index].strip():
            return indent_of(lines[index])
    return 0


class _Reader:
    """The ``Packages:`` section, line by line."""

    def __init__(self) -> None:
        self.in_section = False
        self.found_section = False
        self.block: _Block | None = None
        self.packages: dict[str, PackageDetails] = {}

    def finish(self) -> None:
        if self.block is not None:
            self.packages.setdefault(self.block.name, self.block.record())
            self.block = None

    def column_zero(self, text: str, lines: list[str], index: int) -> None:
        if text == "Packages:":
            self.finish()
            self.in_section = self.found_section = True
            return
        if self.block is not None and _next_indent(lines, index) > self.block.indent:
            # The package's fields go on: this line is the tail of a value that held a line break (an
            # app can put one in its versionName), not a new section. Do not let it end the list.
            return
        self.finish()
        self.in_section = False

    def line(self, text: str, indent: int) -> None:
        if self.block is not None and indent <= self.block.indent:
            self.finish()
        header = _PACKAGE_HEADER.match(text)
        if header and self.block is None:
            self.block = _Block(name=header.group(1), indent=indent)
        elif self.block is not None:
            self.block.feed(text, indent)


def parse_dumpsys_package(text: str) -> list[PackageDetails]:
    """One PackageDetails per package of the ``Packages:`` section, in the order printed.

    Raises ParseError when the output has no ``Packages:`` section (not a package dump, or cut short).
    """
    lines = split_lines(ascii_digits(text))
    require_text(lines, "dumpsys package")
    check_head(lines, "dumpsys package")
    reader = _Reader()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        indent = indent_of(line)
        if indent == 0:
            reader.column_zero(stripped, lines, index)
        elif reader.in_section:
            reader.line(stripped, indent)
    reader.finish()
    if not reader.found_section:
        raise ParseError("dumpsys package: no 'Packages:' section")
    return list(reader.packages.values())
