"""Build small, structurally valid APKs for tests. Never real malware: the dex files are fakes.

What is cryptographically valid (``apksigner verify`` accepts it, see ``tests/test_apk.py``):

* v1 (JAR signing): ``META-INF/MANIFEST.MF`` holds the SHA-256 of every other entry,
  ``META-INF/CERT.SF`` the SHA-256 of the manifest and of each of its sections, and
  ``META-INF/CERT.RSA`` a real detached PKCS#7 SignedData (DER) over ``CERT.SF``, made with
  ``cryptography``'s ``PKCS7SignatureBuilder`` (SHA-256 with RSA, no signed attributes).
  https://docs.oracle.com/en/java/javase/17/docs/specs/jar/jar.html#signed-jar-file
* v2 and v3: the APK Signing Block sits between the last entry and the central directory, and the
  EOCD's central-directory offset is moved past it. Digests are the real chunked SHA-256 of the three
  sections (entries, central directory, EOCD with the offset of the signing block), signatures are real
  RSASSA-PKCS1-v1_5 with SHA-256 (algorithm 0x0103) over the signed data.
  https://source.android.com/docs/security/features/apksigning/v2 and …/v3
* A v3 signer whose key differs from the v2 (else v1) signer carries a real proof-of-rotation lineage
  (old certificate, then the new one signed by the old key), as ``apksigner rotate`` would make.

What is *not* valid:

* ``AndroidManifest.xml`` is plain text. Real APKs hold binary XML ("AXML"); techcheck never parses
  it, and ``apksigner`` is given ``--min-sdk-version`` so that it does not need to.
* v3.1 (``v31=``) is written with the right structure and real digests and signature, but no tool on
  this machine knows v3.1, so nothing checks it; the v3.1 spec's extra attributes (rotation-min-sdk
  in the v3 block) are written but unverified.
* Nothing is zip-aligned, and the hostile archives of ``zip_bytes`` are broken on purpose.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import struct
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from random import Random

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

Signer = tuple[rsa.RSAPrivateKey, x509.Certificate]

DEX_MAGIC = b"dex\n035\x00"
DEX_HEADER_SIZE = 0x70
DEX_ENDIAN_TAG = 0x12345678

# ZIP (PKWARE APPNOTE.TXT §4.3.7, §4.3.12, §4.3.16)
LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
EOCD = struct.Struct("<IHHHHIIH")
DOS_TIME, DOS_DATE = 0, (1 << 9) | (1 << 5) | 1  # 1981-01-01 00:00, fixed so builds are reproducible
FLAG_UTF8 = 0x0800

# APK Signing Block (v2 spec)
U32 = struct.Struct("<I")
U64 = struct.Struct("<Q")
MAGIC = b"APK Sig Block 42"
V2_ID, V3_ID, V31_ID = 0x7109871A, 0xF05368C0, 0x1B93AD61
RSA_PKCS1_SHA256 = 0x0103  # signature algorithm ID: RSASSA-PKCS1-v1_5 with SHA2-256, chunked SHA-256 digest
CHUNK = 1024 * 1024
PROOF_OF_ROTATION_ID = 0x3BA06F8C
STRIPPING_PROTECTION_ID = 0xBEEFF00D  # v2 attribute: "a v3 signature is expected too"
ROTATION_MIN_SDK_ID = 0x559F8B02  # v3 attribute when a v3.1 block exists
LINEAGE_FLAGS = 0x17  # installed data, shared UID, permission, auth: apksigner's default capabilities
V3_MIN_SDK, V31_MIN_SDK, MAX_SDK = 28, 33, 0x7FFFFFFF


# =================================================================================================
# Keys, certificates, dex
# =================================================================================================


def make_key_and_cert(common_name: str, *, issuer: Signer | None = None, subject: x509.Name | None = None) -> Signer:
    """An RSA 2048 key and an X.509 certificate for it (SHA-256), self-signed unless ``issuer`` is given.

    The subject is ``CN=<common_name>`` unless a whole ``subject`` name is given."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if subject is None:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer_key, issuer_name = (key, subject) if issuer is None else (issuer[0], issuer[1].subject)
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365 * 30))
        .sign(issuer_key, hashes.SHA256())
    )
    return key, cert


def cert_sha1(cert: x509.Certificate) -> str:
    """The certificate's SHA-1 the way Echap lists it: 40 upper-case hex digits."""
    return cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - an identifier


def fake_dex(marker: bytes, size: int = 0, *, seed: int | None = None) -> bytes:
    """A dex-shaped blob: the real magic ``dex\\n035\\0`` (so ``uint16(0) == 0x6564`` rules apply), a
    header with file size, header size, endian tag, SHA-1 signature and Adler-32 checksum, then
    ``marker``. ``size`` pads it (zeros, or pseudo-random bytes from ``seed``). Not loadable code."""
    length = max(DEX_HEADER_SIZE + len(marker), size)
    body = bytearray(length if seed is None else 0)
    if seed is not None:
        body += Random(seed).randbytes(length)
    body[0:8] = DEX_MAGIC
    body[32:44] = struct.pack("<III", length, DEX_HEADER_SIZE, DEX_ENDIAN_TAG)
    body[44:DEX_HEADER_SIZE] = bytes(DEX_HEADER_SIZE - 44)
    body[DEX_HEADER_SIZE : DEX_HEADER_SIZE + len(marker)] = marker
    body[12:32] = hashlib.sha1(body[32:]).digest()  # noqa: S324 - the dex format's own field
    body[8:12] = U32.pack(zlib.adler32(body[12:]))
    return bytes(body)


# =================================================================================================
# ZIP writer (also for hostile archives)
# =================================================================================================


@dataclass(frozen=True)
class RawEntry:
    """One ZIP entry exactly as written. ``declared_size``/``crc`` may lie, on purpose."""

    name: bytes | str
    data: bytes
    compress: bool = True
    declared_size: int | None = None  # uncompressed size written in both headers
    crc: int | None = None
    raw_deflate: bytes | None = None  # compressed bytes to write as they are (method 8)


def deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def zip_bytes(entries: Iterable[RawEntry], comment: bytes = b"") -> bytes:
    """A ZIP archive of ``entries`` in order: local headers and data, central directory, EOCD."""
    out, central, count = bytearray(), bytearray(), 0
    for entry in entries:
        name = entry.name.encode("utf-8") if isinstance(entry.name, str) else entry.name
        flags = FLAG_UTF8 if isinstance(entry.name, str) and not entry.name.isascii() else 0
        if entry.raw_deflate is not None:
            method, stored = 8, entry.raw_deflate
        else:
            method, stored = (8, deflate(entry.data)) if entry.compress else (0, entry.data)
        crc = zlib.crc32(entry.data) if entry.crc is None else entry.crc
        size = len(entry.data) if entry.declared_size is None else entry.declared_size
        common = (flags, method, DOS_TIME, DOS_DATE, crc, len(stored), size, len(name))
        offset = len(out)
        out += LOCAL_HEADER.pack(0x04034B50, 20, *common, 0) + name + stored
        central += CENTRAL_HEADER.pack(0x02014B50, 20, 20, *common, 0, 0, 0, 0, 0, offset) + name
        count += 1
    cd_offset = len(out)
    out += central
    out += EOCD.pack(0x06054B50, 0, 0, count & 0xFFFF, count & 0xFFFF, len(central), cd_offset, len(comment))
    return bytes(out + comment)


def split_zip(data: bytes, comment_length: int) -> tuple[int, int]:
    """(central directory offset, EOCD offset) of an archive from ``zip_bytes``."""
    eocd = len(data) - EOCD.size - comment_length
    return EOCD.unpack_from(data, eocd)[6], eocd


# =================================================================================================
# The APK
# =================================================================================================


def manifest_xml(package: str) -> bytes:
    # Real APKs hold this as binary XML (AXML); techcheck never parses it, so text is enough here.
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<manifest xmlns:android="http://schemas.android.com/apk/res/android" '
        f'package="{package}"><application android:label="test"/></manifest>\n'
    ).encode()


def build_apk(
    path_or_none: str | Path | None,
    package: str,
    dex: bytes,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    v1: bool | Signer = True,
    v2: bool | Signer = True,
    v3: bool | Signer = False,
    extra_files: Mapping[str | bytes, bytes] | None = None,
    *,
    v31: bool | Signer = False,
    v1_chain: Sequence[x509.Certificate] = (),
    comment: bytes = b"",
    compress_dex: bool = True,
) -> bytes:
    """Build an APK, write it to ``path_or_none`` when given, and return its bytes.

    Each of ``v1``, ``v2``, ``v3``, ``v31`` is False (scheme absent), True (signed with ``key``/``cert``)
    or a ``(key, cert)`` pair of its own (key rotation, or a test of mismatched signers).
    ``v1_chain`` adds certificates (e.g. a CA's) to the v1 PKCS#7 block after the signer's.
    """
    signers = {name: _signer(choice, (key, cert)) for name, choice in (("v1", v1), ("v2", v2), ("v3", v3))}
    signers["v3.1"] = _signer(v31, (key, cert))
    contents: dict[str | bytes, bytes] = {"AndroidManifest.xml": manifest_xml(package), "classes.dex": dex}
    contents.update(extra_files or {})
    entries = [RawEntry(name, data, compress_dex or name != "classes.dex") for name, data in contents.items()]
    if signers["v1"] is not None:
        schemes = [n for n in ("2", "3") if signers[f"v{n}"] is not None]
        entries = _v1_entries(entries, signers["v1"], v1_chain, schemes) + entries
    apk = zip_bytes(entries, comment)
    if signers["v2"] or signers["v3"] or signers["v3.1"]:
        apk = _insert_signing_block(apk, len(comment), signers)
    if path_or_none is not None:
        Path(path_or_none).write_bytes(apk)
    return apk


def _signer(choice: bool | Signer, default: Signer) -> Signer | None:
    if choice is True:
        return default
    return choice or None


# --- v1 -------------------------------------------------------------------------------------------


def _v1_entries(
    entries: list[RawEntry], signer: Signer, chain: Sequence[x509.Certificate], apk_schemes: list[str]
) -> list[RawEntry]:
    sections = [
        _section([b"Name: " + _name(e.name), b"SHA-256-Digest: " + _b64(hashlib.sha256(e.data).digest())])
        for e in entries
    ]
    main = _section([b"Manifest-Version: 1.0", b"Created-By: techcheck tests"])
    manifest = main + b"".join(sections)
    sf_main = [
        b"Signature-Version: 1.0",
        b"Created-By: techcheck tests",
        b"SHA-256-Digest-Manifest: " + _b64(hashlib.sha256(manifest).digest()),
        b"SHA-256-Digest-Manifest-Main-Attributes: " + _b64(hashlib.sha256(main).digest()),
    ]
    if apk_schemes:  # v2/v3 stripping protection (APK Signature Scheme v2 spec, "Protections")
        sf_main.append(b"X-Android-APK-Signed: " + ", ".join(apk_schemes).encode())
    sf = _section(sf_main) + b"".join(
        _section([b"Name: " + _name(e.name), b"SHA-256-Digest: " + _b64(hashlib.sha256(s).digest())])
        for e, s in zip(entries, sections, strict=True)
    )
    return [
        RawEntry("META-INF/MANIFEST.MF", manifest),
        RawEntry("META-INF/CERT.SF", sf),
        RawEntry("META-INF/CERT.RSA", pkcs7_signature(sf, signer, chain)),
    ]


def pkcs7_signature(data: bytes, signer: Signer, chain: Sequence[x509.Certificate] = ()) -> bytes:
    """A detached DER PKCS#7 SignedData over ``data`` (the v1 ``CERT.RSA``)."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(signer[1], signer[0], hashes.SHA256())
    for extra in chain:
        builder = builder.add_certificate(extra)
    options = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.NoAttributes, pkcs7.PKCS7Options.Binary]
    return builder.sign(serialization.Encoding.DER, options)


def _section(lines: list[bytes]) -> bytes:
    """A manifest section: lines of at most 72 bytes, continued with a leading space, then a blank line."""
    out = bytearray()
    for line in lines:
        out += line[:72] + b"\r\n"
        for start in range(72, len(line), 71):
            out += b" " + line[start : start + 71] + b"\r\n"
    return bytes(out + b"\r\n")


def _name(name: str | bytes) -> bytes:
    return name.encode("utf-8") if isinstance(name, str) else name


def _b64(digest: bytes) -> bytes:
    return base64.b64encode(digest)


# --- v2 / v3 / v3.1 --------------------------------------------------------------------------------


def lp(data: bytes) -> bytes:
    """uint32 little-endian length, then the bytes."""
    return U32.pack(len(data)) + data


def seq(items: Iterable[bytes]) -> bytes:
    return b"".join(lp(item) for item in items)


def _sign(key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def chunked_sha256(*sections: bytes) -> bytes:
    """The v2 content digest: SHA-256 of 0x5a, chunk count, then each 1 MiB chunk's SHA-256 of 0xa5,
    chunk length, chunk (v2 spec, "Integrity-protected contents")."""
    digests = [
        hashlib.sha256(b"\xa5" + U32.pack(len(chunk)) + chunk).digest()
        for section in sections
        for chunk in (section[i : i + CHUNK] for i in range(0, len(section), CHUNK))
    ]
    return hashlib.sha256(b"\x5a" + U32.pack(len(digests)) + b"".join(digests)).digest()


def _signer_block(signer: Signer, digest: bytes, attributes: list[bytes], sdk: tuple[int, int] | None) -> bytes:
    """One scheme's value: length-prefixed sequence of (one) length-prefixed signer."""
    key, cert = signer
    digests = lp(seq([U32.pack(RSA_PKCS1_SHA256) + lp(digest)]))
    certificates = lp(seq([_der(cert)]))
    sdk_fields = b"" if sdk is None else struct.pack("<II", *sdk)
    signed = digests + certificates + sdk_fields + lp(seq(attributes))
    signatures = lp(seq([U32.pack(RSA_PKCS1_SHA256) + lp(_sign(key, signed))]))
    public_key = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signer_bytes = lp(signed) + sdk_fields + signatures + lp(public_key)
    return lp(seq([signer_bytes]))


def lineage(old: Signer, new: Signer) -> bytes:
    """A proof-of-rotation struct (v3 spec): version 1, node(old), node(new signed by old's key)."""
    first_signed = lp(_der(old[1])) + U32.pack(0)
    first = lp(first_signed) + U32.pack(LINEAGE_FLAGS) + U32.pack(RSA_PKCS1_SHA256) + lp(b"")
    second_signed = lp(_der(new[1])) + U32.pack(RSA_PKCS1_SHA256)
    second = lp(second_signed) + U32.pack(LINEAGE_FLAGS) + U32.pack(0) + lp(_sign(old[0], second_signed))
    return U32.pack(1) + seq([first, second])


def _insert_signing_block(apk: bytes, comment_length: int, signers: dict[str, Signer | None]) -> bytes:
    cd_offset, eocd_offset = split_zip(apk, comment_length)
    # Section 3 (EOCD) is digested with the central-directory offset pointing at the signing block,
    # which is where the central directory is now: the EOCD as it stands.
    digest = chunked_sha256(apk[:cd_offset], apk[cd_offset:eocd_offset], apk[eocd_offset:])
    pairs = []
    v2, v3, v31 = signers["v2"], signers["v3"], signers["v3.1"]
    if v2 is not None:
        attrs = [U32.pack(STRIPPING_PROTECTION_ID) + U32.pack(3)] if v3 is not None else []
        pairs.append((V2_ID, _signer_block(v2, digest, attrs, None)))
    if v3 is not None:
        attrs = []
        previous = v2 or signers["v1"]
        if previous is not None and _der(previous[1]) != _der(v3[1]):
            attrs.append(U32.pack(PROOF_OF_ROTATION_ID) + lineage(previous, v3))
        if v31 is not None:
            attrs.append(U32.pack(ROTATION_MIN_SDK_ID) + U32.pack(V31_MIN_SDK))
        pairs.append((V3_ID, _signer_block(v3, digest, attrs, (V3_MIN_SDK, MAX_SDK))))
    if v31 is not None:
        attrs = []
        previous = v3 or v2 or signers["v1"]
        if previous is not None and _der(previous[1]) != _der(v31[1]):
            attrs.append(U32.pack(PROOF_OF_ROTATION_ID) + lineage(previous, v31))
        pairs.append((V31_ID, _signer_block(v31, digest, attrs, (V31_MIN_SDK, MAX_SDK))))
    return insert_signing_block(apk, signing_block(pairs), comment_length)


def insert_signing_block(apk: bytes, block: bytes, comment_length: int = 0) -> bytes:
    """Put ``block`` just before the central directory and move the EOCD's central-directory offset."""
    cd_offset, eocd_offset = split_zip(apk, comment_length)
    eocd = bytearray(apk[eocd_offset:])
    eocd[16:20] = U32.pack(cd_offset + len(block))
    return apk[:cd_offset] + block + apk[cd_offset:eocd_offset] + bytes(eocd)


def signing_block(pairs: Iterable[tuple[int, bytes]]) -> bytes:
    """uint64 size, ID-value pairs (uint64 length, uint32 ID, value), uint64 size, magic."""
    body = b"".join(U64.pack(4 + len(value)) + U32.pack(pair_id) + value for pair_id, value in pairs)
    size = len(body) + U64.size + len(MAGIC)
    return U64.pack(size) + body + U64.pack(size) + MAGIC
