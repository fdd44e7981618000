"""``dumpsys appops``: location app-ops (COARSE/FINE/MONITOR/MONITOR_HIGH_POWER_LOCATION) per package.

Layout (all versions): ``  Uid u0a103:`` (or ``Uid 1000:``), its ``state=``/``capability=`` lines, then
uid-level modes ``      COARSE_LOCATION: mode=ignore``, then ``    Package <name>:`` blocks of ops.

- 7–8: ``      COARSE_LOCATION: mode=0; time=+2m33s ago; duration=+1ms`` (mode is a number on 7,
  a name on 8); only how long ago, no date.
- 9+: ``      FINE_LOCATION (allow):`` or ``(allow / switch COARSE_LOCATION=allow)``, a trailing space
  on some phones (Sunmi 11), then ``Access:`` / ``Reject:`` lines with a state tag and a date:
  ``Access: [bg-tpd] 2022-03-07 18:05:34.325 (-22d4h22m19s762ms)``; ``Reject: [fg-s]2021-…`` has no
  space after the tag. On 11+ entries may sit inside attribution wrappers ``null=[`` … ``]``.

A uid-level mode decides over the package's own (AppOpsService checks the uid mode first), so the
mode reported is the uid-level one when there is one. The date is in the phone's locale: digits are
turned to ASCII. An access in state ``bg`` or ``cch`` (cached) counts as background.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from techcheck.parse.android.common import ascii_digits, check_head, duration_ms, indent_of, require_text, split_lines
from techcheck.parse.android.records import LocationAccess
from techcheck.parse.records import ParseError
from techcheck.text import clip

LOCATION_OPS = frozenset({"COARSE_LOCATION", "FINE_LOCATION", "MONITOR_LOCATION", "MONITOR_HIGH_POWER_LOCATION"})
BACKGROUND_STATES = frozenset({"bg", "cch"})
_NUMERIC_MODES = {"0": "allow", "1": "ignore", "2": "deny", "3": "default", "4": "foreground"}

_UID = re.compile(r"^Uid (\S+):$")
_PACKAGE = re.compile(r"^Package (\S+):$")
_OP_PAREN = re.compile(r"^([A-Z][A-Z0-9_]*) \(([^)]*)\):")
_OP_MODE = re.compile(r"^([A-Z][A-Z0-9_]*): mode=([\w-]+)(.*)$")
_ACCESS = re.compile(
    r"^Access:\s*(?:\[(?P<tag>[^\]]*)\]\s*|(?P<state>[a-z]+)\s*=\s*)?"
    r"(?P<date>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?P<ms>\.\d+)?(?:\s*\((?P<ago>[-+]?[\dhmsd]+)\))?"
)
_TIME_AGO = re.compile(r"; time=([-+]?[\dhmsd]+) ago")


def _mode(text: str) -> str:
    """``allow`` from ``allow``, ``allow / switch COARSE_LOCATION=allow``, ``0`` (Android 7)…"""
    word = text.strip().split(" ", 1)[0].split("/", 1)[0].strip()
    return _NUMERIC_MODES.get(word, clip(word, 20))


@dataclass
class _Op:
    name: str
    mode: str
    when: str = ""  # latest Access date, seconds precision
    when_full: str = ""  # with milliseconds, to compare
    state: str = ""
    ago: int | None = None

    def access(self, stamp: str, full: str, state: str, ago: int | None) -> None:
        """Keep this access when it is the latest: by date (9+), else by how long ago (7–8)."""
        if full:
            newer = full > self.when_full
        else:
            newer = not self.when_full and ago is not None and (self.ago is None or ago < self.ago)
        if newer:
            self.when, self.when_full, self.state, self.ago = stamp, full, state, ago


@dataclass
class _Uid:
    modes: dict[str, str] = field(default_factory=dict)  # uid-level location modes
    packages: dict[str, dict[str, _Op]] = field(default_factory=dict)

    def records(self) -> list[LocationAccess]:
        out: list[LocationAccess] = []
        for package, ops in self.packages.items():
            for name in sorted(LOCATION_OPS & (set(ops) | set(self.modes))):
                op = ops.get(name) or _Op(name, self.modes[name])
                out.append(
                    LocationAccess(
                        package=clip(package),
                        op=name,
                        mode=self.modes.get(name, op.mode),
                        last_access=op.when,
                        background=op.state.split("-", 1)[0].strip() in BACKGROUND_STATES,
                        ago_ms=op.ago,
                    )
                )
        return out


class _Reader:
    def __init__(self) -> None:
        self.uid: _Uid | None = None
        self.uid_indent = 0
        self.package: dict[str, _Op] | None = None
        self.op: _Op | None = None
        self.found = False
        self.out: list[LocationAccess] = []

    def end_uid(self) -> None:
        if self.uid is not None:
            self.out.extend(self.uid.records())
        self.uid, self.package, self.op = None, None, None

    def line(self, text: str, indent: int) -> None:
        uid = _UID.match(text)
        if uid:
            self.end_uid()
            self.uid, self.uid_indent, self.found = _Uid(), indent, True
            return
        if self.uid is None:
            return
        if indent <= self.uid_indent:  # the next section ("User restrictions for token …:", …)
            self.end_uid()
            return
        package = _PACKAGE.match(text)
        if package:
            self.package = self.uid.packages.setdefault(package.group(1), {})
            self.op = None
            return
        self._op_or_entry(text)

    def _op_or_entry(self, text: str) -> None:
        paren = _OP_PAREN.match(text)
        plain = None if paren else _OP_MODE.match(text)
        if paren or plain:
            name, mode = (paren or plain).group(1), _mode((paren or plain).group(2))
            if self.package is None:  # uid-level mode, before the packages
                if name in LOCATION_OPS and self.uid is not None:
                    self.uid.modes[name] = mode
                self.op = None
                return
            self.op = self.package.setdefault(name, _Op(name, mode)) if name in LOCATION_OPS else None
            if self.op is not None and plain:
                ago = _TIME_AGO.search(plain.group(3))
                if ago:
                    self.op.access("", "", "", duration_ms(ago.group(1)))
            return
        if self.op is None:
            return
        access = _ACCESS.match(text)  # "Reject:" lines are refused attempts: not an access
        if access:
            stamp = access.group("date")
            state = access.group("tag") or access.group("state") or ""
            self.op.access(stamp, stamp + (access.group("ms") or ""), state, duration_ms(access.group("ago") or ""))


def parse_appops(text: str) -> list[LocationAccess]:
    """One LocationAccess per location op of each package (uid-level modes apply to all its packages).

    Raises ParseError when the output is not an app-ops dump.
    """
    lines = split_lines(ascii_digits(text))
    require_text(lines, "dumpsys appops")
    check_head(lines, "dumpsys appops")
    reader = _Reader()
    for line in lines:
        stripped = line.strip()
        if stripped:
            reader.line(stripped, indent_of(line))
    reader.end_uid()
    if not reader.found and not any("AppOps" in line for line in lines[:20]):
        raise ParseError("dumpsys appops: not an app-ops dump")
    return reader.out
