"""authorized_keys: every key line, its options and comment, and a fingerprint equal to ssh-keygen's."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from techcheck.model import Artifact
from techcheck.parse import parse_artifact
from techcheck.parse.records import AuthorizedKey
from techcheck.parse.ssh import fingerprint, parse_authorized_keys

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ssh" / "authorized_keys"
FILE = "/home/alex/.ssh/authorized_keys"

# Printed by `ssh-keygen -lf tests/fixtures/ssh/authorized_keys` (OpenSSH 9.2), kept here so the test
# works where ssh-keygen is not installed.
ED25519_FP = "SHA256:ceP3arY1vTy1nPQZRr4TQPFtXIAS4AGC5B4JC4Pbyho"
RSA_FP = "SHA256:+XO4NXvv1fIFnDXzIYa1gUfR0Ju73jgfl/JY5UaWtoU"
ECDSA_FP = "SHA256:jZ+FG0DsJ6JapZzJ8/MWynLNwZYdnNFjpaZyVCTL+7U"
SK_ED25519_FP = "SHA256:pMUyOSkAhysurZRkob4Aek3tnuKQXkeFxOvxbgv7gZE"
SK_ECDSA_FP = "SHA256:2nLvatIjN7zOQEJr5NvItnEk8x3oLohK7fnbB3a2shs"

EXPECTED = [
    AuthorizedKey("ssh-ed25519", ED25519_FP, "alex@laptop", "", FILE, 3),
    AuthorizedKey(
        "ssh-rsa",
        RSA_FP,
        "backup job on nas (do not remove)",
        'from="10.0.0.0/8",command="echo hi \\"quoted\\""',
        FILE,
        5,
    ),
    AuthorizedKey("ecdsa-sha2-nistp256", ECDSA_FP, "", "", FILE, 6),
    AuthorizedKey("sk-ssh-ed25519@openssh.com", SK_ED25519_FP, "alex@yubikey", "", FILE, 9),
    AuthorizedKey("sk-ecdsa-sha2-nistp256@openssh.com", SK_ECDSA_FP, "alex@solokey", "no-touch-required", FILE, 10),
]


def ssh_keygen() -> str:
    path = shutil.which("ssh-keygen")
    if not path:
        pytest.skip("ssh-keygen is not installed")
    return path


def keygen_fingerprints(path: Path) -> list[str]:
    out = subprocess.run(
        [ssh_keygen(), "-l", "-E", "sha256", "-f", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return [line.split()[1] for line in out.splitlines() if line.strip()]


def test_static_fixture() -> None:
    assert parse_authorized_keys(FIXTURE.read_text(encoding="utf-8"), FILE) == EXPECTED


def test_static_fingerprints_match_ssh_keygen() -> None:
    assert keygen_fingerprints(FIXTURE) == [ED25519_FP, RSA_FP, ECDSA_FP, SK_ED25519_FP, SK_ECDSA_FP]


def test_fingerprint_of_one_blob() -> None:
    blob = "AAAAC3NzaC1lZDI1NTE5AAAAIFNs3zogHdR5RL5uC49NZMxn+Lu3KOQYXJ2kAnxHDFs5"
    assert fingerprint(blob) == ED25519_FP


@pytest.mark.parametrize("blob", ["not*base64", "AAAAC3NzaC1lZDI1NTE5AAAAIFNs3zogHdR5RL5u!!", "AAAAB3Nza"])
def test_fingerprint_of_garbage_is_empty(blob: str) -> None:
    assert fingerprint(blob) == ""


def test_crlf_file_from_windows() -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("\n", "\r\n")
    assert parse_authorized_keys(text, FILE) == EXPECTED


def test_quoted_option_containing_a_key_type() -> None:
    line = (
        'restrict,command="/usr/bin/rrsync -ro /srv/backup ssh-ed25519 x" '
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFNs3zogHdR5RL5uC49NZMxn+Lu3KOQYXJ2kAnxHDFs5 rrsync"
    )
    (key,) = parse_authorized_keys(line, FILE)
    assert key.algorithm == "ssh-ed25519"
    assert key.options == 'restrict,command="/usr/bin/rrsync -ro /srv/backup ssh-ed25519 x"'
    assert (key.fingerprint, key.comment, key.line) == (ED25519_FP, "rrsync", 1)


def test_hostile_comment_is_clipped() -> None:
    line = f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFNs3zogHdR5RL5uC49NZMxn+Lu3KOQYXJ2kAnxHDFs5 <b>\x1b[31m{'x' * 5000}"
    (key,) = parse_authorized_keys(line, FILE)
    assert len(key.comment) == 200
    assert "\x1b" not in key.comment
    assert key.comment.startswith("<b>[31mxxx")


def test_artifact_name_is_attached() -> None:
    artifact = Artifact.make(
        "authorized_keys", f"file:{FILE}", FIXTURE.read_bytes(), name=f"authorized_keys:{FILE}", meta={"path": FILE}
    )
    records = parse_artifact(artifact)
    assert [r.fingerprint for r in records] == [k.fingerprint for k in EXPECTED]
    assert {r.artifact for r in records} == {f"authorized_keys:{FILE}"}
    assert {r.file for r in records} == {FILE}


@pytest.mark.parametrize(
    ("args", "algorithm"),
    [
        (["-t", "ed25519"], "ssh-ed25519"),
        (["-t", "rsa", "-b", "2048"], "ssh-rsa"),
        (["-t", "ecdsa"], "ecdsa-sha2-nistp256"),
        (["-t", "ecdsa", "-b", "384"], "ecdsa-sha2-nistp384"),
    ],
)
def test_fresh_keys_match_ssh_keygen(tmp_path: Path, args: list[str], algorithm: str) -> None:
    keygen = ssh_keygen()
    key = tmp_path / "id"
    subprocess.run(
        [keygen, "-q", *args, "-N", "", "-C", "someone@their-phone", "-f", str(key)], check=True, capture_output=True
    )
    pub = key.with_suffix(".pub").read_text(encoding="utf-8")
    authorized = tmp_path / "authorized_keys"
    authorized.write_text(f'# planted\nno-pty,from="203.0.113.0/24" {pub}', encoding="utf-8")
    (parsed,) = parse_authorized_keys(authorized.read_text(encoding="utf-8"), str(authorized))
    assert parsed.algorithm == algorithm
    assert parsed.comment == "someone@their-phone"
    assert parsed.options == 'no-pty,from="203.0.113.0/24"'
    assert parsed.line == 2
    assert [parsed.fingerprint] == keygen_fingerprints(key.with_suffix(".pub")) == keygen_fingerprints(authorized)
