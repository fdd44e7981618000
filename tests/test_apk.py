"""techcheck.apk: signer certificates and dex files from APKs built by tests/apkbuilder.py.

Cross-checks with independent tools (keytool, openssl, apksigner) run when the tool is on PATH and
skip otherwise; every other test runs everywhere.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from hashlib import sha1
from pathlib import Path
from random import Random

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from techcheck.apk import (
    SIGNING_BLOCK_MAGIC,
    V2_BLOCK_ID,
    V3_BLOCK_ID,
    V31_BLOCK_ID,
    ApkFacts,
    Limits,
    iter_dex,
    read_apk,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apkbuilder import (  # noqa: E402 - tests/ is not a package
    RawEntry,
    Signer,
    build_apk,
    cert_sha1,
    deflate,
    fake_dex,
    insert_signing_block,
    lp,
    make_key_and_cert,
    pkcs7_signature,
    seq,
    signing_block,
    zip_bytes,
)

MiB = 1024 * 1024
U32 = struct.Struct("<I")
U64 = struct.Struct("<Q")
DEX = fake_dex(b"TECHCHECK-TEST-MARKER")


@pytest.fixture(scope="session")
def alice() -> Signer:
    return make_key_and_cert("Alice Old Key")


@pytest.fixture(scope="session")
def bob() -> Signer:
    return make_key_and_cert("Bob New Key")


@pytest.fixture(scope="session")
def carol() -> Signer:
    return make_key_and_cert("Carol")


@pytest.fixture(scope="session")
def rotated(alice: Signer, bob: Signer) -> bytes:
    """A realistic key rotation: v1 and v2 signed with the old key, v3 with the new one plus lineage."""
    return build_apk(None, "org.example.rotated", DEX, *alice, v3=bob)


def _apk(signer: Signer, **kwargs: object) -> bytes:
    return build_apk(None, "org.example.app", DEX, *signer, **kwargs)


def _signing_block(apk: bytes) -> tuple[int, int]:
    """(offset of the block's first size field, offset of the first pair) in a built APK."""
    magic = apk.rindex(SIGNING_BLOCK_MAGIC)
    (size,) = U64.unpack_from(apk, magic - 8)
    start = magic + 16 - size - 8
    return start, start + 8


def _patch(data: bytes, offset: int, packed: bytes) -> bytes:
    return data[:offset] + packed + data[offset + len(packed) :]


def _assert_clean_text(facts: ApkFacts) -> None:
    for text in (*facts.problems, *facts.dex_names, *facts.v1_signature_files):
        assert not re.search(r"[\x00-\x1f\x7f]", text), text


# =================================================================================================
# Signature schemes
# =================================================================================================


def test_v1_only(alice: Signer) -> None:
    facts = read_apk(_apk(alice, v2=False))
    assert facts.certificates == (cert_sha1(alice[1]),)
    assert facts.schemes == ("v1",)
    assert facts.v1_signature_files == ("META-INF/CERT.RSA",)
    assert facts.signing_block_ids == ()
    assert facts.problems == ()
    assert facts.dex_names == ("classes.dex",)
    assert facts.has_manifest
    assert facts.entry_count == 5  # MANIFEST.MF, CERT.SF, CERT.RSA, AndroidManifest.xml, classes.dex
    (record,) = facts.certificate_details
    assert (record.scheme, record.role, record.where, record.subject) == (
        "v1",
        "signer",
        "META-INF/CERT.RSA",
        "CN=Alice Old Key",
    )
    assert re.fullmatch(r"[0-9A-F]{40}", record.sha1) and re.fullmatch(r"[0-9A-F]{64}", record.sha256)


def test_v2_only(alice: Signer) -> None:
    facts = read_apk(_apk(alice, v1=False))
    assert facts.certificates == (cert_sha1(alice[1]),)
    assert facts.schemes == ("v2",)
    assert facts.v1_signature_files == ()
    assert facts.signing_block_ids == (V2_BLOCK_ID,)
    assert facts.problems == ()
    assert [(r.scheme, r.where) for r in facts.certificate_details] == [("v2", "v2 signer 1")]


def test_v1_and_v2_same_signer_listed_once(alice: Signer) -> None:
    facts = read_apk(_apk(alice))
    assert facts.certificates == (cert_sha1(alice[1]),)
    assert facts.schemes == ("v1", "v2")
    assert [r.scheme for r in facts.certificate_details] == ["v1", "v2"]
    assert facts.problems == ()
    assert facts.signed and not facts.debug_signed


def test_different_certificate_per_scheme_all_reported(alice: Signer, bob: Signer, carol: Signer) -> None:
    facts = read_apk(build_apk(None, "org.example.mixed", DEX, *alice, v1=True, v2=bob, v3=carol))
    assert facts.certificates == (cert_sha1(alice[1]), cert_sha1(bob[1]), cert_sha1(carol[1]))
    assert facts.schemes == ("v1", "v2", "v3")
    assert facts.signing_block_ids == (V2_BLOCK_ID, V3_BLOCK_ID)
    assert facts.other_certificates == ()  # the v3 lineage (bob → carol) holds only signers
    lineage = [(r.role, r.where, r.sha1) for r in facts.certificate_details if r.role == "past signer"]
    assert lineage == [
        ("past signer", "v3 signer 1 lineage node 1", cert_sha1(bob[1])),
        ("past signer", "v3 signer 1 lineage node 2", cert_sha1(carol[1])),
    ]
    assert facts.problems == ()


def test_key_rotation_reports_old_and_new_signer(rotated: bytes, alice: Signer, bob: Signer) -> None:
    facts = read_apk(rotated)
    assert facts.certificates == (cert_sha1(alice[1]), cert_sha1(bob[1]))
    assert facts.schemes == ("v1", "v2", "v3")
    by_scheme = {(r.scheme, r.role): r.subject for r in facts.certificate_details}
    assert by_scheme[("v1", "signer")] == "CN=Alice Old Key"
    assert by_scheme[("v2", "signer")] == "CN=Alice Old Key"
    assert by_scheme[("v3", "signer")] == "CN=Bob New Key"
    assert facts.problems == ()


def test_lineage_only_certificate_is_an_other_certificate(alice: Signer, bob: Signer) -> None:
    # v3 alone, rotated from a v1 key that the APK no longer carries: the old key is known only
    # from the proof-of-rotation lineage.
    apk = build_apk(None, "org.example.lineage", DEX, *alice, v1=False, v2=False, v3=bob)
    assert read_apk(apk).certificates == (cert_sha1(bob[1]),)  # no lineage: v3 has nothing to rotate from
    apk = build_apk(None, "org.example.lineage", DEX, *alice, v1=True, v2=False, v3=bob)
    v1_cert = read_apk(apk)
    assert v1_cert.certificates == (cert_sha1(alice[1]), cert_sha1(bob[1]))
    # Remove the v1 files from the listing by renaming them: the lineage still names alice.
    hidden = apk.replace(b"META-INF/CERT.RSA", b"META-INF/CERT.RSX")
    facts = read_apk(hidden)
    assert facts.certificates == (cert_sha1(bob[1]),)
    assert facts.other_certificates == (cert_sha1(alice[1]),)
    assert facts.schemes == ("v3",)


def test_v31_block_read(alice: Signer, bob: Signer, carol: Signer) -> None:
    facts = read_apk(_apk(alice, v3=bob, v31=carol))
    assert facts.schemes == ("v1", "v2", "v3", "v3.1")
    assert facts.signing_block_ids == (V2_BLOCK_ID, V3_BLOCK_ID, V31_BLOCK_ID)
    assert facts.certificates == (cert_sha1(alice[1]), cert_sha1(bob[1]), cert_sha1(carol[1]))
    assert facts.problems == ()


def test_v1_chain_signer_told_from_ca(alice: Signer) -> None:
    ca = make_key_and_cert("Test CA")
    leaf = make_key_and_cert("Leaf Signer", issuer=ca)
    facts = read_apk(build_apk(None, "org.example.chain", DEX, *leaf, v2=False, v1_chain=[ca[1]]))
    assert facts.certificates == (cert_sha1(leaf[1]),)
    assert facts.other_certificates == (cert_sha1(ca[1]),)
    # A PKCS#7 certificate SET is stored in DER order (sorted), not signer first.
    roles = {r.sha1: r.role for r in facts.certificate_details}
    assert roles == {cert_sha1(leaf[1]): "signer", cert_sha1(ca[1]): "chain"}
    assert facts.problems == ()


def test_v1_signer_not_identified_reports_all_certificates(alice: Signer, bob: Signer) -> None:
    block = bytearray(pkcs7_signature(b"Signature-Version: 1.0\r\n\r\n", alice, [bob[1]]))
    serial = alice[1].serial_number.to_bytes((alice[1].serial_number.bit_length() + 8) // 8, "big")
    at = bytes(block).rindex(serial)  # the SignerInfo's copy comes after the certificates
    block[at + len(serial) - 1] ^= 0x01
    facts = read_apk(zip_bytes([RawEntry("META-INF/CERT.RSA", bytes(block))]))
    assert set(facts.certificates) == {cert_sha1(alice[1]), cert_sha1(bob[1])}
    assert facts.problems == (
        "v1 signature block META-INF/CERT.RSA: signer not identified; all 2 certificates reported",
    )


def test_subjects_match_cryptography_and_debug_key_is_recognised() -> None:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    tricky = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Zürich"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Acme; "Inc" <x>'),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "#hash "),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, "a@example.org"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Smith, John+Co \\ backslash"),
        ]
    )
    debug = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Android"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Android Debug"),
        ]
    )
    for name, is_debug in ((tricky, False), (debug, True)):
        signer = make_key_and_cert("", subject=name)
        facts = read_apk(build_apk(None, "org.example.names", DEX, *signer))
        assert {r.subject for r in facts.certificate_details} == {signer[1].subject.rfc4514_string()}
        assert facts.debug_signed is is_debug
    assert signer[1].subject.rfc4514_string() == "CN=Android Debug,O=Android,C=US"


def test_ber_signature_block_from_openssl(tmp_path: Path) -> None:
    openssl = _tool("openssl")
    key, cert = make_key_and_cert("BER Signer")
    (tmp_path / "key.pem").write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(Encoding.PEM))
    (tmp_path / "CERT.SF").write_bytes(b"Signature-Version: 1.0\r\n\r\n")
    command = [openssl, "cms", "-sign", "-binary", "-noattr", "-nodetach", "-stream", "-outform", "DER"]
    command += ["-in", "CERT.SF", "-signer", "cert.pem", "-inkey", "key.pem", "-out", "CERT.RSA"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    block = (tmp_path / "CERT.RSA").read_bytes()
    assert block[1] == 0x80  # indefinite length: BER, as some signing tools write
    facts = read_apk(zip_bytes([RawEntry("META-INF/CERT.RSA", block)]))
    assert facts.certificates == (cert_sha1(cert),)
    assert facts.problems == ()


def test_hostile_ber_refused_quickly() -> None:
    deep = b"\x30\x80" * 20_000
    wide = b"\x30\x80" * 15 + b"\x04\x00" * 400_000 + b"\x00\x00" * 15
    for block, reason in ((deep, "BER nested too deeply"), (wide, "ContentInfo has fewer than 2 fields")):
        started = time.perf_counter()
        facts = read_apk(zip_bytes([RawEntry("META-INF/CERT.RSA", block)]))
        assert facts.problems == (f"v1 signature block META-INF/CERT.RSA unreadable: {reason}",)
        assert time.perf_counter() - started < 10  # walked once (about 0.2 s here), not once per level


def test_v2_certificates_that_are_not_x509() -> None:
    garbage, indefinite = b"not a certificate", b"\x30\x80\x04\x00\x00\x00"
    signed = lp(b"") + lp(seq([garbage, indefinite])) + lp(b"")
    value = lp(seq([lp(signed) + lp(b"") + lp(b"")]))
    apk = insert_signing_block(zip_bytes([RawEntry("classes.dex", DEX)]), signing_block([(V2_BLOCK_ID, value)]))
    facts = read_apk(apk)
    assert facts.certificates == (sha1(garbage).hexdigest().upper(),)
    assert facts.other_certificates == (sha1(indefinite).hexdigest().upper(),)
    assert [(r.role, r.subject) for r in facts.certificate_details] == [("signer", ""), ("chain", "")]
    assert facts.problems == ()


def test_zip_comment_with_fake_end_record(alice: Signer) -> None:
    comment = b"built by a test \x50\x4b\x05\x06 with a fake end-record signature inside" + bytes(40)
    for kwargs in ({"v2": False}, {"v1": False}, {}):
        facts = read_apk(_apk(alice, comment=comment, **kwargs))
        assert facts.certificates == (cert_sha1(alice[1]),), kwargs
        assert facts.problems == (), kwargs


def test_trailing_bytes_after_comment_noted(alice: Signer) -> None:
    facts = read_apk(_apk(alice, v2=False) + b"\x00" * 7)
    assert facts.certificates == (cert_sha1(alice[1]),)
    assert facts.problems == ("7 unexpected bytes after the ZIP end record",)


def test_unsigned_apk(alice: Signer) -> None:
    facts = read_apk(_apk(alice, v1=False, v2=False))
    assert (facts.certificates, facts.schemes, facts.v1_signature_files, facts.problems) == ((), (), (), ())
    assert facts.dex_names == ("classes.dex",)
    assert not facts.signed


# =================================================================================================
# Broken and hostile files
# =================================================================================================


@pytest.mark.parametrize("data", [b"", b"hello", b"PK\x05\x06", bytes(100_000)])
def test_not_a_zip(data: bytes) -> None:
    facts = read_apk(data)
    assert facts.certificates == ()
    assert facts.problems == ("APK unreadable: not a ZIP archive, or truncated (no end-of-central-directory record)",)
    problems: list[str] = []
    assert list(iter_dex(data, problems=problems)) == []
    assert problems == ["dex not read: not a ZIP archive, or truncated (no end-of-central-directory record)"]


def test_truncated_anywhere_never_raises(rotated: bytes) -> None:
    step = max(1, len(rotated) // 400)
    for cut in [*range(0, len(rotated), step), len(rotated) - 1]:
        data = rotated[:cut]
        facts = read_apk(data)
        assert facts.problems, cut  # every prefix is broken somewhere and says so
        assert facts.size == cut
        notes: list[str] = []
        assert all(name.startswith("classes") for name, _ in iter_dex(data, problems=notes))


def test_central_directory_offset_past_end(alice: Signer) -> None:
    apk = bytearray(_apk(alice, v2=False))
    apk[-6:-2] = U32.pack(len(apk) * 2)  # EOCD: central-directory offset
    facts = read_apk(bytes(apk))
    assert facts.certificates == ()
    assert facts.problems[0].startswith("APK unreadable: central directory (")


def test_zip64_archive_refused() -> None:
    apk = zip_bytes([RawEntry("classes.dex", DEX)])
    eocd = len(apk) - 22
    locator = struct.pack("<IIQI", 0x07064B50, 0, 0, 1)  # APPNOTE §4.3.15, 20 bytes
    patched = bytearray(apk[:eocd] + locator + apk[eocd:])
    struct.pack_into("<HH", patched, len(patched) - 22 + 8, 0xFFFF, 0xFFFF)  # entries: "see ZIP64"
    facts = read_apk(bytes(patched))
    assert facts.problems == ("APK unreadable: ZIP64 archive: not examined (APK signing does not support ZIP64)",)
    assert facts.dex_names == ()


def test_signing_block_pair_length_huge(alice: Signer) -> None:
    apk = _apk(alice)
    _, first_pair = _signing_block(apk)
    facts = read_apk(_patch(apk, first_pair, U64.pack(2**63)))
    assert facts.certificates == (cert_sha1(alice[1]),)  # still found through v1
    assert facts.schemes == ("v1",)
    assert len(facts.problems) == 1
    assert facts.problems[0].startswith("APK Signing Block: pair 1 declares length 9223372036854775808, only ")


def test_signing_block_size_fields_disagree(alice: Signer) -> None:
    apk = _apk(alice)
    start, _ = _signing_block(apk)
    (size,) = U64.unpack_from(apk, start)
    facts = read_apk(_patch(apk, start, U64.pack(size + 1)))
    assert facts.problems == (f"APK Signing Block size fields disagree ({size + 1} and {size})",)
    assert facts.certificates == (cert_sha1(alice[1]),)


def test_signing_block_size_impossible(alice: Signer) -> None:
    apk = _apk(alice, v1=False)
    magic = apk.rindex(SIGNING_BLOCK_MAGIC)
    facts = read_apk(_patch(apk, magic - 8, U64.pack(2**64 - 1)))
    assert facts.certificates == ()
    assert facts.problems == (
        f"APK Signing Block declares an impossible size ({2**64 - 1} bytes before offset {magic + 16})",
    )


def test_v2_signer_length_overflows(alice: Signer) -> None:
    apk = _apk(alice, v1=False)
    _, first_pair = _signing_block(apk)
    signer_length_at = first_pair + 12 + 4  # pair header, then the signers' sequence length
    facts = read_apk(_patch(apk, signer_length_at, U32.pack(0xFFFFFFFF)))
    assert facts.certificates == ()
    assert facts.schemes == ("v2",)
    assert len(facts.problems) == 1
    assert re.fullmatch(r"v2 signer 1 malformed: length 4294967295 exceeds the \d+ bytes left", facts.problems[0])


def test_v2_certificate_length_overflows(alice: Signer) -> None:
    apk = _apk(alice, v1=False)
    _, first_pair = _signing_block(apk)
    value = first_pair + 12
    # signers seq len, signer len, signed-data len, digests len (+ digests), certificates len, cert len
    (digests_length,) = U32.unpack_from(apk, value + 12)
    cert_length_at = value + 16 + digests_length + 4
    (real,) = U32.unpack_from(apk, cert_length_at)
    assert real == len(alice[1].public_bytes(Encoding.DER))
    facts = read_apk(_patch(apk, cert_length_at, U32.pack(real + 1)))
    assert facts.certificates == ()
    assert re.fullmatch(rf"v2 signer 1 malformed: length {real + 1} exceeds the {real} bytes left", facts.problems[0])


def test_v2_value_with_no_signers(alice: Signer) -> None:
    apk = _apk(alice, v1=False)
    _, first_pair = _signing_block(apk)
    facts = read_apk(_patch(apk, first_pair + 12, U32.pack(0)))  # empty sequence of signers
    assert facts.schemes == ("v2",)
    assert facts.problems == ("v2 block has no signer",)


def test_signing_block_mutations_never_raise(rotated: bytes) -> None:
    start, _ = _signing_block(rotated)
    end = rotated.rindex(SIGNING_BLOCK_MAGIC) + 16
    rng = Random(1234)
    for _ in range(300):
        data = bytearray(rotated)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(start, end)
            data[at : at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", rng.randbytes(4)])
        facts = read_apk(bytes(data))
        assert isinstance(facts, ApkFacts)
        assert all(re.fullmatch(r"[0-9A-F]{40}", sha1) for sha1 in facts.certificates)


def test_random_mutations_never_raise(rotated: bytes) -> None:
    rng = Random(99)
    for _ in range(300):
        data = bytearray(rotated)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        notes: list[str] = []
        assert isinstance(read_apk(bytes(data)), ApkFacts)
        for name, content in iter_dex(bytes(data), 1 * MiB, problems=notes):
            assert name.startswith("classes") and len(content) <= MiB


def test_zip_bomb_declared_size(alice: Signer) -> None:
    apk = zip_bytes(
        [
            RawEntry("classes.dex", DEX, declared_size=0xFFFFFFFE),
            RawEntry("assets/huge.bin", b"x" * 1000, declared_size=4_000_000_000),
        ]
    )
    facts = read_apk(apk)
    assert facts.dex_names == ("classes.dex",)
    assert any(p.startswith("entry assets/huge.bin declares 4000000000 bytes from") for p in facts.problems)
    assert "classes.dex declares 4294967294 bytes, over the dex cap; not scanned" in facts.problems
    notes: list[str] = []
    assert list(iter_dex(apk, problems=notes)) == []
    assert notes == [f"classes.dex not scanned: declares 4294967294 bytes, over the {64 * MiB}-byte cap"]


def test_zip_bomb_lying_small_is_cut_at_the_cap() -> None:
    bomb = deflate(bytes(32 * MiB))  # ~32 KiB that inflate to 32 MiB, declared as 1000 bytes
    apk = zip_bytes([RawEntry("classes.dex", b"", declared_size=1000, raw_deflate=bomb, crc=0)])
    facts = read_apk(apk)
    assert facts.dex_names == ("classes.dex",)
    notes: list[str] = []
    tracemalloc.start()
    try:
        yielded = list(iter_dex(apk, 1 * MiB, problems=notes))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert yielded == []
    assert notes == [f"classes.dex not scanned: inflates past the {MiB}-byte cap"]
    assert peak < 4 * MiB, peak


def test_many_small_bombs_share_one_budget() -> None:
    bomb = deflate(bytes(2 * MiB))
    entries = [RawEntry(f"classes{i}.dex", b"", declared_size=10, raw_deflate=bomb, crc=0) for i in range(2, 40)]
    apk = zip_bytes([RawEntry("classes.dex", DEX), *entries])
    notes: list[str] = []
    started = time.perf_counter()
    names = [name for name, _ in iter_dex(apk, 1 * MiB, max_total_bytes=8 * MiB, problems=notes)]
    assert names == ["classes.dex"]
    assert sum("inflates past the" in note for note in notes) == 8  # 8 MiB of inflating, then no more
    assert sum("of dex already read" in note for note in notes) == 38 - 8
    assert time.perf_counter() - started < 10


def test_many_v1_blocks_bounded(alice: Signer) -> None:
    block = zipfile.ZipFile(io.BytesIO(_apk(alice, v2=False))).read("META-INF/CERT.RSA")
    apk = zip_bytes([RawEntry(f"META-INF/S{i:02d}.RSA", block) for i in range(12)])
    facts = read_apk(apk)
    assert len(facts.v1_signature_files) == 12
    assert facts.certificates == (cert_sha1(alice[1]),)
    assert [r.where for r in facts.certificate_details] == [f"META-INF/S{i:02d}.RSA" for i in range(8)]
    assert facts.problems == tuple(
        f"more than 8 v1 signature blocks; META-INF/S{i:02d}.RSA not read" for i in range(8, 12)
    )


def test_many_entries_bounded() -> None:
    filler = [RawEntry(f"res/raw/f{i:05d}", b"", compress=False) for i in range(30_000)]
    apk = zip_bytes([*filler, RawEntry("classes.dex", DEX)])
    facts = read_apk(apk)
    assert facts.entry_count == 30_001
    assert facts.dex_names == ("classes.dex",)
    assert facts.problems == ()
    capped = read_apk(apk, limits=Limits(max_entries=20_000))
    assert capped.entry_count == 20_000
    assert capped.dex_names == ()
    assert capped.problems == ("more than 20000 ZIP entries; the rest were not examined",)


def test_hostile_names() -> None:
    deep = "a/" * 3000 + "classes.dex"
    apk = zip_bytes(
        [
            RawEntry(b"assets/\xff\xfe\x1b[31mred.bin", b"x"),
            RawEntry("../../../../data/system/packages.xml", b"x"),
            RawEntry(deep, DEX),
            RawEntry("lib/arm64-v8a/classes.dex", DEX),  # not at the root: Android does not load it
            RawEntry("Classes.dex", DEX),
            RawEntry("classes10.dex", fake_dex(b"ten")),
            RawEntry("classes2.dex", fake_dex(b"two")),
            RawEntry("classes.dex", DEX),
            RawEntry("classes.dex", fake_dex(b"duplicate")),
            RawEntry(b"META-INF/\xff\x1b]0;x\x07.RSA", b"not pkcs7"),
            RawEntry("META-INF/sub/CERT.RSA", b"not looked at"),
            RawEntry("naïve/ünïcode.txt", b"x"),
        ]
    )
    facts = read_apk(apk)
    assert facts.dex_names == ("classes.dex", "classes.dex", "classes2.dex", "classes10.dex")
    assert facts.v1_signature_files == ("META-INF/\\xff]0;x.RSA",)
    assert facts.schemes == ("v1",)
    assert facts.entry_count == 12
    assert "duplicate ZIP entry classes.dex (each copy examined)" in facts.problems
    assert any(p.startswith("v1 signature block META-INF/\\xff]0;x.RSA unreadable: ") for p in facts.problems)
    _assert_clean_text(facts)
    dex = list(iter_dex(apk))
    assert [name for name, _ in dex] == ["classes.dex", "classes.dex", "classes2.dex", "classes10.dex"]
    assert dex[1][1] == fake_dex(b"duplicate")


def test_unsupported_method_and_encryption_noted() -> None:
    apk = bytearray(zip_bytes([RawEntry("classes.dex", DEX, compress=False), RawEntry("classes2.dex", DEX)]))
    first, second = apk.index(b"PK\x01\x02"), apk.rindex(b"PK\x01\x02")  # central records
    struct.pack_into("<H", apk, first + 10, 12)  # classes.dex: method 12 (bzip2)
    struct.pack_into("<H", apk, second + 8, 1)  # classes2.dex: the "encrypted" flag
    notes: list[str] = []
    assert list(iter_dex(bytes(apk), problems=notes)) == []
    assert notes == [
        "classes.dex unreadable: compression method 12 is not one Android reads",
        "classes2.dex unreadable: encrypted",
    ]


# =================================================================================================
# Dex iteration
# =================================================================================================


def test_iter_dex_order_content_and_caps(alice: Signer) -> None:
    two, three = fake_dex(b"second", 300_000, seed=2), fake_dex(b"third", 2 * MiB)
    apk = build_apk(
        None,
        "org.example.multidex",
        DEX,
        *alice,
        extra_files={"classes3.dex": three, "classes2.dex": two, "assets/classes4.dex": DEX},
        compress_dex=False,
    )
    assert read_apk(apk).dex_names == ("classes.dex", "classes2.dex", "classes3.dex")
    assert list(iter_dex(apk)) == [("classes.dex", DEX), ("classes2.dex", two), ("classes3.dex", three)]
    notes: list[str] = []
    assert [n for n, _ in iter_dex(apk, 1 * MiB, problems=notes)] == ["classes.dex", "classes2.dex"]
    assert notes == [f"classes3.dex not scanned: declares {len(three)} bytes, over the {MiB}-byte cap"]
    notes = []
    assert [n for n, _ in iter_dex(apk, 4 * MiB, max_total_bytes=len(DEX) + len(two), problems=notes)] == [
        "classes.dex",
        "classes2.dex",
    ]
    assert notes == [f"classes3.dex not scanned: {len(DEX) + len(two)} bytes of dex already read"]
    limited = read_apk(apk, limits=Limits(max_dex_bytes=MiB))
    assert limited.problems == (f"classes3.dex declares {len(three)} bytes, over the dex cap; not scanned",)


def test_iter_dex_crc_mismatch_still_yielded() -> None:
    apk = zip_bytes([RawEntry("classes.dex", DEX, crc=0x12345678)])
    notes: list[str] = []
    assert list(iter_dex(apk, problems=notes)) == [("classes.dex", DEX)]
    assert notes == ["classes.dex does not match its CRC-32"]


def test_fake_dex_matches_dex_only_yara_rule(alice: Signer) -> None:
    yara = pytest.importorskip("yara")
    rules = yara.compile(
        source='rule t { strings: $m = "TECHCHECK-TEST-MARKER" condition: uint16(0) == 0x6564 and $m }'
    )
    hits = [name for name, data in iter_dex(_apk(alice)) if rules.match(data=data)]
    assert hits == ["classes.dex"]
    assert not rules.match(data=b"PK" + DEX)  # the same bytes not at offset 0 are not a dex


# =================================================================================================
# Sources
# =================================================================================================


def test_every_source_kind_gives_the_same_facts(rotated: bytes, tmp_path: Path) -> None:
    expected = read_apk(rotated)
    path = tmp_path / "app.apk"
    path.write_bytes(rotated)
    with path.open("rb") as handle, tempfile.SpooledTemporaryFile(max_size=1024) as spool:
        spool.write(rotated)  # rolls over to a real file, as a pulled APK does
        spool.seek(17)
        handle.seek(5)
        sources = [bytearray(rotated), memoryview(rotated), io.BytesIO(rotated), handle, spool]
        for source in sources:
            assert read_apk(source) == expected
            assert [n for n, _ in iter_dex(source)] == ["classes.dex"]
        assert (handle.tell(), spool.tell()) == (5, 17)  # positions restored


def test_unseekable_source_is_a_problem() -> None:
    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

    facts = read_apk(Pipe())  # type: ignore[arg-type]
    assert facts.problems == ("APK unreadable: source is not a seekable binary file (UnsupportedOperation)",)
    notes: list[str] = []
    assert list(iter_dex(Pipe(), problems=notes)) == []  # type: ignore[arg-type]
    assert notes == ["dex not read: source is not a seekable binary file (UnsupportedOperation)"]


def test_problems_are_capped() -> None:
    apk = zip_bytes([RawEntry(f"b{i}", b"x" * 100, declared_size=2_000_000_000) for i in range(100)])
    facts = read_apk(apk)
    assert len(facts.problems) == 41
    assert facts.problems[-1] == "60 more problems not listed"


# =================================================================================================
# Independent tools
# =================================================================================================


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed; this cross-check is skipped")
    return path


def _colon_hex(text: str) -> str:
    return text.replace(":", "").upper()


def test_keytool_agrees_on_v1_certificate(rotated: bytes, alice: Signer, tmp_path: Path) -> None:
    keytool = _tool("keytool")
    path = tmp_path / "rotated.apk"
    path.write_bytes(rotated)
    out = subprocess.run([keytool, "-printcert", "-jarfile", str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    sha1s = [_colon_hex(m) for m in re.findall(r"SHA1: ([0-9A-F:]{59})", out.stdout)]
    v1 = [r.sha1 for r in read_apk(rotated).certificate_details if r.scheme == "v1"]
    assert sha1s == v1 == [cert_sha1(alice[1])]


def test_openssl_agrees_on_v1_block(tmp_path: Path) -> None:
    openssl = _tool("openssl")
    ca = make_key_and_cert("OpenSSL CA")
    leaf = make_key_and_cert("OpenSSL Leaf", issuer=ca)
    apk = build_apk(None, "org.example.openssl", DEX, *leaf, v1_chain=[ca[1]])
    block = tmp_path / "CERT.RSA"
    block.write_bytes(zipfile.ZipFile(io.BytesIO(apk)).read("META-INF/CERT.RSA"))
    pems = subprocess.run(
        [openssl, "pkcs7", "-inform", "DER", "-print_certs", "-in", str(block)], capture_output=True, timeout=60
    )
    assert pems.returncode == 0, pems.stderr
    fingerprints = []
    for pem in re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", pems.stdout, re.S):
        out = subprocess.run(
            [openssl, "x509", "-noout", "-fingerprint", "-sha1"], input=pem, capture_output=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        fingerprints.append(_colon_hex(out.stdout.decode().strip().split("=", 1)[1]))
    facts = read_apk(apk)
    v1 = [r.sha1 for r in facts.certificate_details if r.scheme == "v1"]
    assert fingerprints == v1  # same certificates, same order (the block's)
    assert sorted(v1) == sorted([cert_sha1(leaf[1]), cert_sha1(ca[1])])
    assert facts.certificates == (cert_sha1(leaf[1]),)  # the CA is not the signer


def test_cryptography_pkcs7_loader_agrees(rotated: bytes) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import pkcs7

    loaded = pkcs7.load_der_pkcs7_certificates(zipfile.ZipFile(io.BytesIO(rotated)).read("META-INF/CERT.RSA"))
    assert [c.fingerprint(hashes.SHA1()).hex().upper() for c in loaded] == [read_apk(rotated).certificates[0]]


def test_apksigner_verifies_builder_and_agrees(rotated: bytes, alice: Signer, bob: Signer, tmp_path: Path) -> None:
    apksigner = _tool("apksigner")
    path = tmp_path / "rotated.apk"
    path.write_bytes(rotated)
    # --min-sdk-version: the test manifest is text, not binary XML; 18 makes apksigner check v1 too.
    verify = subprocess.run(
        [apksigner, "verify", "-v", "--print-certs", "--min-sdk-version", "18", str(path)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    for scheme in ("v1", "v2", "v3"):
        assert re.search(rf"Verified using {scheme} scheme \([^)]*\): true", verify.stdout), scheme
    current = re.findall(r"Signer #1 certificate SHA-1 digest: ([0-9a-f]{40})", verify.stdout)
    assert [c.upper() for c in current] == [cert_sha1(bob[1])]
    lineage = subprocess.run(
        [apksigner, "lineage", "--in", str(path), "--print-certs"], capture_output=True, text=True, timeout=180
    )
    assert lineage.returncode == 0, lineage.stdout + lineage.stderr
    in_lineage = [c.upper() for c in re.findall(r"in lineage certificate SHA-1 digest: ([0-9a-f]{40})", lineage.stdout)]
    facts = read_apk(rotated)
    assert in_lineage == [r.sha1 for r in facts.certificate_details if r.role == "past signer"]
    assert in_lineage == [cert_sha1(alice[1]), cert_sha1(bob[1])]
    assert set(facts.certificates) == {cert_sha1(alice[1]), *(c.upper() for c in current)}


# =================================================================================================
# Throughput (printed, not asserted)
# =================================================================================================


def test_throughput_50_mib(alice: Signer, capsys: pytest.CaptureFixture[str]) -> None:
    rng = Random(7)
    half_random = b"".join(rng.randbytes(512) + bytes(512) for _ in range(10 * 1024))  # deflates ~2:1
    extra = {
        "classes2.dex": fake_dex(b"two") + half_random,
        "classes3.dex": fake_dex(b"three", 8 * MiB, seed=3),
        "assets/video.bin": rng.randbytes(24 * MiB),
        "lib/arm64-v8a/libapp.so": half_random,
    }
    dex = fake_dex(b"one", 8 * MiB, seed=1)
    apk = build_apk(None, "org.example.big", dex, *alice, v3=True, extra_files=extra, compress_dex=False)
    with tempfile.SpooledTemporaryFile(max_size=1024) as spool:
        spool.write(apk)
        start = time.perf_counter()
        facts = read_apk(spool)
        after_read = time.perf_counter()
        scanned = sum(len(data) for _, data in iter_dex(spool))
        done = time.perf_counter()
    assert facts.certificates == (cert_sha1(alice[1]),) and facts.problems == ()
    assert facts.dex_names == ("classes.dex", "classes2.dex", "classes3.dex")
    size_mib = len(apk) / MiB
    with capsys.disabled():
        print(
            f"\n[apk throughput] {size_mib:.1f} MiB APK, {scanned / MiB:.1f} MiB of dex: "
            f"read_apk {1000 * (after_read - start):.1f} ms, iter_dex {1000 * (done - after_read):.1f} ms, "
            f"total {1000 * (done - start) / size_mib:.2f} ms per MiB of APK"
        )
