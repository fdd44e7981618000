"""The ADB wire protocol, as the device side (adbd) speaks it.

This module has no sockets and no threads: only the byte layouts, so that it reads as a description of the protocol.
Everything is little-endian.

Packets
-------
Every packet is a 24-byte header followed by ``data_length`` bytes of payload::

    uint32 command      b"CNXN", b"AUTH", b"OPEN", b"OKAY", b"WRTE" or b"CLSE", read as a little-endian integer
    uint32 arg0
    uint32 arg1
    uint32 data_length
    uint32 data_check   the byte-sum of the payload; 0 and unchecked once both sides speak version 0x01000001
    uint32 magic        command ^ 0xffffffff

    CNXN(version, maxdata, banner)       "I am here"; the host sends "host::...", the device "device::..."
    AUTH(type, 0, data)                  1 = TOKEN (device -> host), 2 = SIGNATURE, 3 = RSAPUBLICKEY (host -> device)
    OPEN(host_id, 0, b"service\\0")       open a stream to a service, e.g. b"shell:getprop\\0" or b"sync:\\0"
    OKAY(sender_id, receiver_id)         the stream is open / "send me the next WRTE" (flow control)
    WRTE(sender_id, receiver_id, data)   stream data; the sender waits for an OKAY before its next WRTE
    CLSE(sender_id, receiver_id)         the stream is closed (CLSE(0, host_id) refuses an OPEN)

The file sync service (``sync:``)
--------------------------------
Inside a ``sync:`` stream the host sends requests ``id(4 bytes) + uint32 length + path`` (no NUL, path <= 1024
bytes). Requests and replies are a byte stream: they may be split across WRTE packets or share one.

    STAT path  -> STAT mode size mtime (3 x uint32); a missing file gives all zeros
    LST2 path  -> LST2 error dev ino mode nlink uid gid size atime mtime ctime (the "stat_v2" feature; STA2 too)
    RECV path  -> DATA len bytes (each <= 64 KiB) ... then DONE 0; or FAIL len message, and the stream closes
    QUIT ""    -> the device closes the stream
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

# --- Packets ---------------------------------------------------------------------------------------------------

CNXN = b"CNXN"
AUTH = b"AUTH"
OPEN = b"OPEN"
OKAY = b"OKAY"
WRTE = b"WRTE"
CLSE = b"CLSE"
SYNC = b"SYNC"  # obsolete, never sent by a current host; listed so that it is not mistaken for garbage
COMMANDS = frozenset({CNXN, AUTH, OPEN, OKAY, WRTE, CLSE, SYNC})

HEADER = struct.Struct("<6I")  # command, arg0, arg1, data_length, data_check, magic

VERSION_MIN = 0x01000000  # the original protocol: every payload carries a byte-sum checksum
VERSION_SKIP_CHECKSUM = 0x01000001  # since Android 9: the checksum field may be 0 and is not checked
DEVICE_VERSION = VERSION_SKIP_CHECKSUM

DEVICE_MAX_PAYLOAD = 256 * 1024  # what this fake device accepts; the device answers min(host's maxdata, this)

AUTH_TOKEN = 1
AUTH_SIGNATURE = 2
AUTH_RSAPUBLICKEY = 3
TOKEN_SIZE = 20  # the device sends 20 random bytes; the host signs them as if they were a SHA-1 digest


class ProtocolError(Exception):
    """The peer broke the protocol (bad magic, bad checksum, oversized packet): a real adbd drops the connection."""


@dataclass(frozen=True)
class Packet:
    command: bytes
    arg0: int
    arg1: int
    data: bytes = b""

    def pack(self, *, with_checksum: bool) -> bytes:
        """The bytes on the wire. ``with_checksum`` is False once both sides speak VERSION_SKIP_CHECKSUM."""
        command = int.from_bytes(self.command, "little")
        check = checksum(self.data) if with_checksum else 0
        header = HEADER.pack(command, self.arg0, self.arg1, len(self.data), check, command ^ 0xFFFFFFFF)
        return header + self.data

    def __repr__(self) -> str:  # short, for test failure messages
        return f"Packet({self.command.decode()}, {self.arg0:#x}, {self.arg1:#x}, {self.data[:40]!r}...)"


def checksum(data: bytes) -> int:
    """The "checksum" of protocol version 0x01000000: the sum of the payload bytes (not a CRC32)."""
    return sum(data) & 0xFFFFFFFF


def read_packet(recv_exactly: Callable[[int], bytes], *, max_payload: int = DEVICE_MAX_PAYLOAD) -> tuple[Packet, int]:
    """Read one packet; returns it and the header's data_check, which the caller verifies if the version says so."""
    command_int, arg0, arg1, length, data_check, magic = HEADER.unpack(recv_exactly(HEADER.size))
    if magic != command_int ^ 0xFFFFFFFF:
        raise ProtocolError(f"bad magic {magic:#x} for command {command_int:#x}")
    if length > max_payload:
        raise ProtocolError(f"payload of {length} bytes is larger than {max_payload}")
    data = recv_exactly(length) if length else b""
    return Packet(command_int.to_bytes(4, "little"), arg0, arg1, data), data_check


# --- The CNXN banner -------------------------------------------------------------------------------------------


def device_banner(props: dict[str, str], features: Iterable[str]) -> bytes:
    """``device::ro.product.name=x;ro.product.model=y;ro.product.device=z;features=a,b`` (no NUL, like adbd)."""
    parts = [f"{key}={value}" for key, value in props.items()]
    parts.append("features=" + ",".join(features))
    return ("device::" + ";".join(parts)).encode()


# --- Authentication --------------------------------------------------------------------------------------------

# struct RSAPublicKey { uint32 modulus_size_words; uint32 n0inv; uint8 modulus[256]; uint8 rr[256]; uint32 exponent; }
# modulus and rr are little-endian numbers; n0inv and rr are Montgomery helpers that a verifier can ignore.
ANDROID_PUBKEY = struct.Struct("<II256s256sI")
ANDROID_PUBKEY_WORDS = 256 // 4


def decode_adb_public_key(blob: bytes | str) -> rsa.RSAPublicKey:
    """Decode an adb public key: the AUTH RSAPUBLICKEY payload or an ``adbkey.pub`` file.

    The text is ``base64(struct RSAPublicKey) user@host`` (the payload ends with a NUL). Raises ValueError.
    """
    if isinstance(blob, str):
        blob = blob.encode()
    fields = blob.replace(b"\0", b" ").split()
    if not fields:
        raise ValueError("empty adb public key")
    try:
        raw = base64.b64decode(fields[0], validate=True)
        words, _n0inv, modulus, _rr, exponent = ANDROID_PUBKEY.unpack(raw)
    except (ValueError, struct.error) as exc:
        raise ValueError(f"not an adb public key: {exc}") from exc
    if words != ANDROID_PUBKEY_WORDS:
        raise ValueError(f"adb public keys are 2048-bit RSA, not {words * 32}-bit")
    return rsa.RSAPublicNumbers(exponent, int.from_bytes(modulus, "little")).public_key()


def verify_token_signature(key: rsa.RSAPublicKey, token: bytes, signature: bytes) -> bool:
    """Does ``signature`` sign ``token``? The host signs the 20 random bytes as if they were a SHA-1 digest:
    RSA PKCS#1 v1.5 with the SHA-1 DigestInfo prefix, the token not hashed again (adbd's RSA_verify(NID_sha1))."""
    try:
        key.verify(signature, token, padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))
    except (InvalidSignature, ValueError):
        return False
    return True


def same_key(a: rsa.RSAPublicKey, b: rsa.RSAPublicKey) -> bool:
    return a.public_numbers() == b.public_numbers()


# --- The file sync service -------------------------------------------------------------------------------------

SYNC_REQUEST = struct.Struct("<4sI")  # id, path length (then the path)
SYNC_PATH_MAX = 1024
SYNC_DATA_MAX = 64 * 1024  # adbd reads files into a 64 KiB buffer, minus the 8-byte DATA header
STAT_V1 = struct.Struct("<4sIII")  # b"STAT", mode, size, mtime
STAT_V2 = struct.Struct("<4sIQQIIIIQqqq")  # id, error, dev, ino, mode, nlink, uid, gid, size, atime, mtime, ctime
SYNC_DATA = struct.Struct("<4sI")  # DATA/DONE/FAIL id and a length (for DONE: 0)

S_IFREG = 0o100000
ENOENT = 2
EACCES = 13


def sync_stat_v1(mode: int, size: int, mtime: int) -> bytes:
    return STAT_V1.pack(b"STAT", mode, size & 0xFFFFFFFF, mtime)


def sync_stat_v2(request_id: bytes, *, error: int = 0, mode: int = 0, size: int = 0, mtime: int = 0) -> bytes:
    """The reply to LST2/STA2 has the request's id; a failed stat has only ``error`` (an errno) set."""
    nlink, uid, gid = (1, 1023, 1023) if not error else (0, 0, 0)  # 1023 = AID_MEDIA_RW, like /sdcard files
    return STAT_V2.pack(request_id, error, 0, 0, mode, nlink, uid, gid, size, mtime, mtime, mtime)


def sync_data_messages(content: bytes) -> bytes:
    """A file as DATA messages followed by DONE, as adbd sends it for RECV."""
    step = SYNC_DATA_MAX - SYNC_DATA.size
    out = bytearray()
    for start in range(0, len(content), step):
        piece = content[start : start + step]
        out += SYNC_DATA.pack(b"DATA", len(piece)) + piece
    out += SYNC_DATA.pack(b"DONE", 0)  # adbd puts 0 here for RECV, not the mtime (only the host's DONE in SEND has it)
    return bytes(out)


def sync_fail(message: str) -> bytes:
    raw = message.encode()
    return SYNC_DATA.pack(b"FAIL", len(raw)) + raw
