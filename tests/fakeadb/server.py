"""FakeAdbd: a fake phone on 127.0.0.1 that speaks the ADB wire protocol over TCP, as adbd does with Wi-Fi / `adb tcpip`
debugging. It only ever plays the device side; the host is the code under test (or the real `adb`).

Threads: one accepts connections; each connection has a reader thread that handles every packet in order (the
handshake, and stream bookkeeping), and each stream (one shell command, one sync session) runs in its own worker
thread, so that many commands run at once on one connection like on a real phone. Packets from all threads go out
under one lock, whole.

    with FakeAdbd(Scenario(commands={"pm list packages": "package:com.example\\n"})) as phone:
        client.connect("127.0.0.1", phone.port)
        ...
        assert phone.command_log == ["pm list packages"]
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import rsa
from fakeserver import FakeServer

from .protocol import (
    AUTH,
    AUTH_RSAPUBLICKEY,
    AUTH_SIGNATURE,
    AUTH_TOKEN,
    CLSE,
    CNXN,
    DEVICE_MAX_PAYLOAD,
    DEVICE_VERSION,
    EACCES,
    ENOENT,
    OKAY,
    OPEN,
    S_IFREG,
    SYNC_PATH_MAX,
    SYNC_REQUEST,
    TOKEN_SIZE,
    VERSION_SKIP_CHECKSUM,
    WRTE,
    Packet,
    ProtocolError,
    checksum,
    decode_adb_public_key,
    device_banner,
    read_packet,
    same_key,
    sync_data_messages,
    sync_fail,
    sync_stat_v1,
    sync_stat_v2,
    verify_token_signature,
)
from .scenario import Response, Scenario

MAX_PAYLOAD_V1 = 4096  # the payload limit before the CNXN says otherwise


class FakeAdbd(FakeServer):
    """A fake adbd serving ``scenario`` on ``host``:``port`` (a free port, chosen by ``start()``).

    What a test can look at, all thread-safe to read:
      command_log      every shell command received, exact text, in arrival order
      sync_log         every sync request as (id, path), e.g. ("RECV", "/sdcard/x.bin"); QUIT as ("QUIT", "")
      max_concurrent   the most shell commands that were running at the same time
      trusted_keys     the keys this phone trusts: the scenario's plus those "allowed" during this run
      connection_count TCP connections accepted
      protocol_errors  why the device hung up on a host that broke the protocol (bad magic, checksum, size)
    """

    def __init__(self, scenario: Scenario, host: str = "127.0.0.1") -> None:
        self._init_server(host)
        self.scenario = scenario
        self.command_log: list[str] = []
        self.sync_log: list[tuple[str, str]] = []
        self.max_concurrent = 0
        self.connection_count = 0
        self.protocol_errors: list[str] = []
        self.trusted_keys: list[rsa.RSAPublicKey] = [
            key if isinstance(key, rsa.RSAPublicKey) else decode_adb_public_key(key) for key in scenario.trusted_keys
        ]
        self._running = 0

    @property
    def serial(self) -> str:
        """The name `adb connect` gives this device: ``127.0.0.1:<port>``."""
        return f"{self.host}:{self.port}"

    # --- Life cycle (tests/fakeserver.py) ------------------------------------------------------------------------

    thread_name = "fakeadbd"

    def _connection(self, sock: socket.socket) -> _Connection:
        return _Connection(self, sock)

    def _accepted(self, conn: _Connection) -> None:
        self.connection_count += 1

    # --- Bookkeeping, called from connection threads -------------------------------------------------------------

    def _log_command(self, command: str) -> int:
        with self._lock:
            self.command_log.append(command)
            return len(self.command_log)

    def _log_sync(self, request_id: bytes, path: str) -> None:
        with self._lock:
            self.sync_log.append((request_id.decode("ascii", "replace"), path))

    def _command_started(self) -> None:
        with self._lock:
            self._running += 1
            self.max_concurrent = max(self.max_concurrent, self._running)

    def _command_finished(self) -> None:
        with self._lock:
            self._running -= 1

    def _is_trusted(self, token: bytes, signature: bytes) -> bool:
        with self._lock:
            keys = list(self.trusted_keys)
        return any(verify_token_signature(key, token, signature) for key in keys)

    def _trust(self, key: rsa.RSAPublicKey) -> None:
        with self._lock:
            if not any(same_key(key, known) for known in self.trusted_keys):
                self.trusted_keys.append(key)


class _HangUp(Exception):
    """End this connection (the host went away, the scenario says so, or stop())."""


class _Unplugged(_HangUp):
    """End this connection abruptly: a TCP reset, no CLSE for the open streams."""


class _Stream:
    """One open stream, seen from the device. ``local_id`` is the device's id, ``remote_id`` the host's."""

    def __init__(self, local_id: int, remote_id: int) -> None:
        self.local_id = local_id
        self.remote_id = remote_id
        self._cond = threading.Condition()
        self._writable = True  # the device may send one WRTE, then must wait for the host's OKAY
        self._closed = False
        self._inbox = bytearray()  # data the host wrote (WRTE) and the service has not read yet

    def okay(self) -> None:
        with self._cond:
            self._writable = True
            self._cond.notify_all()

    def received(self, data: bytes) -> None:
        with self._cond:
            self._inbox += data
            self._cond.notify_all()

    def mark_closed(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def wait_closed(self, timeout: float) -> bool:
        """Sleep ``timeout`` seconds; True at once if the stream (or its connection) closes meanwhile."""
        with self._cond:
            return self._cond.wait_for(lambda: self._closed, timeout)

    def claim_write(self) -> bool:
        """Wait until the host's OKAY allows the next WRTE; False if the stream closed instead."""
        with self._cond:
            self._cond.wait_for(lambda: self._writable or self._closed)
            if self._closed:
                return False
            self._writable = False
            return True

    def read_exactly(self, size: int) -> bytes | None:
        """The next ``size`` bytes the host wrote, whatever WRTE packets they came in; None if the stream closed."""
        with self._cond:
            self._cond.wait_for(lambda: len(self._inbox) >= size or self._closed)
            if len(self._inbox) < size:
                return None
            data = bytes(self._inbox[:size])
            del self._inbox[:size]
            return data


class _Connection:
    """One TCP connection from a host: the handshake, then streams."""

    def __init__(self, server: FakeAdbd, sock: socket.socket) -> None:
        self.server = server
        self.scenario = server.scenario
        self.sock = sock
        self.thread = threading.Thread(target=self._run, name=f"fakeadbd-conn-{server.port}", daemon=True)
        self._send_lock = threading.Lock()
        self._dead = threading.Event()
        self._version = DEVICE_VERSION  # replaced by min(host's, ours) at the host's CNXN
        self._max_payload = MAX_PAYLOAD_V1
        self._token: bytes | None = None  # the last AUTH TOKEN sent; a SIGNATURE must sign this one
        self._online = False  # authenticated: streams may be opened
        self._streams: dict[int, _Stream] = {}
        self._streams_lock = threading.Lock()
        self._next_id = 1
        self._workers: list[threading.Thread] = []

    # --- Reader thread -------------------------------------------------------------------------------------------

    def _run(self) -> None:
        abrupt = False
        try:
            while not self._dead.is_set():
                packet, data_check = read_packet(self._recv_exactly)
                # Version 0x01000000 hosts put the byte-sum of the payload in every header, and old adbd
                # dropped the connection when it did not match. A CNXN is checked against its own version.
                version = min(packet.arg0, DEVICE_VERSION) if packet.command == CNXN else self._version
                if version < VERSION_SKIP_CHECKSUM and data_check != checksum(packet.data):
                    raise ProtocolError(f"bad checksum {data_check:#x} on {packet!r}")
                self._handle(packet)
        except _Unplugged:
            abrupt = True
        except ProtocolError as exc:
            with self.server._lock:
                self.server.protocol_errors.append(str(exc))
        except (_HangUp, OSError, struct.error):
            pass  # the host went away, or we were told to hang up
        finally:
            self._close(abrupt=abrupt)

    def _recv_exactly(self, size: int) -> bytes:
        buf = bytearray()
        while len(buf) < size:
            chunk = self.sock.recv(size - len(buf))
            if not chunk:
                raise _HangUp("the host closed the connection")
            buf += chunk
        return bytes(buf)

    def _handle(self, packet: Packet) -> None:
        command = packet.command
        if command == CNXN:
            self._on_connect(packet)
        elif command == AUTH:
            self._on_auth(packet)
        elif not self._online:
            return  # before authentication adbd ignores everything else
        elif command == OPEN:
            self._on_open(packet)
        elif command == OKAY:
            self._on_okay(packet)
        elif command == WRTE:
            self._on_write(packet)
        elif command == CLSE:
            self._on_close(packet)
        # Anything else (SYNC, unknown commands) is ignored, as adbd does.

    # --- Handshake -----------------------------------------------------------------------------------------------

    def _on_connect(self, packet: Packet) -> None:
        """CNXN(version, maxdata, "host::..."): start (or restart) the session and ask for authentication."""
        self._close_all_streams()  # a second CNXN resets the session, like adbd's handle_offline
        self._online = False
        self._version = min(packet.arg0, DEVICE_VERSION)
        self._max_payload = min(packet.arg1, DEVICE_MAX_PAYLOAD) or MAX_PAYLOAD_V1
        if self.scenario.close_after_cnxn:
            raise _HangUp("scenario: close right after CNXN")
        self._send_auth_token()

    def _send_auth_token(self) -> None:
        self._token = os.urandom(TOKEN_SIZE)
        self._send(AUTH, AUTH_TOKEN, 0, self._token)

    def _on_auth(self, packet: Packet) -> None:
        if self._token is None:
            return  # no CNXN yet, so no token to sign
        if packet.arg0 == AUTH_SIGNATURE:
            # The host signed our token with one of its keys. A key we trust: online. Otherwise a fresh token,
            # so that the host can try its next key, and after its last key send AUTH RSAPUBLICKEY.
            if self.server._is_trusted(self._token, packet.data):
                self._go_online()
            else:
                self._send_auth_token()
        elif packet.arg0 == AUTH_RSAPUBLICKEY:
            self._on_public_key(packet.data)
        # Other types: adbd marks the transport offline; the host has nothing to wait for either way.

    def _on_public_key(self, payload: bytes) -> None:
        """The host offers a new key: a real phone shows "Allow USB debugging?" with its fingerprint."""
        if not payload.endswith(b"\0"):
            return  # adbd: "key must be a null-terminated string"
        try:
            key = decode_adb_public_key(payload)
        except ValueError:
            return
        if not self.scenario.accept_new_keys:
            return  # nobody taps Allow: no answer at all, the host waits until it gives up
        if self._dead.wait(self.scenario.allow_delay):
            return  # hung up while the person was reading the dialog
        self.server._trust(key)  # "Always allow from this computer"
        self._go_online()

    def _go_online(self) -> None:
        self._online = True
        banner = device_banner(self.scenario.banner, self.scenario.features)
        self._send(CNXN, DEVICE_VERSION, self._max_payload, banner)

    # --- Streams: dispatch ---------------------------------------------------------------------------------------

    def _on_open(self, packet: Packet) -> None:
        """OPEN(host_id, 0, b"service\\0"): answer OKAY(device_id, host_id) and start the service, or refuse it
        with CLSE(0, host_id)."""
        host_id = packet.arg0
        if host_id == 0 or packet.arg1 != 0:
            return  # malformed: adbd ignores it
        service = packet.data.split(b"\0", 1)[0].decode("utf-8", "replace")
        name, colon, rest = service.partition(":")
        kind, *options = name.split(",")  # "shell,raw:cmd" style options, as old hosts send them
        if kind == "shell" and colon and "v2" not in options:
            self._open_shell(host_id, rest)
        elif service == "sync:":
            self._open_sync(host_id)
        else:
            self._send(CLSE, 0, host_id)  # unknown service (or shell v2, which we do not advertise)

    def _on_okay(self, packet: Packet) -> None:
        """OKAY(host_id, device_id): the host took our last WRTE; the next one may go."""
        if packet.arg0 == 0 or packet.arg1 == 0:
            return
        stream = self._find(packet.arg1)
        if stream is None:
            # An OKAY for a stream we already closed (typically for the WRTE sent just before our CLSE).
            # adbd answers it with a CLSE so that the host forgets the stream too.
            self._send(CLSE, packet.arg1, packet.arg0)
        elif stream.remote_id == packet.arg0:
            stream.okay()

    def _on_write(self, packet: Packet) -> None:
        """WRTE(host_id, device_id, data): data for the service (sync requests; a shell's stdin is ignored)."""
        stream = self._find(packet.arg1)
        if stream is None or stream.remote_id != packet.arg0:
            return
        stream.received(packet.data)
        self._send(OKAY, stream.local_id, stream.remote_id)

    def _on_close(self, packet: Packet) -> None:
        """CLSE(host_id, device_id): the host closes a stream; the device confirms with its own CLSE."""
        stream = self._find(packet.arg1)
        if stream is None or packet.arg0 not in (0, stream.remote_id):
            return
        if self._forget(stream):
            stream.mark_closed()
            self._send(CLSE, stream.local_id, stream.remote_id)

    def _new_stream(self, host_id: int) -> _Stream:
        with self._streams_lock:
            stream = _Stream(self._next_id, host_id)
            self._next_id += 1
            self._streams[stream.local_id] = stream
        return stream

    def _find(self, local_id: int) -> _Stream | None:
        with self._streams_lock:
            return self._streams.get(local_id)

    def _forget(self, stream: _Stream) -> bool:
        """Remove the stream; False if it was already gone (whoever closes first sends the CLSE)."""
        with self._streams_lock:
            return self._streams.pop(stream.local_id, None) is stream

    def _close_stream(self, stream: _Stream) -> None:
        """The service ended: CLSE(device_id, host_id). adbd does not wait for the host's OKAY of the last WRTE."""
        if self._forget(stream):
            stream.mark_closed()
            self._send(CLSE, stream.local_id, stream.remote_id)

    def _close_all_streams(self) -> None:
        with self._streams_lock:
            streams = list(self._streams.values())
            self._streams.clear()
        for stream in streams:
            stream.mark_closed()

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        worker = threading.Thread(target=target, args=args, name=f"fakeadbd-stream-{self.server.port}", daemon=True)
        self._workers = [w for w in self._workers if w.is_alive()]
        self._workers.append(worker)
        worker.start()

    # --- Sending -------------------------------------------------------------------------------------------------

    def _send(self, command: bytes, arg0: int, arg1: int, data: bytes = b"") -> bool:
        raw = Packet(command, arg0, arg1, data).pack(with_checksum=self._version < VERSION_SKIP_CHECKSUM)
        with self._send_lock:
            if self._dead.is_set():
                return False
            try:
                self.sock.sendall(raw)
            except OSError:
                self.hang_up()
                return False
        return True

    def _write(self, stream: _Stream, data: bytes, chunk: int | None = None) -> bool:
        """Send ``data`` as WRTE packets of at most maxdata (or ``chunk``) bytes, each after the previous OKAY."""
        size = min(chunk or self._max_payload, self._max_payload)
        for start in range(0, len(data), size):
            if not stream.claim_write():
                return False
            if not self._send(WRTE, stream.local_id, stream.remote_id, data[start : start + size]):
                return False
        return True

    # --- Services ------------------------------------------------------------------------------------------------

    def _open_shell(self, host_id: int, command: str) -> None:
        count = self.server._log_command(command)
        if count == self.scenario.disconnect_after_commands:
            raise _Unplugged(f"scenario: unplugged at shell command #{count}")
        stream = self._new_stream(host_id)
        self.server._command_started()  # counted from the OPEN, so that concurrency is measured exactly
        self._send(OKAY, stream.local_id, host_id)
        self._spawn(self._run_shell, stream, self.scenario.response(command))

    def _run_shell(self, stream: _Stream, response: Response) -> None:
        """``shell:<command>`` in protocol v1: the output as WRTE packets, then CLSE. No exit code."""
        data = response.data
        size = min(response.chunk or self._max_payload, self._max_payload)
        last = ((len(data) - 1) // size) * size if data else 0  # where the last WRTE starts
        try:
            if stream.wait_closed(response.delay):
                return  # the host closed the stream (or the connection died) while the command ran
            if not self._write(stream, data[:last], size):
                return
        finally:
            # Finished before the last WRTE goes out: a host that waits for the CLSE before its next OPEN
            # must never be counted as running two commands at once.
            self.server._command_finished()
        # The command has exited: adbd sends the last WRTE and, right behind it, the CLSE, without waiting for
        # the host's OKAY of that WRTE. (adb-shell 0.4.4 mishandles exactly this.)
        if data and not self._write(stream, data[last:], size):
            return
        self._close_stream(stream)

    def _open_sync(self, host_id: int) -> None:
        stream = self._new_stream(host_id)
        self._send(OKAY, stream.local_id, host_id)
        self._spawn(self._run_sync, stream)

    def _run_sync(self, stream: _Stream) -> None:
        """The sync service: read requests from the stream's byte flow, answer each, until QUIT or an error."""
        while True:
            header = stream.read_exactly(SYNC_REQUEST.size)
            if header is None:
                return  # the host closed the stream
            request_id, length = SYNC_REQUEST.unpack(header)
            if length > SYNC_PATH_MAX:
                self._write(stream, sync_fail("path too long"))
                break
            raw_path = stream.read_exactly(length)
            if raw_path is None:
                return
            path = raw_path.decode("utf-8", "surrogateescape")
            self.server._log_sync(request_id, path)
            reply, keep_going = self._sync_reply(request_id, path)
            if reply and not self._write(stream, reply):
                return
            if not keep_going:
                break
        self._close_stream(stream)  # adbd ends the service after QUIT and after any FAIL

    def _sync_reply(self, request_id: bytes, path: str) -> tuple[bytes, bool]:
        """The reply to one sync request, and whether the service goes on afterwards."""
        files = self.scenario.files
        exists = path in files
        content = files.get(path)
        size = len(content) if content is not None else 0
        # A file in `files` is a regular file; None means adbd (uid shell) may stat it but not open it.
        mode = S_IFREG | (0o660 if content is not None else 0o600)
        mtime = self.scenario.file_mtime
        if request_id == b"STAT":
            return (sync_stat_v1(mode, size, mtime) if exists else sync_stat_v1(0, 0, 0)), True
        if request_id in (b"LST2", b"STA2") and "stat_v2" in self.scenario.features:
            if not exists:
                return sync_stat_v2(request_id, error=ENOENT), True
            return sync_stat_v2(request_id, mode=mode, size=size, mtime=mtime), True
        if request_id == b"RECV":
            if not exists:
                return sync_fail(f"open failed: {os.strerror(ENOENT)}"), False
            if content is None:
                return sync_fail(f"open failed: {os.strerror(EACCES)}"), False
            return sync_data_messages(content), True
        if request_id == b"QUIT":
            return b"", False
        # LIST, SEND, ... are not implemented; adbd answers unknown requests like this and ends the service.
        return sync_fail(f"unknown command {int.from_bytes(request_id, 'little'):08x}"), False

    # --- Ending --------------------------------------------------------------------------------------------------

    def hang_up(self) -> None:
        """End the connection from any thread: wakes the reader (blocked in recv) and every worker."""
        self._dead.set()
        self._close_all_streams()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def _close(self, *, abrupt: bool) -> None:
        """Called once, by the reader thread as it ends."""
        if abrupt:
            # SO_LINGER 0: close() sends a TCP reset instead of the usual FIN, like a cable pulled out.
            self._dead.set()
            self._close_all_streams()
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # Wait (briefly) for a worker that is half-way through a packet; one stuck in sendall because the
            # host stopped reading is woken by shutdown() instead.
            if self._send_lock.acquire(timeout=1.0):
                self.sock.close()
                self._send_lock.release()
            else:
                self.hang_up()
        else:
            self.hang_up()
        for worker in self._workers:
            worker.join(5.0)
        self.sock.close()
