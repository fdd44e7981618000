"""The fake adbd (tests/fakeadb), driven by a tiny ADB host written here with raw sockets, and by the real `adb`.

The tiny host is deliberately naive (one socket, no threads, every packet read in order) so that each test can
see exactly which packets the fake sends and when.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from adb_shell import constants
from adb_shell.adb_message import AdbMessage, checksum, unpack
from adb_shell.auth.keygen import keygen
from adb_shell.auth.sign_cryptography import CryptographySigner
from fakeadb import FakeAdbd, Response, Scenario, decode_adb_public_key

NEW = 0x01000001  # protocol version without checksums
OLD = 0x01000000  # the original version: byte-sum checksums
MIB = 1024 * 1024
BANNER = {"ro.product.name": "fakeprod", "ro.product.model": "Fake Phone 7", "ro.product.device": "fakedev"}


# --- A tiny ADB host -------------------------------------------------------------------------------------------


class TinyHost:
    """Just enough of an ADB host to drive the fake: packets out, packets in, in order."""

    def __init__(self, port: int, signer: CryptographySigner, *, version: int = NEW, maxdata: int = MIB) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.signer = signer
        self.version = version
        self.maxdata = maxdata
        self.closed: set[int] = set()  # host stream ids the device has closed
        self._inbox: dict[int, bytearray] = {}  # stream data not consumed yet (sync replies)

    def __enter__(self) -> TinyHost:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.sock.close()

    def send(self, command: bytes, arg0: int, arg1: int, data: bytes = b"") -> None:
        self.sock.sendall(AdbMessage(command, arg0, arg1, data).pack() + data)

    def recv(self, timeout: float = 5.0) -> tuple[bytes, int, int, bytes]:
        """The next packet from the device; checks its magic, and its checksum under the old protocol version.

        Skips a CLSE for a stream the device has already closed: adbd sends one in answer to an OKAY that
        crossed its CLSE (the OKAY of the last WRTE), and a host just ignores it.
        """
        while True:
            packet = self._recv(timeout)
            if not (packet[0] == b"CLSE" and packet[2] in self.closed):
                return packet

    def _recv(self, timeout: float) -> tuple[bytes, int, int, bytes]:
        self.sock.settimeout(timeout)
        header = self._exactly(constants.MESSAGE_SIZE)
        command, arg0, arg1, length, data_check = unpack(header)
        assert struct.unpack("<6I", header)[5] == command ^ 0xFFFFFFFF, "bad magic"
        data = self._exactly(length)
        if self.version == OLD:
            assert data_check == checksum(data), "the device must send checksums to a version 0x01000000 host"
        return command.to_bytes(4, "little"), arg0, arg1, data

    def silent_for(self, seconds: float) -> bool:
        """True if the device sends nothing for ``seconds`` (and keeps the connection open)."""
        self.sock.settimeout(seconds)
        try:
            first = self.sock.recv(1, socket.MSG_PEEK)
        except TimeoutError:
            return True
        if not first:
            pytest.fail("the device closed the connection")
        return False

    def _exactly(self, size: int) -> bytes:
        buf = b""
        while len(buf) < size:
            chunk = self.sock.recv(size - len(buf))
            if not chunk:
                raise EOFError("the device closed the connection")
            buf += chunk
        return buf

    # Handshake

    def cnxn(self) -> None:
        self.send(constants.CNXN, self.version, self.maxdata, b"host::\0")

    def connect(self) -> bytes:
        """The whole handshake: CNXN, sign the token, offer the key if needed. Returns the device's banner."""
        self.cnxn()
        command, arg0, _, token = self.recv()
        assert (command, arg0) == (b"AUTH", constants.AUTH_TOKEN)
        self.send(constants.AUTH, constants.AUTH_SIGNATURE, 0, self.signer.Sign(token))
        command, arg0, arg1, data = self.recv()
        if command == b"AUTH":
            self.send(constants.AUTH, constants.AUTH_RSAPUBLICKEY, 0, self.signer.GetPublicKey() + b"\0")
            command, arg0, arg1, data = self.recv()
        assert command == b"CNXN", command
        return data

    # Streams

    def open(self, host_id: int, service: str) -> int:
        """OPEN a stream; returns the device's id for it."""
        self.send(constants.OPEN, host_id, 0, service.encode() + b"\0")
        command, device_id, arg1, _ = self.recv()
        assert (command, arg1) == (b"OKAY", host_id), (command, arg1)
        return device_id

    def read_streams(self, host_ids: set[int]) -> dict[int, bytes]:
        """Read until the device has closed every stream in ``host_ids``, acknowledging each WRTE."""
        while not host_ids <= self.closed:
            self._pump()
        return {host_id: bytes(self._inbox.pop(host_id, b"")) for host_id in host_ids}

    def shell(self, host_id: int, command: str) -> bytes:
        self.open(host_id, f"shell:{command}")
        return self.read_streams({host_id})[host_id]

    def _pump(self) -> None:
        """Handle one packet: WRTE -> keep the data and answer OKAY; CLSE -> answer CLSE, like adb's host side."""
        command, device_id, host_id, data = self.recv()
        if command == b"WRTE":
            self._inbox.setdefault(host_id, bytearray()).extend(data)
            self.send(constants.OKAY, host_id, device_id)
        elif command == b"CLSE" and host_id not in self.closed:
            self.closed.add(host_id)
            self.send(constants.CLSE, host_id, device_id)
        # Anything else here (a CLSE for a stream already closed) is ignored, as adb does.

    # The sync service, inside a stream opened with "sync:"

    def sync_send(self, host_id: int, device_id: int, data: bytes) -> None:
        self.send(constants.WRTE, host_id, device_id, data)
        command, arg0, arg1, _ = self.recv()
        assert (command, arg0, arg1) == (b"OKAY", device_id, host_id)

    def sync_read(self, host_id: int, size: int) -> bytes:
        """``size`` bytes of the stream, however the device cut them into WRTE packets."""
        inbox = self._inbox.setdefault(host_id, bytearray())
        while len(inbox) < size:
            if host_id in self.closed:
                raise EOFError(f"stream closed with {len(inbox)} of {size} bytes")
            self._pump()
        data = bytes(inbox[:size])
        del inbox[:size]
        return data

    def sync_pull(self, host_id: int, device_id: int, path: str) -> tuple[list[bytes], bytes]:
        """RECV: the DATA chunks, and b"" (DONE) or the FAIL message."""
        self.sync_send(host_id, device_id, sync_request(b"RECV", path))
        chunks: list[bytes] = []
        while True:
            kind, length = struct.unpack("<4sI", self.sync_read(host_id, 8))
            if kind == b"DONE":
                return chunks, b""
            payload = self.sync_read(host_id, length)
            if kind == b"FAIL":
                return chunks, payload
            assert kind == b"DATA", kind
            chunks.append(payload)


def sync_request(request_id: bytes, path: str) -> bytes:
    raw = path.encode()
    return request_id + struct.pack("<I", len(raw)) + raw


def online(phone: FakeAdbd, signer: CryptographySigner, **kwargs: int) -> TinyHost:
    host = TinyHost(phone.port, signer, **kwargs)
    host.connect()
    return host


def fakeadbd_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("fakeadbd-")]


def wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CryptographySigner]:
    """Two adb key pairs: "known" (trusted by the scenarios that say so) and "stranger"."""
    folder = tmp_path_factory.mktemp("adbkeys")
    signers = {}
    for name in ("known", "stranger"):
        keygen(str(folder / name))
        signers[name] = CryptographySigner(str(folder / name))
    return signers


@pytest.fixture
def signer(keys: dict[str, CryptographySigner]) -> CryptographySigner:
    return keys["known"]


def trusting(signer: CryptographySigner, **kwargs: object) -> Scenario:
    return Scenario(banner=dict(BANNER), trusted_keys=[signer.GetPublicKey()], **kwargs)  # type: ignore[arg-type]


# --- Handshake and authentication ------------------------------------------------------------------------------


def test_handshake_with_a_trusted_key(signer: CryptographySigner) -> None:
    with FakeAdbd(trusting(signer)) as phone, TinyHost(phone.port, signer) as host:
        host.cnxn()
        command, auth_type, arg1, token = host.recv()
        assert (command, auth_type, arg1, len(token)) == (b"AUTH", constants.AUTH_TOKEN, 0, 20)
        host.send(constants.AUTH, constants.AUTH_SIGNATURE, 0, signer.Sign(token))
        command, version, maxdata, banner = host.recv()
    assert (command, version) == (b"CNXN", NEW)
    assert maxdata == 256 * 1024  # min(the host's 1 MiB, the device's 256 KiB)
    assert banner == (
        b"device::ro.product.name=fakeprod;ro.product.model=Fake Phone 7;ro.product.device=fakedev;"
        b"features=cmd,stat_v2"
    )
    assert phone.command_log == [] and phone.protocol_errors == []


def test_maxdata_is_the_smaller_of_host_and_device(signer: CryptographySigner) -> None:
    scenario = trusting(signer, commands={"seq": "x" * 10_000})
    with FakeAdbd(scenario) as phone, TinyHost(phone.port, signer, maxdata=4096) as host:
        host.cnxn()
        _, _, _, token = host.recv()
        host.send(constants.AUTH, constants.AUTH_SIGNATURE, 0, signer.Sign(token))
        command, _, maxdata, _ = host.recv()
        assert (command, maxdata) == (b"CNXN", 4096)
        device_id = host.open(1, "shell:seq")
        sizes = []
        while True:
            command, _, _, data = host.recv()
            if command == b"CLSE":
                break
            sizes.append(len(data))
            host.send(constants.OKAY, 1, device_id)
    assert sizes == [4096, 4096, 10_000 - 8192]


def test_unknown_key_gets_a_new_token_then_is_allowed(keys: dict[str, CryptographySigner]) -> None:
    known, stranger = keys["known"], keys["stranger"]
    with FakeAdbd(trusting(known, allow_delay=0.3)) as phone:
        with TinyHost(phone.port, stranger) as host:
            host.cnxn()
            _, _, _, token = host.recv()
            host.send(constants.AUTH, constants.AUTH_SIGNATURE, 0, stranger.Sign(token))
            command, auth_type, _, token2 = host.recv()
            assert (command, auth_type, len(token2)) == (b"AUTH", constants.AUTH_TOKEN, 20)
            assert token2 != token
            started = time.monotonic()
            host.send(constants.AUTH, constants.AUTH_RSAPUBLICKEY, 0, stranger.GetPublicKey() + b"\0")
            command, version, _, banner = host.recv()
            assert (command, version) == (b"CNXN", NEW)
            assert time.monotonic() - started >= 0.29  # the person took allow_delay to tap Allow
            assert banner.startswith(b"device::")
        assert len(phone.trusted_keys) == 2
        stranger_key = decode_adb_public_key(stranger.GetPublicKey())
        assert phone.trusted_keys[1].public_numbers() == stranger_key.public_numbers()
        # "Always allow from this computer": the next connection is accepted on the signature alone.
        with TinyHost(phone.port, stranger) as host:
            host.cnxn()
            _, _, _, token = host.recv()
            host.send(constants.AUTH, constants.AUTH_SIGNATURE, 0, stranger.Sign(token))
            assert host.recv()[0] == b"CNXN"


def test_a_phone_whose_person_never_taps_allow(keys: dict[str, CryptographySigner]) -> None:
    stranger = keys["stranger"]
    with FakeAdbd(Scenario(accept_new_keys=False)) as phone, TinyHost(phone.port, stranger) as host:
        host.cnxn()
        _, _, _, token = host.recv()
        host.send(constants.AUTH, constants.AUTH_SIGNATURE, 0, stranger.Sign(token))
        assert host.recv()[0] == b"AUTH"
        host.send(constants.AUTH, constants.AUTH_RSAPUBLICKEY, 0, stranger.GetPublicKey() + b"\0")
        assert host.silent_for(1.0)  # no CNXN, and the connection stays open
        # Not authenticated: an OPEN is ignored, as adbd does.
        host.send(constants.OPEN, 1, 0, b"shell:id\0")
        assert host.silent_for(0.2)
        assert phone.trusted_keys == [] and phone.command_log == []
        started = time.monotonic()
        phone.stop()  # prompt, even with the host still waiting
    assert time.monotonic() - started < 1.0


def test_a_phone_that_hangs_up_after_cnxn(signer: CryptographySigner) -> None:
    with FakeAdbd(trusting(signer, close_after_cnxn=True)) as phone, TinyHost(phone.port, signer) as host:
        host.cnxn()
        with pytest.raises(EOFError):
            host.recv()
        assert phone.connection_count == 1


def test_scenarios_cannot_advertise_unimplemented_features() -> None:
    with pytest.raises(ValueError, match="shell_v2"):
        Scenario(features=("cmd", "shell_v2"))


# --- Shell streams ---------------------------------------------------------------------------------------------


def test_shell_output_is_reassembled_from_many_wrte(signer: CryptographySigner) -> None:
    big = os.urandom(600 * 1024)  # more than two 256 KiB packets
    scenario = trusting(signer, commands={"pm list packages -f": big, "echo hi": "hi\n"})
    with FakeAdbd(scenario) as phone, online(phone, signer) as host:
        assert host.shell(1, "pm list packages -f") == big
        assert host.shell(2, "echo hi") == b"hi\n"
        assert host.shell(3, "getprop ro.product.model") == b"Fake Phone 7\n"  # from the banner
        assert host.shell(4, "getprop ro.no.such.prop") == b"\n"
    assert phone.command_log == [
        "pm list packages -f",
        "echo hi",
        "getprop ro.product.model",
        "getprop ro.no.such.prop",
    ]


def test_unknown_command_answers_like_android_sh(signer: CryptographySigner) -> None:
    with FakeAdbd(trusting(signer)) as phone, online(phone, signer) as host:
        assert host.shell(1, "frobnicate --all /sdcard") == b"/system/bin/sh: frobnicate: inaccessible or not found\n"
    assert phone.command_log == ["frobnicate --all /sdcard"]


def test_flow_control_and_last_wrte_followed_by_clse_without_okay(signer: CryptographySigner) -> None:
    scenario = trusting(signer, commands={"cat f": Response(b"abcdefghij", chunk=4)})
    with FakeAdbd(scenario) as phone, online(phone, signer) as host:
        device_id = host.open(7, "shell:cat f")
        assert host.recv() == (b"WRTE", device_id, 7, b"abcd")
        assert host.silent_for(0.3)  # no second WRTE before our OKAY
        host.send(constants.OKAY, 7, device_id)
        assert host.recv() == (b"WRTE", device_id, 7, b"efgh")
        host.send(constants.OKAY, 7, device_id)
        assert host.recv() == (b"WRTE", device_id, 7, b"ij")
        # No OKAY for the last WRTE: the CLSE comes anyway, right behind it.
        assert host.recv(timeout=2.0) == (b"CLSE", device_id, 7, b"")
        # A late OKAY for the closed stream is answered with another CLSE, as adbd does.
        host.send(constants.OKAY, 7, device_id)
        assert host.recv() == (b"CLSE", device_id, 7, b"")
        assert phone.protocol_errors == []


def test_commands_on_two_streams_run_concurrently(signer: CryptographySigner) -> None:
    scenario = trusting(
        signer,
        commands={
            "dumpsys package": Response("packages\n", delay=0.5),
            "dumpsys location": Response("location\n", delay=0.5),
        },
    )
    with FakeAdbd(scenario) as phone, online(phone, signer) as host:
        started = time.monotonic()
        host.open(1, "shell:dumpsys package")
        host.open(2, "shell:dumpsys location")
        output = host.read_streams({1, 2})
        elapsed = time.monotonic() - started
    assert output == {1: b"packages\n", 2: b"location\n"}
    assert 0.5 <= elapsed < 0.9
    assert phone.max_concurrent == 2
    assert sorted(phone.command_log) == ["dumpsys location", "dumpsys package"]


def test_sequential_commands_never_count_as_concurrent(signer: CryptographySigner) -> None:
    scenario = trusting(signer, commands={"a": Response("a\n", delay=0.05), "b": Response(b"b" * 9000, chunk=4000)})
    with FakeAdbd(scenario) as phone, online(phone, signer) as host:
        for host_id, command in enumerate(["a", "b", "a", "b"], start=1):
            host.shell(host_id, command)
    assert phone.max_concurrent == 1
    assert phone.command_log == ["a", "b", "a", "b"]


def test_host_closing_a_stream_stops_the_command(signer: CryptographySigner) -> None:
    scenario = trusting(signer, commands={"logcat": Response("never\n", delay=30)})
    with FakeAdbd(scenario) as phone, online(phone, signer) as host:
        device_id = host.open(3, "shell:logcat")
        host.send(constants.CLSE, 3, device_id)
        assert host.recv(timeout=1.0) == (b"CLSE", device_id, 3, b"")  # confirmed, and no output
        assert host.shell(4, "getprop ro.product.name") == b"fakeprod\n"  # the connection lives on
        assert wait_until(lambda: len(fakeadbd_threads()) == 2)  # accept + this connection's reader
        assert phone.command_log == ["logcat", "getprop ro.product.name"]


def test_unknown_services_and_shell_v2_are_refused(signer: CryptographySigner) -> None:
    with FakeAdbd(trusting(signer)) as phone, online(phone, signer) as host:
        host.send(constants.OPEN, 5, 0, b"shell,v2,raw:id\0")
        assert host.recv() == (b"CLSE", 0, 5, b"")
        host.send(constants.OPEN, 6, 0, b"framebuffer:\0")
        assert host.recv() == (b"CLSE", 0, 6, b"")
        assert host.shell(7, "getprop ro.product.device") == b"fakedev\n"
    assert phone.command_log == ["getprop ro.product.device"]


def test_disconnect_after_commands_drops_the_connection(signer: CryptographySigner) -> None:
    with FakeAdbd(trusting(signer, disconnect_after_commands=2)) as phone, online(phone, signer) as host:
        assert host.shell(1, "getprop ro.product.model") == b"Fake Phone 7\n"
        host.send(constants.OPEN, 2, 0, b"shell:pm list packages\0")
        with pytest.raises((EOFError, ConnectionResetError)):  # no OKAY, no CLSE: the cable is out
            host.recv()
        assert phone.command_log == ["getprop ro.product.model", "pm list packages"]
        assert wait_until(lambda: len(fakeadbd_threads()) == 1)  # only the accept thread is left


# --- Protocol versions and checksums ---------------------------------------------------------------------------


def test_old_protocol_version_gets_checksums_and_bad_ones_hang_up(signer: CryptographySigner) -> None:
    with FakeAdbd(trusting(signer)) as phone:
        with online(phone, signer, version=OLD) as host:  # host.recv() checks every checksum
            assert host.shell(1, "getprop ro.product.model") == b"Fake Phone 7\n"
            data = b"shell:id\0"
            host.sock.sendall(struct.pack("<6I", *_header(b"OPEN", 2, 0, len(data), checksum(data) + 1)) + data)
            with pytest.raises((EOFError, ConnectionResetError)):
                host.recv()
        assert len(phone.protocol_errors) == 1 and "checksum" in phone.protocol_errors[0]
        # Version 0x01000001: a zero checksum is fine.
        with online(phone, signer) as host:
            data = b"shell:getprop ro.product.device\0"
            host.sock.sendall(struct.pack("<6I", *_header(b"OPEN", 3, 0, len(data), 0)) + data)
            assert host.recv()[0] == b"OKAY"
            assert host.read_streams({3}) == {3: b"fakedev\n"}


def _header(command: bytes, arg0: int, arg1: int, length: int, data_check: int) -> tuple[int, ...]:
    number = int.from_bytes(command, "little")
    return number, arg0, arg1, length, data_check & 0xFFFFFFFF, number ^ 0xFFFFFFFF


# --- The sync service ------------------------------------------------------------------------------------------


def test_sync_stat_and_recv(signer: CryptographySigner) -> None:
    content = os.urandom(200 * 1024)
    scenario = trusting(signer, files={"/sdcard/x.bin": content, "/data/system/packages.xml": b"<packages/>"})
    with FakeAdbd(scenario) as phone, online(phone, signer) as host:
        device_id = host.open(9, "sync:")
        # A STAT split across two WRTE packets.
        request = sync_request(b"STAT", "/sdcard/x.bin")
        host.sync_send(9, device_id, request[:5])
        host.sync_send(9, device_id, request[5:])
        assert struct.unpack("<4sIII", host.sync_read(9, 16)) == (b"STAT", 0o100660, len(content), 1_700_000_000)
        # Two requests in one WRTE: a missing file is all zeros in STAT, ENOENT in LST2 (stat_v2).
        host.sync_send(9, device_id, sync_request(b"STAT", "/sdcard/nope") + sync_request(b"LST2", "/sdcard/nope"))
        assert struct.unpack("<4sIII", host.sync_read(9, 16)) == (b"STAT", 0, 0, 0)
        stat2 = struct.unpack("<4sIQQIIIIQqqq", host.sync_read(9, 72))
        assert stat2[:2] == (b"LST2", 2)
        host.sync_send(9, device_id, sync_request(b"LST2", "/data/system/packages.xml"))
        stat2 = struct.unpack("<4sIQQIIIIQqqq", host.sync_read(9, 72))
        assert (stat2[0], stat2[1], stat2[4], stat2[8]) == (b"LST2", 0, 0o100660, len(b"<packages/>"))
        # RECV: several DATA chunks of at most 64 KiB, then DONE.
        chunks, failure = host.sync_pull(9, device_id, "/sdcard/x.bin")
        assert failure == b""
        assert len(chunks) >= 4 and all(len(chunk) <= 64 * 1024 for chunk in chunks)
        assert b"".join(chunks) == content
        chunks, failure = host.sync_pull(9, device_id, "/data/system/packages.xml")
        assert (chunks, failure) == ([b"<packages/>"], b"")
        # QUIT: the device closes the stream.
        host.send(constants.WRTE, 9, device_id, sync_request(b"QUIT", ""))
        host.read_streams({9})
    assert phone.sync_log == [
        ("STAT", "/sdcard/x.bin"),
        ("STAT", "/sdcard/nope"),
        ("LST2", "/sdcard/nope"),
        ("LST2", "/data/system/packages.xml"),
        ("RECV", "/sdcard/x.bin"),
        ("RECV", "/data/system/packages.xml"),
        ("QUIT", ""),
    ]
    assert phone.command_log == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/sdcard/missing.txt", b"open failed: No such file or directory"),
        ("/data/secret", b"open failed: Permission denied"),  # in `files` as None: exists, unreadable
    ],
)
def test_sync_recv_failure_ends_the_sync_stream(signer: CryptographySigner, path: str, message: bytes) -> None:
    with FakeAdbd(trusting(signer, files={"/data/secret": None})) as phone, online(phone, signer) as host:
        device_id = host.open(4, "sync:")
        chunks, failure = host.sync_pull(4, device_id, path)
        assert (chunks, failure) == ([], message)
        host.read_streams({4})  # adbd ends the sync service after a FAIL
        assert 4 in host.closed
    assert phone.sync_log == [("RECV", path)]


# --- Robustness ------------------------------------------------------------------------------------------------


def test_hosts_that_vanish_at_any_point_leave_no_threads(signer: CryptographySigner) -> None:
    scenario = trusting(signer, commands={"slow": Response("x\n", delay=30), "big": b"y" * MIB})
    with FakeAdbd(scenario) as phone:
        with TinyHost(phone.port, signer):
            pass  # connects and leaves before CNXN
        with TinyHost(phone.port, signer) as host:
            host.cnxn()  # leaves during authentication
        with online(phone, signer) as host:
            host.open(1, "shell:slow")  # leaves while a command runs
            host.open(2, "shell:big")  # and while a big output waits for OKAY
            host.sock.sendall(b"CNXN\0\0")  # half a header
        assert wait_until(lambda: len(fakeadbd_threads()) == 1)  # only the accept thread
        with online(phone, signer) as host:  # the phone still serves
            assert host.shell(3, "getprop ro.product.name") == b"fakeprod\n"
        assert phone.connection_count == 4
        # Stop with a host connected and a command running.
        host = online(phone, signer)
        host.open(4, "shell:slow")
        started = time.monotonic()
        phone.stop()
        assert time.monotonic() - started < 1.0
        host.sock.close()
    assert fakeadbd_threads() == []
    assert phone.protocol_errors == []


# --- The real adb client ---------------------------------------------------------------------------------------

ADB = shutil.which("adb") or "/usr/bin/adb"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def private_adb_server(tmp_path: Path) -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    """A private adb server (its own port, HOME in tmp_path, so its own key); yields a function that runs adb."""
    port = _free_port()
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "ANDROID_ADB_SERVER_PORT": str(port)}

    def adb(*args: str, timeout: float = 20.0) -> subprocess.CompletedProcess[str]:
        quiet = {"stdin": subprocess.DEVNULL, "capture_output": True, "text": True}
        return subprocess.run([ADB, *args], env=env, timeout=timeout, check=False, **quiet)

    # "nodaemon server" runs the server in the foreground, so that we hold its process and can always end it.
    log = (tmp_path / "adb-server.log").open("wb")
    server = subprocess.Popen([ADB, "nodaemon", "server"], env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: _accepts(port), timeout=10), "the adb server did not start"
        assert wait_until((home / ".android" / "adbkey.pub").exists, timeout=10), "adb made no key"
        yield adb
    finally:
        with contextlib.suppress(subprocess.TimeoutExpired):
            adb("kill-server", timeout=10)
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


needs_adb = pytest.mark.skipif(not Path(ADB).exists(), reason="the real adb client is not installed (apt install adb)")


@needs_adb
def test_real_adb_client_with_a_trusted_key(tmp_path: Path) -> None:
    content = os.urandom(200 * 1024)
    with private_adb_server(tmp_path) as adb:
        adb_key = (tmp_path / "home" / ".android" / "adbkey.pub").read_bytes()
        scenario = Scenario(banner=dict(BANNER), trusted_keys=[adb_key], files={"/sdcard/x.bin": content})
        with FakeAdbd(scenario) as phone:
            connected = adb("connect", phone.serial)
            assert connected.stdout.strip() == f"connected to {phone.serial}", connected
            devices = adb("devices", "-l").stdout
            assert f"{phone.serial}" in devices and "model:Fake_Phone_7" in devices, devices
            model = adb("-s", phone.serial, "shell", "getprop ro.product.model")
            assert (model.returncode, model.stdout) == (0, "Fake Phone 7\n"), model
            missing = adb("-s", phone.serial, "shell", "no-such-tool -x")
            assert missing.stdout == "/system/bin/sh: no-such-tool: inaccessible or not found\n", missing
            pulled = adb("-s", phone.serial, "pull", "/sdcard/x.bin", str(tmp_path / "x.bin"))
            assert pulled.returncode == 0, pulled
            assert (tmp_path / "x.bin").read_bytes() == content
            absent = adb("-s", phone.serial, "pull", "/sdcard/absent.bin", str(tmp_path / "absent.bin"))
            assert absent.returncode != 0, absent
            assert "No such file or directory" in absent.stdout + absent.stderr, absent  # adb 29 uses stdout
        assert phone.command_log == ["getprop ro.product.model", "no-such-tool -x"]
        assert ("RECV", "/sdcard/x.bin") in phone.sync_log
        assert phone.protocol_errors == []


@needs_adb
def test_real_adb_client_offers_its_new_key(tmp_path: Path) -> None:
    with private_adb_server(tmp_path) as adb, FakeAdbd(Scenario(banner=dict(BANNER))) as phone:
        # adb signs with its unknown key, gets a new token, offers the key: the phone accepts it. adb 29 may
        # already report "failed to authenticate" at that point (as with a real phone showing the dialog).
        adb("connect", phone.serial)
        waited = adb("-s", phone.serial, "wait-for-device", timeout=15)
        assert waited.returncode == 0, waited
        model = adb("-s", phone.serial, "shell", "getprop ro.product.model")
        assert model.stdout == "Fake Phone 7\n", model
        adb_key = decode_adb_public_key((tmp_path / "home" / ".android" / "adbkey.pub").read_bytes())
        assert [key.public_numbers() for key in phone.trusted_keys] == [adb_key.public_numbers()]


@needs_adb
def test_real_adb_client_sees_an_unauthorized_phone(tmp_path: Path) -> None:
    with private_adb_server(tmp_path) as adb, FakeAdbd(Scenario(accept_new_keys=False)) as phone:
        adb("connect", phone.serial)
        assert wait_until(lambda: f"{phone.serial}\tunauthorized" in adb("devices").stdout, timeout=10)
        refused = adb("-s", phone.serial, "shell", "id")
        assert refused.returncode != 0 and "unauthorized" in refused.stderr, refused
        assert phone.command_log == []
