"""Who is signed in now, and who signed in before: utmp/psutil, logind, wtmp and wtmpdb."""

from __future__ import annotations

import ipaddress
import json
import re
import struct
from datetime import datetime, timezone

from techcheck.parse.common import as_int, json_list
from techcheck.parse.records import LoginEvent, LoginSession, ParseError
from techcheck.text import clip

MAX_EVENTS = 2000  # the newest ones; a wtmp file can hold years
_HOSTNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-:\[\]%]*$")


def iso_from_epoch(seconds: float) -> str:
    if not seconds or seconds < 0:
        return ""
    try:
        return datetime.fromtimestamp(seconds, timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return ""


_DISPLAY_SUFFIX = re.compile(r":\d+(?:\.\d+)?$")


def is_remote_host(host: str) -> bool:
    """True for a host name or address that is not this computer.

    ``:0`` and ``:1.0`` are local displays; mosh writes ``<address> via mosh [pid]``; IPv6 addresses
    may come in brackets or as IPv4-mapped (``::ffff:203.0.113.7``).
    """
    host = host.strip()
    if " via mosh" in host:
        host = host.split(" ", 1)[0]
    if not host or (host.startswith(":") and _DISPLAY_SUFFIX.fullmatch(host)):
        return False
    bare = host.strip("[]").split("%", 1)[0]
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        pass
    else:
        mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is this computer too
        return not (mapped or address).is_loopback
    if not _HOSTNAME.match(host):
        return False
    name = _DISPLAY_SUFFIX.sub("", host).lower()  # "somehost:0" is an X display on that host
    return name not in ("localhost", "localhost.localdomain", "127.0.0.1")


def parse_utmp_users(raw: bytes) -> list[LoginSession]:
    """psutil.users() as the collector saved it."""
    out = []
    for item in json_list(raw, "signed-in users"):
        if not isinstance(item, dict):
            continue
        host = clip(item.get("host"), 255)
        out.append(
            LoginSession(
                user=clip(item.get("name")),
                tty=clip(item.get("terminal"), 64),
                host=host,
                started=iso_from_epoch(float(item.get("started") or 0)),
                remote=is_remote_host(host),
                source="utmp",
            )
        )
    return out


_LOGINCTL_FOOTER = re.compile(r"^(?:\d+ sessions? listed\.|No sessions\.)$")


def parse_loginctl_list(text: str) -> list[str]:
    """Session ids from ``loginctl list-sessions`` (JSON output, or the table of older versions)."""
    text = text.strip()
    if text.startswith("["):
        try:
            return [clip(s.get("session"), 32) for s in json.loads(text) if isinstance(s, dict) and s.get("session")]
        except ValueError:
            raise ParseError("loginctl list-sessions: not valid JSON") from None
    ids = []
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0] == "SESSION" or not parts[0].isalnum() or _LOGINCTL_FOOTER.match(line.strip()):
            continue
        ids.append(clip(parts[0], 32))
    return ids


def parse_loginctl_show(text: str) -> list[LoginSession]:
    """``loginctl show-session ID``: ``Key=Value`` lines."""
    props = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    if not props.get("Name") and not props.get("User"):
        raise ParseError("loginctl show-session: no user in the output")
    host = clip(props.get("RemoteHost"), 255)
    return [
        LoginSession(
            user=clip(props.get("Name") or props.get("User")),
            tty=clip(props.get("TTY"), 64),
            host=host,
            started=_loginctl_time(props.get("Timestamp", "")),
            remote=props.get("Remote", "no") == "yes" or is_remote_host(host),
            service=clip(props.get("Service"), 64),
            source="logind",
        )
    ]


def _loginctl_time(value: str) -> str:
    """``Thu 2026-11-26 09:12:03 UTC`` → ISO (zone other than UTC kept as local-naive text)."""
    match = re.search(r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?: (\S+))?", value)
    if not match:
        return ""
    zone = match.group(3) or ""
    return f"{match.group(1)}T{match.group(2)}" + ("Z" if zone in ("UTC", "GMT") else "")


# wtmpdb's own record types (include/wtmpdb.h): not utmp's numbers.
WTMPDB_USER_PROCESS = 3

# struct utmp on Linux (glibc, 64-bit and 32-bit alike): 384 bytes.
_UTMP = struct.Struct("<hxxi32s4s32s256shhiii16s20x")
USER_PROCESS = 7


def _cstr(value: bytes) -> str:
    return value.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def parse_wtmp(raw: bytes) -> list[LoginEvent]:
    size = _UTMP.size
    if len(raw) % size:
        if len(raw) < size:
            raise ParseError("wtmp: shorter than one record")
        raw = raw[: len(raw) - len(raw) % size]  # a record being written; keep the whole ones
    out: list[LoginEvent] = []
    start = max(0, len(raw) // size - MAX_EVENTS * 4) * size
    for offset in range(start, len(raw), size):
        kind, _pid, line, _id, user, host, _t, _e, _session, seconds, _usec, _addr = _UTMP.unpack_from(raw, offset)
        if kind != USER_PROCESS:
            continue
        host_text = clip(_cstr(host), 255)
        out.append(
            LoginEvent(
                user=clip(_cstr(user)),
                tty=clip(_cstr(line), 64),
                host=host_text,
                time=iso_from_epoch(seconds),
                remote=is_remote_host(host_text),
                source="wtmp",
            )
        )
    return out[-MAX_EVENTS:]


def parse_wtmpdb(raw: bytes) -> list[LoginEvent]:
    """Rows of wtmpdb's ``wtmp`` table (Type, User, Login µs, TTY, RemoteHost, Service), as JSON.

    wtmpdb numbers its types itself: 1 boot, 2 runlevel, 3 a user's login."""
    out = []
    for row in json_list(raw, "wtmpdb rows")[-MAX_EVENTS:]:
        if not isinstance(row, dict) or as_int(row.get("Type"), WTMPDB_USER_PROCESS) != WTMPDB_USER_PROCESS:
            continue
        host = clip(row.get("RemoteHost"), 255)
        out.append(
            LoginEvent(
                user=clip(row.get("User")),
                tty=clip(row.get("TTY"), 64),
                host=host,
                time=iso_from_epoch(as_int(row.get("Login")) / 1_000_000),
                remote=is_remote_host(host),
                service=clip(row.get("Service"), 64),
                source="wtmpdb",
            )
        )
    return out
