"""Sign-ins and login history: psutil/utmp, logind (loginctl), wtmp (glibc's own writer) and wtmpdb."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import struct
import subprocess
from pathlib import Path

import pytest

from techcheck.collect.linux import _wtmpdb_rows
from techcheck.parse.logins import (
    is_remote_host,
    parse_loginctl_list,
    parse_loginctl_show,
    parse_utmp_users,
    parse_wtmp,
    parse_wtmpdb,
)
from techcheck.parse.records import LoginEvent, LoginSession, ParseError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "logins"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# is_remote_host --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", [":0", ":1.0", "localhost", "localhost:10.0", "127.0.0.1", "::1", "tmux(1234).%0", "", "  "]
)
def test_local_hosts_are_not_remote(host: str) -> None:
    assert is_remote_host(host) is False


@pytest.mark.parametrize(
    "host",
    [
        "203.0.113.7",
        "2001:db8::1",
        "laptop.example.org",
        "fe80::1%eth0",
        "10.0.0.5:0",  # an X display on another computer
        "[2001:db8::1]",
        "::ffff:203.0.113.7",  # IPv4-mapped, as dual-stack servers may log it
        "203.0.113.7 via mosh [4242]",  # what mosh-server writes into utmp
    ],
)
def test_other_hosts_are_remote(host: str) -> None:
    assert is_remote_host(host) is True


# psutil.users() as saved by the collector ------------------------------------------------------------


def test_utmp_users_from_psutil_dicts() -> None:
    sessions = parse_utmp_users((FIXTURES / "psutil-users.json").read_bytes())
    assert sessions == [
        LoginSession(user="alice", tty="tty2", host="", started="2025-11-26T07:03:20Z", remote=False, source="utmp"),
        LoginSession(user="alice", tty="pts/1", host="tmux(1890).%0", started="2025-11-26T07:10:00Z", source="utmp"),
        LoginSession(
            user="mallory", tty="pts/0", host="203.0.113.7", started="2025-11-26T09:12:03Z", remote=True, source="utmp"
        ),
        LoginSession(
            user="alice",
            tty="pts/3",
            host="laptop.example.org",
            started="2025-11-26T09:23:21Z",
            remote=True,
            source="utmp",
        ),
    ]


def test_utmp_users_windows_style_host_none() -> None:
    # On Windows psutil gives host=None and pid=None.
    raw = json.dumps([{"name": "Alex", "terminal": None, "host": None, "started": 1764140600.0, "pid": None}])
    assert parse_utmp_users(raw.encode()) == [
        LoginSession(user="Alex", tty="", host="", started="2025-11-26T07:03:20Z", remote=False, source="utmp")
    ]


def test_utmp_users_not_a_list() -> None:
    with pytest.raises(ParseError):
        parse_utmp_users(b'{"name": "alice"}')


# loginctl list-sessions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("list-sessions-systemd252.txt", ["2", "5", "c1"]),
        ("list-sessions-systemd252-no-legend.txt", ["2", "5", "c1"]),
        ("list-sessions-systemd256.txt", ["2", "3", "5", "c1"]),
        ("list-sessions-systemd256-no-legend.txt", ["2", "3", "5", "c1"]),
        ("list-sessions-systemd256.json", ["2", "3", "5", "c1"]),
    ],
)
def test_loginctl_list_forms(name: str, expected: list[str]) -> None:
    assert parse_loginctl_list(fixture_text(name)) == expected


@pytest.mark.parametrize(
    "text", ["", "\n", "No sessions.\n", "[]", "SESSION UID USER SEAT TTY\n\n0 sessions listed.\n"]
)
def test_loginctl_list_nobody_signed_in(text: str) -> None:
    assert parse_loginctl_list(text) == []


def test_loginctl_list_broken_json() -> None:
    with pytest.raises(ParseError):
        parse_loginctl_list('[{"session":"2","uid":1000,')


# loginctl show-session -------------------------------------------------------------------------------


def test_loginctl_show_remote_ssh_session() -> None:
    assert parse_loginctl_show(fixture_text("show-session-sshd.txt")) == [
        LoginSession(
            user="alice",
            tty="pts/0",
            host="203.0.113.7",
            started="2025-11-26T09:12:03Z",
            remote=True,
            service="sshd",
            source="logind",
        )
    ]


def test_loginctl_show_local_wayland_session() -> None:
    assert parse_loginctl_show(fixture_text("show-session-wayland.txt")) == [
        LoginSession(
            user="alice",
            tty="tty2",
            host="",
            started="2025-11-26T07:03:20Z",
            remote=False,
            service="gdm-password",
            source="logind",
        )
    ]


def test_loginctl_show_remote_flag_alone_is_enough() -> None:
    # A remote session whose peer address logind did not record (e.g. some RDP/VNC PAM stacks).
    text = fixture_text("show-session-sshd.txt").replace("RemoteHost=203.0.113.7\n", "").replace("sshd", "xrdp-sesman")
    (session,) = parse_loginctl_show(text)
    assert (session.remote, session.host, session.service) == (True, "", "xrdp-sesman")


def test_loginctl_show_local_time_zone_is_kept_naive() -> None:
    text = fixture_text("show-session-wayland.txt").replace("07:03:20 UTC", "08:03:20 CET")
    assert parse_loginctl_show(text)[0].started == "2025-11-26T08:03:20"


def test_loginctl_show_without_user_is_an_error() -> None:
    with pytest.raises(ParseError):
        parse_loginctl_show("Failed to get session: No session '9' known\n")


# wtmp, written by glibc's updwtmp() ------------------------------------------------------------------

EMPTY, RUN_LVL, BOOT_TIME, NEW_TIME, OLD_TIME, INIT_PROCESS, LOGIN_PROCESS, USER_PROCESS, DEAD_PROCESS = range(9)


class ExitStatus(ctypes.Structure):
    _fields_ = [("e_termination", ctypes.c_short), ("e_exit", ctypes.c_short)]


class TimeVal32(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_int32), ("tv_usec", ctypes.c_int32)]


class Utmp(ctypes.Structure):
    """glibc ``struct utmp`` from ``bits/utmp.h`` on x86_64 (``__WORDSIZE_TIME64_COMPAT32``)."""

    _fields_ = [
        ("ut_type", ctypes.c_short),
        ("ut_pid", ctypes.c_int),
        ("ut_line", ctypes.c_char * 32),
        ("ut_id", ctypes.c_char * 4),
        ("ut_user", ctypes.c_char * 32),
        ("ut_host", ctypes.c_char * 256),
        ("ut_exit", ExitStatus),
        ("ut_session", ctypes.c_int32),
        ("ut_tv", TimeVal32),
        ("ut_addr_v6", ctypes.c_int32 * 4),
        ("glibc_reserved", ctypes.c_char * 20),
    ]


# (type, pid, line, id, user, host, seconds, IPv4 address for ut_addr_v6)
WTMP_RECORDS = [
    (BOOT_TIME, 0, b"~", b"~~", b"reboot", b"6.1.0-26-amd64", 1764140400, None),
    (USER_PROCESS, 1201, b"tty1", b"tty1", b"alice", b"", 1764140520, None),
    (USER_PROCESS, 1850, b":0", b":0", b"alice", b":0", 1764140600, None),
    (USER_PROCESS, 20211, b"pts/0", b"ts/0", b"mallory", b"203.0.113.7", 1764148323, "203.0.113.7"),
    (DEAD_PROCESS, 20211, b"pts/0", b"ts/0", b"", b"", 1764151923, None),
]
WTMP_EVENTS = [
    LoginEvent(user="alice", tty="tty1", host="", time="2025-11-26T07:02:00Z", remote=False, source="wtmp"),
    LoginEvent(user="alice", tty=":0", host=":0", time="2025-11-26T07:03:20Z", remote=False, source="wtmp"),
    LoginEvent(
        user="mallory", tty="pts/0", host="203.0.113.7", time="2025-11-26T09:12:03Z", remote=True, source="wtmp"
    ),
]


def _glibc_updwtmp():
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("struct utmp is laid out here for glibc on x86_64")
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not a glibc system")
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.updwtmp.argtypes = [ctypes.c_char_p, ctypes.POINTER(Utmp)]
    libc.updwtmp.restype = None
    return libc.updwtmp


def write_wtmp(path: Path) -> bytes:
    """Write WTMP_RECORDS with glibc's updwtmp() (which, like login and sshd, appends to an existing file)."""
    assert ctypes.sizeof(Utmp) == 384
    updwtmp = _glibc_updwtmp()
    path.write_bytes(b"")
    for kind, pid, line, ut_id, user, host, seconds, addr in WTMP_RECORDS:
        entry = Utmp(ut_type=kind, ut_pid=pid, ut_line=line, ut_id=ut_id, ut_user=user, ut_host=host)
        entry.ut_session = pid
        entry.ut_tv.tv_sec = seconds
        entry.ut_tv.tv_usec = 481516
        if addr:
            entry.ut_addr_v6[0] = struct.unpack("=i", socket.inet_aton(addr))[0]
        updwtmp(os.fsencode(path), ctypes.byref(entry))
    return path.read_bytes()


@pytest.fixture
def wtmp_file(tmp_path: Path) -> Path:
    path = tmp_path / "wtmp"
    write_wtmp(path)
    return path


def test_wtmp_written_by_glibc(wtmp_file: Path) -> None:
    raw = wtmp_file.read_bytes()
    assert len(raw) == 384 * len(WTMP_RECORDS)
    assert parse_wtmp(raw) == WTMP_EVENTS


def test_wtmp_static_fixture_is_what_glibc_writes(wtmp_file: Path) -> None:
    # tests/fixtures/logins/wtmp lets the parser be tested where glibc is absent; it must stay byte-identical.
    static = (FIXTURES / "wtmp").read_bytes()
    assert hashlib.sha256(static).hexdigest() == hashlib.sha256(wtmp_file.read_bytes()).hexdigest()


def test_wtmp_static_fixture() -> None:
    assert parse_wtmp((FIXTURES / "wtmp").read_bytes()) == WTMP_EVENTS


def test_wtmp_agrees_with_util_linux_last(wtmp_file: Path) -> None:
    last = shutil.which("last")
    if not last:
        pytest.skip("last is not installed")
    version = subprocess.run([last, "--version"], capture_output=True, text=True, check=False)
    if "util-linux" not in version.stdout:
        pytest.skip("not util-linux last")
    env = {**os.environ, "TZ": "UTC", "LC_ALL": "C"}
    out = subprocess.run(
        [last, "-w", "--time-format", "iso", "-f", str(wtmp_file)], capture_output=True, text=True, env=env, check=True
    ).stdout
    lines = [line for line in out.splitlines() if line.strip() and not line.startswith(wtmp_file.name + " begins")]
    sessions = [line for line in lines if not line.startswith("reboot ")]
    assert len(sessions) == len(WTMP_EVENTS)
    for event in WTMP_EVENTS:
        stamp = event.time.replace("Z", "+00:00")
        pattern = rf"^{re.escape(event.user)}\s+{re.escape(event.tty)}\s+{re.escape(event.host)}\s*{re.escape(stamp)}"
        assert any(re.match(pattern, line) for line in sessions), (pattern, out)
    assert {line.split()[0] for line in sessions} == {e.user for e in WTMP_EVENTS}


def test_wtmp_partial_trailing_record_is_tolerated() -> None:
    raw = (FIXTURES / "wtmp").read_bytes()
    half_written = raw + raw[384 : 384 + 100]
    assert parse_wtmp(half_written) == WTMP_EVENTS


def test_wtmp_shorter_than_one_record() -> None:
    with pytest.raises(ParseError):
        parse_wtmp((FIXTURES / "wtmp").read_bytes()[:200])


def test_wtmp_empty_file_has_no_events() -> None:
    # A freshly rotated wtmp is empty: that is an answer ("no history"), not a broken file.
    assert parse_wtmp(b"") == []


# wtmpdb ----------------------------------------------------------------------------------------------

# The schema wtmpdb's lib/sqlite.c creates. Type values are wtmpdb's own (include/wtmpdb.h):
# BOOT_TIME 1, RUNLEVEL 2, USER_PROCESS 3 — not utmp's.
WTMPDB_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS wtmp(ID INTEGER PRIMARY KEY, Type INTEGER, User TEXT NOT NULL, Login INTEGER, "
    "Logout INTEGER, TTY TEXT, RemoteHost TEXT, Service TEXT) STRICT;"
)
WTMPDB_BOOT_TIME, WTMPDB_USER_PROCESS = 1, 3
# (Type, User, Login µs, Logout µs, TTY, RemoteHost, Service) in insertion order, as pam_wtmpdb writes them.
WTMPDB_ROWS = [
    (WTMPDB_BOOT_TIME, "reboot", 1764140400_118337, None, "~", "6.12.48+deb13-amd64", None),
    (WTMPDB_USER_PROCESS, "alice", 1764140600_902114, None, "tty2", None, "gdm-password"),
    (WTMPDB_USER_PROCESS, "mallory", 1764148323_481516, 1764151923_004217, "pts/0", "203.0.113.7", "sshd"),
]


def make_wtmpdb(path: Path, journal_mode: str = "delete") -> None:
    db = sqlite3.connect(path)
    try:
        db.execute(f"PRAGMA journal_mode = {journal_mode}")
        db.execute(WTMPDB_SCHEMA)
        db.executemany(
            "INSERT INTO wtmp (Type,User,Login,TTY,RemoteHost,Service) VALUES(?,?,?,?,?,?);",
            [(t, u, login, tty, host, service) for t, u, login, _out, tty, host, service in WTMPDB_ROWS],
        )
        for row_id, row in enumerate(WTMPDB_ROWS, start=1):
            if row[3] is not None:
                db.execute("UPDATE wtmp SET Logout = ? WHERE ID = ?", (row[3], row_id))
        db.commit()
    finally:
        db.close()


def _state(folder: Path) -> dict[str, tuple[str, int]]:
    state = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    state["."] = ("", folder.stat().st_mtime_ns)
    return state


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_wtmpdb_rows_read_only(tmp_path: Path, journal_mode: str) -> None:
    path = tmp_path / "wtmp.db"
    make_wtmpdb(path, journal_mode)
    before = _state(tmp_path)
    rows = _wtmpdb_rows(path)
    assert _state(tmp_path) == before  # nothing written, no -journal/-wal/-shm left behind
    assert rows == [
        {
            "Type": 1,
            "User": "reboot",
            "Login": 1764140400118337,
            "TTY": "~",
            "RemoteHost": "6.12.48+deb13-amd64",
            "Service": None,
        },
        {
            "Type": 3,
            "User": "alice",
            "Login": 1764140600902114,
            "TTY": "tty2",
            "RemoteHost": None,
            "Service": "gdm-password",
        },
        {
            "Type": 3,
            "User": "mallory",
            "Login": 1764148323481516,
            "TTY": "pts/0",
            "RemoteHost": "203.0.113.7",
            "Service": "sshd",
        },
    ]


def test_wtmpdb_boot_rows_are_not_logins(tmp_path: Path) -> None:
    path = tmp_path / "wtmp.db"
    make_wtmpdb(path)
    events = parse_wtmpdb(json.dumps(_wtmpdb_rows(path)).encode())
    assert all(e.user != "reboot" for e in events)


def test_wtmpdb_logins(tmp_path: Path) -> None:
    path = tmp_path / "wtmp.db"
    make_wtmpdb(path)
    assert parse_wtmpdb(json.dumps(_wtmpdb_rows(path)).encode()) == [
        LoginEvent(
            user="alice",
            tty="tty2",
            host="",
            time="2025-11-26T07:03:20Z",
            remote=False,
            service="gdm-password",
            source="wtmpdb",
        ),
        LoginEvent(
            user="mallory",
            tty="pts/0",
            host="203.0.113.7",
            time="2025-11-26T09:12:03Z",
            remote=True,
            service="sshd",
            source="wtmpdb",
        ),
    ]


def test_wtmpdb_rows_not_json() -> None:
    with pytest.raises(ParseError):
        parse_wtmpdb(b"SQLite format 3\x00")
