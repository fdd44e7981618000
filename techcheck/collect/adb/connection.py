"""An ADB connection with a stream layer that lets many commands run at once.

adb-shell does the parts it does well: the USB and TCP transports, the RSA signer, and packing
messages (``AdbMessage``). The stream layer is ours, because adb-shell 0.4.4's has two problems when
several shells share one connection (see docs/adb-shell-concurrency-bug.md): a CLSE read by one thread
for another stream can be dropped, so that stream hangs until its timeout; and reads hold the
transport lock while they wait on the device, so threads take turns.

Here one reader thread owns all reads. It hands each packet to the stream it belongs to (per-stream
queues), answers every WRTE with OKAY at once, and wakes the waiters of a stream that closes. Writes
share one lock, held only while bytes are written, never while waiting for an answer.
"""

from __future__ import annotations

import itertools
import queue
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

# Protocol constants (system/core/adb/protocol.txt).
A_VERSION = 0x01000001  # 0x01000001: checksums may be zero and are not checked
MAX_DATA = 256 * 1024
AUTH_TOKEN, AUTH_SIGNATURE, AUTH_RSAPUBLICKEY = 1, 2, 3
_HEADER = struct.Struct("<6I")
_SYNC_REQUEST = struct.Struct("<4sI")
_SYNC_STAT = struct.Struct("<4sIII")
SYNC_CHUNK = 64 * 1024


def _cmd(name: bytes) -> int:
    return struct.unpack("<I", name)[0]


CNXN, AUTH, OPEN, OKAY, WRTE, CLSE = (_cmd(c) for c in (b"CNXN", b"AUTH", b"OPEN", b"OKAY", b"WRTE", b"CLSE"))


class AdbError(Exception):
    """A problem talking to the phone. ``reason`` is a message key (``adb.<reason>``) the CLI shows."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class Transport(Protocol):
    """What adb-shell's TcpTransport and UsbTransport offer (and the tests' transports)."""

    def connect(self, transport_timeout_s: float) -> None: ...
    def bulk_read(self, numbytes: int, transport_timeout_s: float) -> bytes: ...
    def bulk_write(self, data: bytes, transport_timeout_s: float) -> int: ...
    def close(self) -> None: ...


class Signer(Protocol):
    def Sign(self, data: bytes) -> bytes: ...  # noqa: N802 - adb-shell's names
    def GetPublicKey(self) -> bytes | str: ...  # noqa: N802


def pack(command: int, arg0: int, arg1: int, data: bytes = b"") -> bytes:
    """A message as adb-shell's AdbMessage packs it (checksum: byte sum, for old adbd)."""
    from adb_shell.adb_message import AdbMessage

    name = struct.pack("<I", command)
    return AdbMessage(name, arg0, arg1, data).pack() + data


def parse_banner(data: bytes) -> dict[str, str]:
    """``device::ro.product.model=Pixel 8;features=cmd,…`` → ``{"ro.product.model": "Pixel 8", …}``."""
    text = data.rstrip(b"\0").decode("utf-8", "replace")
    kind, _, rest = text.partition("::")
    props = {"_kind": kind}
    for part in rest.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            props[key.strip()] = value.strip()
    return props


@dataclass
class _Stream:
    local_id: int
    remote_id: int = 0
    opened: threading.Event = field(default_factory=threading.Event)
    closed: threading.Event = field(default_factory=threading.Event)
    writable: threading.Event = field(default_factory=threading.Event)
    data: queue.Queue = field(default_factory=queue.Queue)
    refused: bool = False


class AdbConnection:
    """One authenticated connection to one phone. ``shell()`` and ``pull()`` may be called from many
    threads at once; each call opens its own stream."""

    def __init__(self, transport: Transport, signer: Signer, io_timeout: float = 10.0) -> None:
        self._transport = transport
        self._signer = signer
        self._io_timeout = io_timeout
        self._write_lock = threading.Lock()
        self._streams: dict[int, _Stream] = {}
        self._streams_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._reader: threading.Thread | None = None
        self._dead: AdbError | None = None
        self._stopping = False
        self.max_data = MAX_DATA
        self.banner: dict[str, str] = {}

    # Low-level I/O ---------------------------------------------------------------------------------
    def _read_exact(self, size: int, deadline: float | None) -> bytes:
        buffer = bytearray()
        while len(buffer) < size:
            if self._stopping:
                raise AdbError("disconnected", "connection closed")
            wait = 1.0 if deadline is None else max(0.05, min(1.0, deadline - time.monotonic()))
            try:
                chunk = self._transport.bulk_read(size - len(buffer), wait)
            except Exception as exc:  # noqa: BLE001 - transports raise their own types
                if _is_timeout(exc):
                    if deadline is not None and time.monotonic() >= deadline:
                        raise AdbError("timeout", "no answer from the phone") from None
                    continue
                raise AdbError("disconnected", f"{exc.__class__.__name__}: {exc}") from None
            if not chunk:
                raise AdbError("disconnected", "the phone closed the connection")
            buffer.extend(chunk)
        return bytes(buffer)

    def _read_packet(self, deadline: float | None = None) -> tuple[int, int, int, bytes]:
        command, arg0, arg1, length, _checksum, magic = _HEADER.unpack(self._read_exact(24, deadline))
        if magic != command ^ 0xFFFFFFFF:
            raise AdbError("disconnected", "garbled data from the phone")
        if length > 16 * 1024 * 1024:
            raise AdbError("disconnected", "a message larger than the protocol allows")
        payload = self._read_exact(length, deadline) if length else b""
        return command, arg0, arg1, payload

    def _send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        message = pack(command, arg0, arg1, data)
        with self._write_lock:
            if self._dead:
                raise self._dead
            view = memoryview(message)
            while view:
                try:
                    sent = self._transport.bulk_write(bytes(view[: 64 * 1024]), self._io_timeout)
                except Exception as exc:  # noqa: BLE001
                    raise AdbError("disconnected", f"{exc.__class__.__name__}: {exc}") from None
                if not sent:
                    raise AdbError("disconnected", "could not write to the phone")
                view = view[sent:]

    # Connecting ------------------------------------------------------------------------------------
    def connect(
        self,
        auth_timeout: float = 60.0,
        waiting: Callable[[float], None] | None = None,
        connect_timeout: float = 10.0,
    ) -> dict[str, str]:
        """Handshake and authenticate. ``waiting(seconds_left)`` is called about once a second while
        the phone shows "Allow USB debugging?" and the person has not answered yet."""
        try:
            self._transport.connect(connect_timeout)
        except AdbError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise AdbError("unreachable", f"{exc.__class__.__name__}: {exc}") from None
        try:
            return self._handshake(auth_timeout, waiting, connect_timeout)
        except BaseException:  # a phone that never allows this computer must not leave the socket open
            try:
                self._transport.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
            raise

    def _handshake(
        self, auth_timeout: float, waiting: Callable[[float], None] | None, connect_timeout: float
    ) -> dict[str, str]:
        self._send(CNXN, A_VERSION, MAX_DATA, b"host::\0")
        sent_signature = sent_key = False
        deadline = time.monotonic() + connect_timeout
        while True:
            try:
                command, arg0, arg1, data = self._read_packet(deadline)
            except AdbError as exc:
                if exc.reason == "timeout" and sent_key:
                    raise AdbError("unauthorized", "nobody allowed this computer on the phone") from None
                if exc.reason == "disconnected" and not sent_signature:
                    raise AdbError("refused", exc.detail) from None
                raise
            if command == CNXN:
                self.banner = parse_banner(data)
                self.max_data = max(4096, min(MAX_DATA, arg1 or MAX_DATA))
                break
            if command != AUTH or arg0 != AUTH_TOKEN:
                continue
            if not sent_signature:
                self._send(AUTH, AUTH_SIGNATURE, 0, self._signer.Sign(data))
                sent_signature = True
            elif not sent_key:
                key = self._signer.GetPublicKey()
                key = key.encode() if isinstance(key, str) else key
                self._send(AUTH, AUTH_RSAPUBLICKEY, 0, key.rstrip(b"\0") + b"\0")
                sent_key = True
                deadline = self._countdown(auth_timeout, waiting)
        self._reader = threading.Thread(target=self._read_loop, name="adb-reader", daemon=True)
        self._reader.start()
        return self.banner

    def _countdown(self, seconds: float, waiting: Callable[[float], None] | None) -> float:
        """The deadline for the person's answer; a helper thread calls ``waiting`` every second."""
        deadline = time.monotonic() + seconds
        if waiting is not None:

            def tick() -> None:
                while not self.banner and not self._stopping:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return
                    waiting(left)
                    time.sleep(min(1.0, left))

            threading.Thread(target=tick, name="adb-auth-countdown", daemon=True).start()
        return deadline

    # The reader ------------------------------------------------------------------------------------
    def _read_loop(self) -> None:
        try:
            while not self._stopping:
                command, arg0, arg1, data = self._read_packet()
                self._dispatch(command, arg0, arg1, data)
        except AdbError as exc:
            self._die(exc)
        except Exception as exc:  # noqa: BLE001
            self._die(AdbError("disconnected", f"{exc.__class__.__name__}: {exc}"))

    def _dispatch(self, command: int, remote_id: int, local_id: int, data: bytes) -> None:
        with self._streams_lock:
            stream = self._streams.get(local_id)
        if stream is None:
            return  # a late packet for a stream we already closed
        if command == OKAY:
            stream.remote_id = remote_id
            stream.opened.set()
            stream.writable.set()
        elif command == WRTE:
            stream.data.put(data)
            self._send(OKAY, local_id, remote_id)
        elif command == CLSE:
            if not stream.opened.is_set():
                stream.refused = True
                stream.opened.set()
            stream.closed.set()
            stream.data.put(None)
            stream.writable.set()

    def _die(self, error: AdbError) -> None:
        if self._dead is None:
            self._dead = error if not self._stopping else AdbError("disconnected", "connection closed")
        with self._streams_lock:
            streams = list(self._streams.values())
        for stream in streams:
            stream.opened.set()
            stream.closed.set()
            stream.writable.set()
            stream.data.put(None)

    # Streams ---------------------------------------------------------------------------------------
    def _open(self, destination: bytes, deadline: float) -> _Stream:
        if self._dead:
            raise self._dead
        stream = _Stream(local_id=next(self._ids))
        with self._streams_lock:
            self._streams[stream.local_id] = stream
        self._send(OPEN, stream.local_id, 0, destination + b"\0")
        if not stream.opened.wait(max(0.0, deadline - time.monotonic())):
            self._close(stream)
            raise AdbError("timeout", f"the phone did not open {destination[:60]!r}")
        if self._dead:
            raise self._dead
        if stream.refused:
            self._forget(stream)
            raise AdbError("refused", f"the phone refused {destination[:60]!r}")
        return stream

    def _forget(self, stream: _Stream) -> None:
        with self._streams_lock:
            self._streams.pop(stream.local_id, None)

    def _close(self, stream: _Stream) -> None:
        if not self._dead:
            try:
                self._send(CLSE, stream.local_id, stream.remote_id)
            except AdbError:
                pass
        self._forget(stream)

    def _write(self, stream: _Stream, data: bytes, deadline: float) -> None:
        for start in range(0, len(data), self.max_data):
            stream.writable.clear()
            self._send(WRTE, stream.local_id, stream.remote_id, data[start : start + self.max_data])
            if not stream.writable.wait(max(0.0, deadline - time.monotonic())):
                raise AdbError("timeout", "the phone did not acknowledge")
            if self._dead:
                raise self._dead

    def _next_chunk(self, stream: _Stream, deadline: float) -> bytes | None:
        try:
            chunk = stream.data.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AdbError("timeout", "the phone took too long to answer") from None
        if chunk is None and self._dead:
            raise self._dead
        return chunk

    def shell(self, command: str, timeout: float = 30.0, limit: int = 64 * 1024 * 1024) -> bytes:
        """Run one shell command and return what it printed (stdout and stderr, as shell v1 merges
        them). Raises AdbError("timeout") after ``timeout`` seconds, closing the stream."""
        deadline = time.monotonic() + timeout
        stream = self._open(b"shell:" + command.encode("utf-8"), deadline)
        output = bytearray()
        try:
            while True:
                chunk = self._next_chunk(stream, deadline)
                if chunk is None:
                    break
                output.extend(chunk)
                if len(output) > limit:
                    raise AdbError("too-large", f"{command[:40]!r} printed more than {limit} bytes")
        finally:
            self._close(stream)
        return bytes(output)

    # File sync (pull) ------------------------------------------------------------------------------
    def pull(self, path: str, sink: Any, max_bytes: int, timeout: float = 120.0) -> int:
        """Copy a file from the phone into ``sink`` (a binary file object). Raises AdbError("too-large")
        when it is larger than ``max_bytes``, and AdbError("not-found") when the phone says no."""
        deadline = time.monotonic() + timeout
        stream = self._open(b"sync:", deadline)
        reader = _SyncReader(self, stream, deadline)
        try:
            encoded = path.encode("utf-8")
            self._write(stream, _SYNC_REQUEST.pack(b"STAT", len(encoded)) + encoded, deadline)
            _, mode, size, _mtime = _SYNC_STAT.unpack(reader.take(_SYNC_STAT.size))
            if mode == 0:
                raise AdbError("not-found", path)
            if size > max_bytes:
                raise AdbError("too-large", f"{path} is {size} bytes")
            self._write(stream, _SYNC_REQUEST.pack(b"RECV", len(encoded)) + encoded, deadline)
            total = 0
            while True:
                kind, length = _SYNC_REQUEST.unpack(reader.take(_SYNC_REQUEST.size))
                if kind == b"DONE":
                    break
                if kind == b"FAIL":
                    raise AdbError("not-found", reader.take(length).decode("utf-8", "replace")[:200])
                if kind != b"DATA" or length > SYNC_CHUNK:
                    raise AdbError("disconnected", f"unexpected sync reply {kind!r}")
                total += length
                if total > max_bytes:
                    raise AdbError("too-large", f"{path} is larger than {max_bytes} bytes")
                sink.write(reader.take(length))
            self._write(stream, _SYNC_REQUEST.pack(b"QUIT", 0), deadline)
            return total
        finally:
            self._close(stream)

    def close(self) -> None:
        self._stopping = True
        try:
            self._transport.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass
        if self._reader and self._reader is not threading.current_thread():
            self._reader.join(timeout=2)
        self._die(AdbError("disconnected", "connection closed"))

    def __enter__(self) -> AdbConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _SyncReader:
    """Sync replies arrive as a byte stream split across WRTE packets: read exact amounts."""

    def __init__(self, connection: AdbConnection, stream: _Stream, deadline: float) -> None:
        self._connection = connection
        self._stream = stream
        self._deadline = deadline
        self._buffer = bytearray()

    def take(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = self._connection._next_chunk(self._stream, self._deadline)  # noqa: SLF001
            if chunk is None:
                raise AdbError("disconnected", "the phone closed the file transfer")
            self._buffer.extend(chunk)
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out


def _is_timeout(exc: Exception) -> bool:
    name = exc.__class__.__name__
    if "Timeout" in name:
        return True
    inner = getattr(exc, "usb_error", None)  # adb-shell wraps libusb's USBErrorTimeout
    return inner is not None and "Timeout" in inner.__class__.__name__
