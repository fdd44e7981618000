"""Read what techcheck needs from an APK without trusting it: signer certificates and dex files.

Pure functions: nothing here touches the network or writes anywhere. The APK comes from a phone that
may be controlled by the person the user is afraid of, so every length, offset and count in it is
treated as hostile: each is checked against what is left before it is used, every read is capped, and
a malformed structure becomes an entry in ``ApkFacts.problems``, never an exception from ``read_apk``.

What is read, and where it is specified:

* ZIP container: PKWARE APPNOTE.TXT 6.3.x, §4.3.7 (local file header), §4.3.12 (central directory
  header), §4.3.16 (end of central directory record, "EOCD"). Like Android, entries are found through
  the central directory, never by scanning local headers.
* v1, JAR signing: ``META-INF/<name>.RSA|.DSA|.EC`` hold a DER PKCS#7 ``SignedData`` (RFC 2315 §9.1,
  RFC 5652 §5) over ``META-INF/<name>.SF``.
  https://source.android.com/docs/security/features/apksigning#v1 and
  https://docs.oracle.com/en/java/javase/17/docs/specs/jar/jar.html#signed-jar-file
* v2: https://source.android.com/docs/security/features/apksigning/v2 (APK Signing Block, ID 0x7109871a)
* v3: https://source.android.com/docs/security/features/apksigning/v3 (ID 0xf05368c0, proof-of-rotation
  attribute 0x3ba06f8c)
* v3.1: https://source.android.com/docs/security/features/apksigning/v3-1 (ID 0x1b93ad61, same format as v3)

Nothing is *verified* here: no digest or signature is checked. Android refuses to install an APK whose
signatures do not verify, so for an app that *is* installed the certificates in the file are the ones
Android accepted; techcheck only needs to know which they are (Echap's indicators list stalkerware by
signer certificate SHA-1, so a renamed app is still recognised).
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, NamedTuple

from techcheck.text import clip

MiB = 1024 * 1024

# --- ZIP structures (APPNOTE §4.3), little-endian ---------------------------------------------------
EOCD = struct.Struct("<IHHHHIIH")  # signature, disk, cd disk, entries here, entries, cd size, cd offset, comment len
EOCD_SIGNATURE = 0x06054B50
ZIP64_LOCATOR_SIGNATURE = 0x07064B50
ZIP64_LOCATOR_SIZE = 20
MAX_COMMENT = 0xFFFF
CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")  # APPNOTE §4.3.12, 46 bytes before the name
CENTRAL_SIGNATURE = 0x02014B50
LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")  # APPNOTE §4.3.7, 30 bytes before the name
LOCAL_SIGNATURE = 0x04034B50
FLAG_ENCRYPTED = 0x0001
STORED, DEFLATED = 0, 8

# --- APK Signing Block (v2 spec, "APK Signing Block" section) --------------------------------------
U32 = struct.Struct("<I")
U64 = struct.Struct("<Q")
PAIR_HEADER = struct.Struct("<QI")  # uint64 length (of ID + value), uint32 ID
BLOCK_FOOTER = struct.Struct("<Q16s")  # uint64 size of block (same as the first field), magic
SIGNING_BLOCK_MAGIC = b"APK Sig Block 42"
V2_BLOCK_ID = 0x7109871A
V3_BLOCK_ID = 0xF05368C0
V31_BLOCK_ID = 0x1B93AD61
SCHEME_BY_BLOCK_ID = {V2_BLOCK_ID: "v2", V3_BLOCK_ID: "v3", V31_BLOCK_ID: "v3.1"}
PROOF_OF_ROTATION_ATTR_ID = 0x3BA06F8C  # v3 additional attribute holding the signing-certificate lineage
SCHEME_ORDER = ("v1", "v2", "v3", "v3.1")

# --- What counts as a dex file and a v1 signature block -------------------------------------------
# Android loads classes.dex, classes2.dex, classes3.dex, … from the root of the APK. Any root
# classes<digits>.dex is listed (scanning one too many is harmless); at most 6 digits so the number
# converts cheaply.
DEX_NAME = re.compile(rb"classes(\d{0,6})\.dex")
V1_BLOCK_SUFFIXES = (b".RSA", b".DSA", b".EC")
MANIFEST_NAME = b"AndroidManifest.xml"

# --- PKCS#7 (RFC 2315 / RFC 5652) ------------------------------------------------------------------
OID_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2
DER_SEQUENCE, DER_SET, DER_INTEGER, DER_OID = 0x30, 0x31, 0x02, 0x06
DER_CONTEXT_0 = 0xA0

Source = BinaryIO | bytes | bytearray | memoryview
_ProblemSink = Callable[[str], None]

DEFAULT_MAX_DEX_BYTES = 64 * MiB


@dataclass(frozen=True)
class Limits:
    """Every cap ``read_apk`` applies. The defaults fit real apps with a wide margin."""

    max_entries: int = 100_000  # central-directory records examined (real APKs: a few thousand)
    max_directory_bytes: int = 32 * MiB  # central directory read into memory
    max_interesting_entries: int = 1_000  # dex files + v1 signature blocks remembered
    max_v1_blocks: int = 8  # v1 signature block files read (real APKs: 1)
    max_signature_file_bytes: int = 1 * MiB  # one v1 CERT.RSA (real ones: 1-10 KiB)
    max_signing_value_bytes: int = 16 * MiB  # one v2/v3 value in the APK Signing Block (real: a few KiB)
    max_signing_pairs: int = 1_000  # ID-value pairs walked in the APK Signing Block (real: 1-5)
    max_certificates: int = 64  # certificates taken from one PKCS#7 block, one signer or one lineage
    max_signers: int = 64  # signers taken from one v2/v3 block or one PKCS#7 block
    max_dex_bytes: int = DEFAULT_MAX_DEX_BYTES  # a dex declared larger is noted (iter_dex will not read it)
    max_ratio: int = 1_100  # declared uncompressed/compressed; DEFLATE cannot exceed ~1032:1
    max_problems: int = 40


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class CertificateRecord:
    """One certificate found in the APK, with where it was found."""

    sha1: str  # SHA-1 of the DER encoding, 40 upper-case hex digits (the form Echap's indicators use)
    sha256: str  # SHA-256 of the DER encoding, 64 upper-case hex digits
    scheme: str  # "v1", "v2", "v3" or "v3.1"
    role: str  # "signer"; "chain" (after the signer's certificate); "past signer" (v3 proof-of-rotation)
    where: str  # e.g. "META-INF/CERT.RSA", "v2 signer 1", "v3 signer 1 lineage node 1"
    subject: str  # RFC 4514 subject (clipped), "" when the certificate does not parse as X.509


@dataclass(frozen=True)
class ApkFacts:
    """What ``read_apk`` found. Empty tuples mean "none found"; ``problems`` says what could not be read.

    ``certificates`` holds the SHA-1 of every *signer* certificate of every scheme (the certificate
    Android takes as the app's identity), de-duplicated, in the order v1 (signature files sorted by
    name), v2, v3, v3.1 (signers in file order). After a key rotation the v1/v2 signer and the v3
    signer differ, and both are listed. ``other_certificates`` holds every other certificate in the
    signatures, when it is not also a signer's: certificates of a v3 proof-of-rotation lineage (keys the
    app was signed with before: an indicator matching one is a match for the app's developer) and the
    rarely seen rest of a signer's chain. ``certificate_details`` says which is which.
    """

    size: int = 0
    certificates: tuple[str, ...] = ()
    other_certificates: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()  # subset of ("v1", "v2", "v3", "v3.1"): signature structures present
    dex_names: tuple[str, ...] = ()  # classes.dex, classes2.dex, … in load order
    v1_signature_files: tuple[str, ...] = ()  # e.g. ("META-INF/CERT.RSA",)
    certificate_details: tuple[CertificateRecord, ...] = ()
    entry_count: int = 0  # central-directory records examined
    has_manifest: bool = False  # AndroidManifest.xml present at the root
    signing_block_ids: tuple[int, ...] = ()  # IDs of every pair in the APK Signing Block, in order
    problems: tuple[str, ...] = ()

    @property
    def signed(self) -> bool:
        return bool(self.certificates)

    @property
    def debug_signed(self) -> bool:
        """Signed with an Android SDK debug key ("CN=Android Debug"): a developer build, never a store one."""
        return any(r.role == "signer" and "CN=Android Debug" in r.subject for r in self.certificate_details)


class _Malformed(ValueError):
    """A structure in the APK is not what the spec says; the message says what and where."""


class _TooLarge(ValueError):
    """A member is larger than the cap it is read under."""


class _InflatedTooLarge(_TooLarge):
    """A member inflated past its cap: the work up to the cap was done (and counts against budgets)."""


# =================================================================================================
# Public API
# =================================================================================================


def read_apk(source: Source, *, limits: Limits = DEFAULT_LIMITS) -> ApkFacts:
    """Read the signer certificates, signature schemes and dex names of an APK.

    ``source`` is a seekable binary file object (its position is restored afterwards) or the bytes of
    the APK. Never raises for a bad APK: whatever could not be read is described in ``problems``.
    Cost: the central directory, the v1 signature blocks and the APK Signing Block's v2/v3 values are
    read (each capped by ``limits``); no entry content is decompressed except v1 signature blocks.
    """
    acc = _Accumulator(limits)
    try:
        src = _Reader.open(source)
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        acc.problem(f"APK unreadable: source is not a seekable binary file ({type(exc).__name__})")
        return acc.freeze()
    try:
        _read(src, acc)
    except (_Malformed, OSError, ValueError, struct.error, zlib.error, EOFError) as exc:
        acc.problem(f"APK unreadable: {exc}")
    except Exception as exc:  # noqa: BLE001 - hostile input must never stop a checkup; says it is a bug
        acc.problem(f"APK reader failed unexpectedly ({type(exc).__name__}: {clip(exc, 120)})")
    finally:
        src.restore()
    return acc.freeze()


def iter_dex(
    source: Source,
    max_bytes: int = DEFAULT_MAX_DEX_BYTES,
    *,
    max_total_bytes: int = 512 * MiB,
    problems: list[str] | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, content)`` of each root ``classes*.dex`` in load order, for YARA.

    A dex declared or found larger than ``max_bytes`` is not yielded (decompression stops at the cap,
    so a ZIP bomb costs at most ``max_bytes`` of memory); once ``max_total_bytes`` have been yielded the
    rest are skipped. Each skip, and each dex whose CRC or size does not match the central directory
    (it is still yielded), is described in ``problems`` when a list is given. Never raises for a bad
    APK. One dex is in memory at a time. The source's position is restored when the iterator finishes.
    """
    notes = problems if problems is not None else []
    try:
        src = _Reader.open(source)
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        notes.append(f"dex not read: source is not a seekable binary file ({type(exc).__name__})")
        return
    try:
        yield from _iter_dex(src, max_bytes, max_total_bytes, notes)
    finally:
        src.restore()


# =================================================================================================
# Reading the file
# =================================================================================================


class _Reader:
    """Bounded, position-independent reads from a seekable binary file."""

    def __init__(self, fileobj: BinaryIO) -> None:
        self._f = fileobj
        self._start = fileobj.tell()
        fileobj.seek(0, io.SEEK_END)
        self.size = fileobj.tell()

    @classmethod
    def open(cls, source: Source) -> _Reader:
        if isinstance(source, (bytes, bytearray, memoryview)):
            return cls(io.BytesIO(source))
        return cls(source)

    def restore(self) -> None:
        try:
            self._f.seek(self._start)
        except (OSError, ValueError):
            pass

    def read_exact(self, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset``; callers bound ``length`` first. Raises _Malformed if short."""
        if offset < 0 or length < 0 or offset + length > self.size:
            raise _Malformed(f"{length} bytes at offset {offset} lie outside the {self.size}-byte file")
        self._f.seek(offset)
        data = self._f.read(length)
        if len(data) != length:
            raise _Malformed(f"file ended early reading {length} bytes at offset {offset}")
        return data

    def read_tail(self, length: int) -> bytes:
        length = min(length, self.size)
        return self.read_exact(self.size - length, length)


class _Accumulator:
    """Mutable while reading; ``freeze`` makes the ApkFacts."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.size = 0
        self.records: list[CertificateRecord] = []
        self.schemes: set[str] = set()
        self.dex_names: list[str] = []
        self.v1_files: list[str] = []
        self.entry_count = 0
        self.has_manifest = False
        self.block_ids: list[int] = []
        self.problems: list[str] = []
        self._dropped = 0

    def problem(self, text: str) -> None:
        if len(self.problems) < self.limits.max_problems:
            self.problems.append(clip(text, 300))
        else:
            self._dropped += 1

    def certificate(self, der: bytes, scheme: str, role: str, where: str) -> None:
        self.records.append(
            CertificateRecord(
                sha1=hashlib.sha1(der).hexdigest().upper(),  # noqa: S324 - an identifier, as Echap lists it
                sha256=hashlib.sha256(der).hexdigest().upper(),
                scheme=scheme,
                role=role,
                where=clip(where),
                subject=_subject(der),
            )
        )

    def freeze(self) -> ApkFacts:
        rank = {scheme: i for i, scheme in enumerate(SCHEME_ORDER)}
        records = sorted(self.records, key=lambda r: rank[r.scheme])  # stable: file order within a scheme
        signers = _unique(r.sha1 for r in records if r.role == "signer")
        others = _unique(r.sha1 for r in records if r.role != "signer" and r.sha1 not in signers)
        problems = list(self.problems)
        if self._dropped:
            problems.append(f"{self._dropped} more problems not listed")
        return ApkFacts(
            size=self.size,
            certificates=signers,
            other_certificates=others,
            schemes=tuple(s for s in SCHEME_ORDER if s in self.schemes),
            dex_names=tuple(self.dex_names),
            v1_signature_files=tuple(self.v1_files),
            certificate_details=tuple(records),
            entry_count=self.entry_count,
            has_manifest=self.has_manifest,
            signing_block_ids=tuple(self.block_ids),
            problems=tuple(problems),
        )


def _unique(items: Iterator[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _read(src: _Reader, acc: _Accumulator) -> None:
    acc.size = src.size
    directory = _open_directory(src, acc.limits, acc.problem)
    acc.entry_count = directory.count
    acc.has_manifest = directory.has_manifest
    acc.dex_names = [entry.name for entry in directory.dex]
    for entry in directory.dex:
        if entry.uncompressed_size > acc.limits.max_dex_bytes:
            acc.problem(f"{entry.name} declares {entry.uncompressed_size} bytes, over the dex cap; not scanned")
    _read_v1(src, directory.v1_blocks, acc)
    _read_signing_block(src, directory.cd_offset, acc)


# =================================================================================================
# ZIP: EOCD and central directory (APPNOTE §4.3.12, §4.3.16)
# =================================================================================================


@dataclass(frozen=True)
class _Entry:
    raw_name: bytes
    index: int  # position in the central directory
    flags: int
    method: int
    crc: int
    compressed_size: int
    uncompressed_size: int
    local_offset: int

    @property
    def name(self) -> str:
        """The name as text: UTF-8 where valid (\\x.. escapes elsewhere), no control characters, clipped."""
        return clip(self.raw_name.decode("utf-8", "backslashreplace"))


@dataclass
class _Directory:
    cd_offset: int
    count: int = 0
    has_manifest: bool = False
    dex: list[_Entry] = field(default_factory=list)
    v1_blocks: list[_Entry] = field(default_factory=list)


def _find_eocd(src: _Reader) -> tuple[int, tuple[int, ...], int] | None:
    """Offset and fields of the EOCD record, and how many bytes follow its comment.

    The record is 22 bytes plus a comment of up to 65535 bytes, so only that much of the tail is read.
    Preferred: the last record whose comment ends exactly at the end of the file (Android's
    ``ZipUtils.findZipEndOfCentralDirectoryRecord`` accepts only that). A comment may itself contain
    the signature, so candidates are tried from the end backwards. Failing that, the last record whose
    comment fits in the file is taken (libziparchive does the same, with a warning).
    """
    tail = src.read_tail(EOCD.size + MAX_COMMENT)
    signature = U32.pack(EOCD_SIGNATURE)
    fallback: tuple[int, tuple[int, ...], int] | None = None
    pos = len(tail) - EOCD.size
    while pos >= 0:
        pos = tail.rfind(signature, 0, pos + 4)
        if pos < 0:
            break
        fields = EOCD.unpack_from(tail, pos)
        trailing = len(tail) - (pos + EOCD.size + fields[7])
        if trailing == 0:
            return src.size - len(tail) + pos, fields, 0
        if trailing > 0 and fallback is None:
            fallback = (src.size - len(tail) + pos, fields, trailing)
        pos -= 1
    return fallback


def _open_directory(src: _Reader, limits: Limits, problem: _ProblemSink) -> _Directory:
    found = _find_eocd(src)
    if found is None:
        raise _Malformed("not a ZIP archive, or truncated (no end-of-central-directory record)")
    eocd_offset, (_, disk, cd_disk, _, total, cd_size, cd_offset, _), trailing = found
    if trailing:
        problem(f"{trailing} unexpected bytes after the ZIP end record")
    if disk != 0 or cd_disk != 0:
        problem("multi-disk ZIP archive (Android does not accept these)")
    zip64_marked = cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF or total == 0xFFFF
    if zip64_marked and _has_zip64_locator(src, eocd_offset):
        raise _Malformed("ZIP64 archive: not examined (APK signing does not support ZIP64)")
    if cd_offset + cd_size > eocd_offset:
        raise _Malformed(f"central directory ({cd_size} bytes at offset {cd_offset}) overlaps or passes the end record")
    if cd_offset + cd_size != eocd_offset:
        problem(f"{eocd_offset - cd_offset - cd_size} unexpected bytes between central directory and end record")
    directory = _Directory(cd_offset=cd_offset)
    if cd_size > limits.max_directory_bytes:
        problem(f"central directory is {cd_size} bytes; only the first {limits.max_directory_bytes} examined")
    data = src.read_exact(cd_offset, min(cd_size, limits.max_directory_bytes))
    _walk_directory(data, directory, limits, problem)
    if directory.count != total and directory.count < limits.max_entries:
        problem(f"end record announces {total} entries, central directory holds {directory.count}")
    return directory


def _has_zip64_locator(src: _Reader, eocd_offset: int) -> bool:
    if eocd_offset < ZIP64_LOCATOR_SIZE:
        return False
    head = src.read_exact(eocd_offset - ZIP64_LOCATOR_SIZE, 4)
    return U32.unpack(head)[0] == ZIP64_LOCATOR_SIGNATURE


def _walk_directory(data: bytes, directory: _Directory, limits: Limits, problem: _ProblemSink) -> None:
    """Walk central-directory records, remembering only the entries techcheck reads (bounded)."""
    pos, seen = 0, set()
    while pos < len(data):
        if directory.count >= limits.max_entries:
            problem(f"more than {limits.max_entries} ZIP entries; the rest were not examined")
            break
        if len(data) - pos < CENTRAL_HEADER.size:
            problem(f"central directory ends inside record {directory.count + 1}")
            break
        fields = CENTRAL_HEADER.unpack_from(data, pos)
        (signature, _, _, flags, method, _, _, crc, csize, usize, name_len, extra_len, comment_len) = fields[:13]
        if signature != CENTRAL_SIGNATURE:
            problem(f"central directory record {directory.count + 1} has a bad signature; rest not examined")
            break
        name_start = pos + CENTRAL_HEADER.size
        end = name_start + name_len + extra_len + comment_len
        if end > len(data):
            problem(f"central directory record {directory.count + 1} runs past the directory's end")
            break
        raw = data[name_start : name_start + name_len]
        entry = _Entry(raw, directory.count, flags, method, crc, csize, usize, local_offset=fields[16])
        directory.count += 1
        pos = end
        _classify(entry, directory, limits, seen, problem)
    directory.dex.sort(key=_dex_order)


def _classify(entry: _Entry, directory: _Directory, limits: Limits, seen: set[bytes], problem: _ProblemSink) -> None:
    if _looks_like_bomb(entry, limits):
        problem(
            f"entry {entry.name} declares {entry.uncompressed_size} bytes from {entry.compressed_size} "
            "compressed: a possible ZIP bomb (not read)"
        )
    kind = _interesting(entry.raw_name)
    if kind is None:
        return
    if entry.raw_name in seen:
        problem(f"duplicate ZIP entry {entry.name} (each copy examined)")
    seen.add(entry.raw_name)
    if kind == "manifest":
        directory.has_manifest = True
    elif len(directory.dex) + len(directory.v1_blocks) >= limits.max_interesting_entries:
        problem(f"more than {limits.max_interesting_entries} dex/signature entries; {entry.name} ignored")
    else:
        (directory.dex if kind == "dex" else directory.v1_blocks).append(entry)


def _interesting(raw: bytes) -> str | None:
    if raw == MANIFEST_NAME:
        return "manifest"
    if DEX_NAME.fullmatch(raw):
        return "dex"
    if raw.startswith(b"META-INF/") and b"/" not in raw[9:] and raw.upper().endswith(V1_BLOCK_SUFFIXES):
        return "v1"
    return None


def _dex_order(entry: _Entry) -> tuple[int, int]:
    match = DEX_NAME.fullmatch(entry.raw_name)
    digits = match.group(1) if match else b""
    return (int(digits) if digits else 1, entry.index)


def _looks_like_bomb(entry: _Entry, limits: Limits) -> bool:
    if entry.method == STORED or entry.uncompressed_size <= MiB:
        return False
    return entry.uncompressed_size > limits.max_ratio * max(entry.compressed_size, 1)


# =================================================================================================
# ZIP: reading one member, bounded (APPNOTE §4.3.7, §4.4.5)
# =================================================================================================

READ_CHUNK = 256 * 1024


def _read_member(src: _Reader, entry: _Entry, cap: int) -> tuple[bytes, list[str]]:
    """The content of ``entry``, at most ``cap`` bytes (else _TooLarge), plus notes on CRC/size mismatches."""
    if entry.flags & FLAG_ENCRYPTED:
        raise _Malformed("encrypted")
    if entry.uncompressed_size > cap:
        raise _TooLarge(f"declares {entry.uncompressed_size} bytes, over the {cap}-byte cap")
    start = _data_offset(src, entry)
    if entry.compressed_size > src.size - start:
        raise _Malformed(f"its {entry.compressed_size} compressed bytes run past the end of the file")
    if entry.method == STORED:
        if entry.compressed_size > cap:
            raise _TooLarge(f"stores {entry.compressed_size} bytes, over the {cap}-byte cap")
        data = src.read_exact(start, entry.compressed_size)
    elif entry.method == DEFLATED:
        data = _inflate(src, start, entry.compressed_size, cap)
    else:
        raise _Malformed(f"compression method {entry.method} is not one Android reads")
    notes = []
    if len(data) != entry.uncompressed_size:
        notes.append(f"{entry.name} is {len(data)} bytes, the central directory says {entry.uncompressed_size}")
    if zlib.crc32(data) != entry.crc:
        notes.append(f"{entry.name} does not match its CRC-32")
    return data, notes


def _data_offset(src: _Reader, entry: _Entry) -> int:
    header = src.read_exact(entry.local_offset, LOCAL_HEADER.size)
    fields = LOCAL_HEADER.unpack(header)
    if fields[0] != LOCAL_SIGNATURE:
        raise _Malformed(f"no local header at offset {entry.local_offset}")
    return entry.local_offset + LOCAL_HEADER.size + fields[9] + fields[10]


def _inflate(src: _Reader, start: int, compressed_size: int, cap: int) -> bytes:
    """Raw DEFLATE (RFC 1951) from the file, stopping as soon as the output would pass ``cap``."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out = bytearray()
    pos, left = start, compressed_size
    while not inflater.eof:
        if inflater.unconsumed_tail:
            chunk = inflater.unconsumed_tail
        elif left > 0:
            chunk = src.read_exact(pos, min(READ_CHUNK, left))
            pos, left = pos + len(chunk), left - len(chunk)
        else:
            raise _Malformed("compressed data ends before the DEFLATE stream does")
        out += inflater.decompress(chunk, cap + 1 - len(out))  # max_length >= 1: 0 would mean "no limit"
        if len(out) > cap:
            raise _InflatedTooLarge(f"inflates past the {cap}-byte cap")
    return bytes(out)


# =================================================================================================
# v1: JAR signature blocks (PKCS#7 SignedData, RFC 2315 §9.1 / RFC 5652 §5.1)
# =================================================================================================


def _read_v1(src: _Reader, blocks: list[_Entry], acc: _Accumulator) -> None:
    for count, entry in enumerate(sorted(blocks, key=lambda e: e.raw_name)):
        acc.schemes.add("v1")
        acc.v1_files.append(entry.name)
        if count >= acc.limits.max_v1_blocks:
            acc.problem(f"more than {acc.limits.max_v1_blocks} v1 signature blocks; {entry.name} not read")
            continue
        try:
            data, notes = _read_member(src, entry, acc.limits.max_signature_file_bytes)
        except (_Malformed, _TooLarge, zlib.error) as exc:
            acc.problem(f"v1 signature block {entry.name} unreadable: {exc}")
            continue
        for note in notes:
            acc.problem(note)
        _read_pkcs7(data, entry.name, acc)


def _read_pkcs7(data: bytes, where: str, acc: _Accumulator) -> None:
    """Take the certificates of one v1 signature block, telling the signer from the rest of a chain.

    The signer is the certificate whose issuer and serial number match a SignerInfo's
    ``issuerAndSerialNumber`` (RFC 2315 §9.2); as on Android, that is the app's identity. Other
    certificates in the block are recorded with the role "chain". When no SignerInfo names a
    certificate of the block (one using ``subjectKeyIdentifier``, or a mismatch), every certificate in
    the block is reported as a signer, and a problem says so.
    """
    try:
        certs, signer_ids = _pkcs7_parts(data, acc.limits)
    except _Malformed as exc:
        acc.problem(f"v1 signature block {where} unreadable: {exc}")
        return
    if not certs:
        acc.problem(f"v1 signature block {where} holds no certificate")
        return
    is_signer = [_issuer_serial(cert) in signer_ids for cert in certs]
    if not any(is_signer):
        acc.problem(f"v1 signature block {where}: signer not identified; all {len(certs)} certificates reported")
        is_signer = [True] * len(certs)
    for der, signer in zip(certs, is_signer, strict=True):
        acc.certificate(der, "v1", "signer" if signer else "chain", where)


def _pkcs7_parts(data: bytes, limits: Limits) -> tuple[list[bytes], set[tuple[bytes, bytes]]]:
    """(certificates as DER, issuerAndSerialNumber of each SignerInfo) of a ContentInfo/SignedData.

    SignedData ::= SEQUENCE { version, digestAlgorithms SET, contentInfo, certificates [0] OPTIONAL,
    crls [1] OPTIONAL, signerInfos SET }.
    """
    der = _Der(data, ber=True)
    content = der.expect(0, len(data), DER_SEQUENCE, "ContentInfo")
    oid, explicit = der.first_children(content, 2, "ContentInfo")
    if oid.tag != DER_OID or der.content(oid) != OID_SIGNED_DATA:
        raise _Malformed("not a PKCS#7 SignedData")
    if explicit.tag != DER_CONTEXT_0:
        raise _Malformed("SignedData content missing")
    signed = der.expect(explicit.content_start, explicit.content_end, DER_SEQUENCE, "SignedData")
    fields = der.first_children(signed, 4, "SignedData", at_most=6)
    certs: list[bytes] = []
    for element in fields[3:-1]:
        if element.tag == DER_CONTEXT_0:  # certificates [0] IMPLICIT SET OF CertificateChoices
            certs = _certificates_in(der, element, limits)
    if fields[-1].tag != DER_SET:
        raise _Malformed("SignedData has no signerInfos")
    return certs, _signer_ids(der, fields[-1], limits)


def _certificates_in(der: _Der, certificates: _Element, limits: Limits) -> list[bytes]:
    certs = []
    for element in der.children(certificates):
        if element.tag == DER_SEQUENCE:  # other CertificateChoices (attribute certificates, …) are not X.509
            if len(certs) >= limits.max_certificates:
                raise _Malformed(f"more than {limits.max_certificates} certificates")
            certs.append(der.whole(element))
    return certs


def _signer_ids(der: _Der, signer_infos: _Element, limits: Limits) -> set[tuple[bytes, bytes]]:
    """issuerAndSerialNumber of each SignerInfo; a ``subjectKeyIdentifier`` one adds nothing."""
    ids: set[tuple[bytes, bytes]] = set()
    for count, info in enumerate(der.children(signer_infos)):
        if count >= limits.max_signers:
            raise _Malformed(f"more than {limits.max_signers} SignerInfos")
        if info.tag != DER_SEQUENCE:
            continue
        _version, sid = der.first_children(info, 2, "SignerInfo")
        if sid.tag == DER_SEQUENCE:
            issuer, serial = der.first_children(sid, 2, "issuerAndSerialNumber")
            ids.add((der.whole(issuer), der.content(serial)))
    return ids


def _tbs_fields(der: _Der) -> list[_Element]:
    """serialNumber, signature, issuer, validity, subject of an X.509 certificate (RFC 5280 §4.1)."""
    outer = der.expect(0, len(der.data), DER_SEQUENCE, "Certificate")
    tbs = der.expect(outer.content_start, outer.content_end, DER_SEQUENCE, "TBSCertificate")
    fields = der.first_children(tbs, 6, "TBSCertificate")
    return fields[1:6] if fields[0].tag == DER_CONTEXT_0 else fields[0:5]  # [0] EXPLICIT version is optional


def _issuer_serial(cert: bytes) -> tuple[bytes, bytes] | None:
    """(issuer Name TLV, serialNumber content), to match a SignerInfo's issuerAndSerialNumber."""
    der = _Der(cert)
    try:
        serial, _signature, issuer, _validity, _subject = _tbs_fields(der)
    except _Malformed:
        return None
    if serial.tag != DER_INTEGER:
        return None
    return der.whole(issuer), der.content(serial)


# --- A bounded DER/BER walker (ITU-T X.690 §8.1) ---------------------------------------------------

MAX_BER_DEPTH = 16


class _Element(NamedTuple):
    tag: int
    start: int  # of the identifier octet
    content_start: int
    content_end: int
    end: int  # after the element (after the end-of-contents octets for an indefinite length)


class _Der:
    """Elements of one DER buffer, every length checked against its parent before use.

    With ``ber=True`` indefinite lengths (BER), which some signing tools write into ``CERT.RSA``, are
    accepted: such an element ends at its end-of-contents octets. Their ends are memoized, so each
    element is walked once whatever the nesting, and nesting deeper than ``MAX_BER_DEPTH`` is refused.
    Certificates are read with ``ber=False``: only the few elements looked at are then touched.
    """

    __slots__ = ("data", "ber", "_ends")

    def __init__(self, data: bytes, *, ber: bool = False) -> None:
        self.data = data
        self.ber = ber
        self._ends: dict[int, tuple[int, int]] = {}

    def element(self, pos: int, end: int, depth: int = 0) -> _Element:
        data = self.data
        if end - pos < 2:
            raise _Malformed("DER element truncated")
        tag, first = data[pos], data[pos + 1]
        if tag & 0x1F == 0x1F:
            raise _Malformed("unexpected high-tag-number DER element")
        start = pos + 2
        if first == 0x80:
            if not self.ber:
                raise _Malformed("indefinite length where DER is required")
            content_end, after = self._indefinite(tag, start, end, depth)
            return _Element(tag, pos, start, content_end, after)
        if first & 0x80:
            count = first & 0x7F
            if count > 4 or end - start < count:
                raise _Malformed("invalid DER length")
            length = int.from_bytes(data[start : start + count], "big")
            start += count
        else:
            length = first
        if length > end - start:
            raise _Malformed(f"DER length {length} exceeds the {end - start} bytes left")
        return _Element(tag, pos, start, start + length, start + length)

    def _indefinite(self, tag: int, start: int, end: int, depth: int) -> tuple[int, int]:
        if not tag & 0x20:
            raise _Malformed("indefinite length on a primitive element")
        if depth >= MAX_BER_DEPTH:
            raise _Malformed("BER nested too deeply")
        known = self._ends.get(start)
        if known is not None:
            return known
        pos = start
        while True:
            if end - pos < 2:
                raise _Malformed("BER end-of-contents missing")
            if self.data[pos] == 0 == self.data[pos + 1]:
                break
            pos = self.element(pos, end, depth + 1).end
        self._ends[start] = (pos, pos + 2)
        return pos, pos + 2

    def children(self, parent: _Element) -> Iterator[_Element]:
        pos = parent.content_start
        while pos < parent.content_end:
            child = self.element(pos, parent.content_end)
            yield child
            pos = child.end

    def first_children(self, parent: _Element, count: int, what: str, at_most: int | None = None) -> list[_Element]:
        """The first ``count`` children of ``parent``; with ``at_most``, all of them (at most that many)."""
        out: list[_Element] = []
        limit = count if at_most is None else at_most
        for child in self.children(parent):
            if len(out) == limit:
                if at_most is None:
                    return out
                raise _Malformed(f"{what} has more than {at_most} fields")
            out.append(child)
        if len(out) < count:
            raise _Malformed(f"{what} has fewer than {count} fields")
        return out

    def expect(self, start: int, end: int, tag: int, what: str) -> _Element:
        element = self.element(start, end)
        if element.tag != tag:
            raise _Malformed(f"{what}: expected DER tag 0x{tag:02x}, found 0x{element.tag:02x}")
        return element

    def content(self, element: _Element) -> bytes:
        return self.data[element.content_start : element.content_end]

    def whole(self, element: _Element) -> bytes:
        return self.data[element.start : element.end]


def _subject(cert: bytes) -> str:
    """The certificate's subject as RFC 4514 text (as ``cryptography``'s ``rfc4514_string`` writes it),
    clipped, for people reading a report; "" when the certificate does not parse."""
    der = _Der(cert)
    try:
        subject = _tbs_fields(der)[4]
        if subject.tag != DER_SEQUENCE:
            return ""
        rdns = []
        for count, rdn in enumerate(der.children(subject)):
            if count >= MAX_NAME_PARTS or rdn.tag != DER_SET:
                break
            rdns.append("+".join(_attributes(der, rdn)))
    except _Malformed:
        return ""
    return clip(",".join(reversed(rdns)))  # RFC 4514 §2.1: the last RDN of the sequence comes first


def _attributes(der: _Der, rdn: _Element) -> Iterator[str]:
    for count, attribute in enumerate(der.children(rdn)):
        if count >= MAX_NAME_PARTS:
            return
        oid, value = der.first_children(attribute, 2, "AttributeTypeAndValue")
        dotted = _dotted_oid(der.content(oid))
        yield f"{NAME_ATTRIBUTES.get(dotted, dotted)}={_escape_dn(_der_string(der, value))}"


MAX_NAME_PARTS = 16
NAME_ATTRIBUTES = {  # RFC 4514 §3 short names, as cryptography prints them
    "2.5.4.3": "CN",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.6": "C",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
}
STRING_ENCODINGS = {  # X.680 string types → Python codec
    0x0C: "utf-8",  # UTF8String
    0x12: "ascii",  # NumericString
    0x13: "ascii",  # PrintableString
    0x14: "latin-1",  # T61String (TeletexString), read as Latin-1 like most tools
    0x16: "ascii",  # IA5String
    0x1A: "ascii",  # VisibleString
    0x1C: "utf-32-be",  # UniversalString
    0x1E: "utf-16-be",  # BMPString
}


def _dotted_oid(body: bytes) -> str:
    """An OBJECT IDENTIFIER's content octets as dotted decimal (X.690 §8.19)."""
    if not body or len(body) > 64:
        raise _Malformed("invalid OBJECT IDENTIFIER")
    arcs, value = [], 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2) if arcs else 0
    return ".".join(str(arc) for arc in [first, arcs[0] - 40 * first, *arcs[1:]]) if arcs else ""


def _der_string(der: _Der, element: _Element) -> str:
    return der.content(element).decode(STRING_ENCODINGS.get(element.tag, "latin-1"), "replace")


def _escape_dn(value: str) -> str:
    """RFC 4514 §2.4 escaping."""
    for char in ("\\", '"', "+", ",", ";", "<", ">"):
        value = value.replace(char, "\\" + char)
    value = value.replace("\0", "\\00")
    if value[:1] in ("#", " "):
        value = "\\" + value
    if value.endswith(" "):
        value = value[:-1] + "\\ "
    return value


# =================================================================================================
# v2 / v3 / v3.1: the APK Signing Block (v2 spec, "APK Signing Block" and "APK Signature Scheme v2 Block")
# =================================================================================================


def _read_signing_block(src: _Reader, cd_offset: int, acc: _Accumulator) -> None:
    """Find the block that ends where the central directory starts, and read its v2/v3/v3.1 values.

    Layout (v2 spec): ``uint64 size`` (of the block, not counting this field), ID-value pairs
    (``uint64 length``, ``uint32 ID``, value), ``uint64 size`` (same), ``"APK Sig Block 42"``.
    """
    if cd_offset < BLOCK_FOOTER.size + U64.size:
        return
    size, magic = BLOCK_FOOTER.unpack(src.read_exact(cd_offset - BLOCK_FOOTER.size, BLOCK_FOOTER.size))
    if magic != SIGNING_BLOCK_MAGIC:
        return  # no APK Signing Block: a v1-only (or unsigned) APK
    if size < BLOCK_FOOTER.size or size > cd_offset - U64.size:
        acc.problem(f"APK Signing Block declares an impossible size ({size} bytes before offset {cd_offset})")
        return
    start = cd_offset - size - U64.size
    (head_size,) = U64.unpack(src.read_exact(start, U64.size))
    if head_size != size:
        acc.problem(f"APK Signing Block size fields disagree ({head_size} and {size})")
        return
    _walk_pairs(src, start + U64.size, cd_offset - BLOCK_FOOTER.size, acc)


def _walk_pairs(src: _Reader, pos: int, end: int, acc: _Accumulator) -> None:
    seen: set[int] = set()
    while pos < end:
        if len(acc.block_ids) >= acc.limits.max_signing_pairs:
            acc.problem(f"APK Signing Block has more than {acc.limits.max_signing_pairs} pairs; rest not read")
            return
        if end - pos < PAIR_HEADER.size:
            acc.problem("APK Signing Block: a pair is cut short")
            return
        length, pair_id = PAIR_HEADER.unpack(src.read_exact(pos, PAIR_HEADER.size))
        if length < U32.size or length > end - pos - U64.size:
            acc.problem(
                f"APK Signing Block: pair {len(acc.block_ids) + 1} declares length {length}, "
                f"only {end - pos - U64.size} bytes left"
            )
            return
        acc.block_ids.append(pair_id)
        scheme = SCHEME_BY_BLOCK_ID.get(pair_id)
        if scheme is not None:
            if pair_id in seen:
                acc.problem(f"APK Signing Block holds more than one {scheme} block (each read)")
            seen.add(pair_id)
            _read_scheme_value(src, pos + PAIR_HEADER.size, length - U32.size, scheme, acc)
        pos += U64.size + length


def _read_scheme_value(src: _Reader, offset: int, length: int, scheme: str, acc: _Accumulator) -> None:
    acc.schemes.add(scheme)
    if length > acc.limits.max_signing_value_bytes:
        acc.problem(f"{scheme} block is {length} bytes, over the {acc.limits.max_signing_value_bytes}-byte cap")
        return
    value = _Fields(memoryview(src.read_exact(offset, length)))
    try:
        signers = value.prefixed()
    except _Malformed as exc:
        acc.problem(f"{scheme} block malformed: {exc}")
        return
    count = 0
    while signers.remaining:
        if count >= acc.limits.max_signers:
            acc.problem(f"{scheme} block has more than {acc.limits.max_signers} signers; rest not read")
            return
        count += 1
        try:
            signer = signers.prefixed()
        except _Malformed as exc:  # the signer's own length is wrong: the ones after it cannot be found
            acc.problem(f"{scheme} signer {count} malformed: {exc}")
            return
        try:
            _read_signer(signer, scheme, f"{scheme} signer {count}", acc)
        except _Malformed as exc:  # bounded by its length: the next signer can still be read
            acc.problem(f"{scheme} signer {count} malformed: {exc}")
    if count == 0:
        acc.problem(f"{scheme} block has no signer")


def _read_signer(signer: _Fields, scheme: str, where: str, acc: _Accumulator) -> None:
    """signer := signed data (digests, certificates, [v3: minSDK, maxSDK], attributes), …

    Only the signed data is read: its certificates, and for v3/v3.1 the proof-of-rotation attribute.
    """
    signed = signer.prefixed()
    signed.prefixed()  # digests
    certs = signed.prefixed()
    found = 0
    while certs.remaining:
        if found >= acc.limits.max_certificates:
            acc.problem(f"{where} has more than {acc.limits.max_certificates} certificates; rest not read")
            break
        der = certs.prefixed().rest()
        found += 1
        # The first certificate is the signer's (it is what Android takes as the app's identity);
        # the spec allows the rest of its chain after it.
        if found == 1:
            acc.certificate(der, scheme, "signer", where)
        else:
            acc.certificate(der, scheme, "chain", f"{where} certificate {found}")
    if found == 0:
        acc.problem(f"{where} has no certificate")
    if scheme == "v2":
        return
    signed.u32(), signed.u32()  # minSDK, maxSDK
    attributes = signed.prefixed()
    while attributes.remaining:
        attribute = attributes.prefixed()
        if attribute.u32() == PROOF_OF_ROTATION_ATTR_ID:
            _read_lineage(attribute, scheme, where, acc)


def _read_lineage(lineage: _Fields, scheme: str, where: str, acc: _Accumulator) -> None:
    """Proof-of-rotation (v3 spec, "Proof-of-rotation and self-trusted-old-certs structs"):

    ``uint32 version`` (1), then length-prefixed nodes; node := length-prefixed signed data (length-
    prefixed certificate, uint32 parent's signature algorithm), uint32 flags, uint32 algorithm,
    length-prefixed signature. Every certificate is recorded as a "past signer"; the last node is the
    current signer, which is then also listed as a signer and so not among ``other_certificates``.
    """
    version = lineage.u32()
    if version != 1:
        acc.problem(f"{where}: proof-of-rotation version {version} not understood")
        return
    node = 0
    while lineage.remaining:
        if node >= acc.limits.max_certificates:
            acc.problem(f"{where}: lineage longer than {acc.limits.max_certificates}; rest not read")
            return
        node += 1
        der = lineage.prefixed().prefixed().prefixed().rest()
        acc.certificate(der, scheme, "past signer", f"{where} lineage node {node}")


class _Fields:
    """Little-endian, length-prefixed fields of the v2/v3 spec, over a bounded buffer.

    Every length is checked against the bytes left before anything is sliced; slicing a memoryview
    copies nothing, so a hostile length can never cause an allocation.
    """

    __slots__ = ("_buf", "_pos")

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._buf) - self._pos

    def u32(self) -> int:
        if self.remaining < U32.size:
            raise _Malformed(f"a uint32 field needs 4 bytes, {self.remaining} left")
        (value,) = U32.unpack_from(self._buf, self._pos)
        self._pos += U32.size
        return value

    def prefixed(self) -> _Fields:
        length = self.u32()
        if length > self.remaining:
            raise _Malformed(f"length {length} exceeds the {self.remaining} bytes left")
        start = self._pos
        self._pos += length
        return _Fields(self._buf[start : self._pos])

    def rest(self) -> bytes:
        data = bytes(self._buf[self._pos :])
        self._pos = len(self._buf)
        return data


# =================================================================================================
# Dex files
# =================================================================================================


def _iter_dex(src: _Reader, max_bytes: int, max_total: int, notes: list[str]) -> Iterator[tuple[str, bytes]]:
    try:
        directory = _open_directory(src, Limits(max_dex_bytes=max_bytes), lambda _text: None)
    except (_Malformed, OSError, ValueError, struct.error) as exc:
        notes.append(f"dex not read: {exc}")
        return
    except Exception as exc:  # noqa: BLE001 - as in read_apk: a hostile file must not stop a checkup
        notes.append(f"dex not read: reader failed unexpectedly ({type(exc).__name__})")
        return
    total = 0
    for entry in directory.dex:
        if total >= max_total:
            notes.append(f"{entry.name} not scanned: {max_total} bytes of dex already read")
            continue
        cap = min(max_bytes, max_total - total)
        data, work = _dex_content(src, entry, cap, notes)
        total += work  # bytes inflated, kept or not: a file full of small bombs cannot cost more than the total
        if data is not None:
            yield entry.name, data


def _dex_content(src: _Reader, entry: _Entry, cap: int, notes: list[str]) -> tuple[bytes | None, int]:
    """(content or None, bytes of work done) of one dex member; what went wrong is noted."""
    try:
        data, mismatches = _read_member(src, entry, cap)
    except _InflatedTooLarge as exc:
        notes.append(f"{entry.name} not scanned: {exc}")
        return None, cap
    except _TooLarge as exc:
        notes.append(f"{entry.name} not scanned: {exc}")
        return None, 0
    except (_Malformed, OSError, ValueError, zlib.error) as exc:
        notes.append(f"{entry.name} unreadable: {exc}")
        return None, 0
    except Exception as exc:  # noqa: BLE001 - as in read_apk
        notes.append(f"{entry.name} unreadable: reader failed unexpectedly ({type(exc).__name__})")
        return None, 0
    notes.extend(mismatches)
    return data, len(data)
