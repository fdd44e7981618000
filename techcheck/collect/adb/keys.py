"""This computer's ADB key: made once, kept in TECHCHECK_HOME, shown by fingerprint.

The phone's "Allow USB debugging?" prompt shows "The computer's RSA key fingerprint is: …" — the MD5
of the public key (AdbDebuggingManager), as colon-separated hex. We show the same string so the person
can check they are allowing this computer and no other.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

KEY_NAME = "adbkey"


def key_path(home: Path) -> Path:
    return home / "adb" / KEY_NAME


def ensure_key(home: Path) -> Path:
    """The private key's path, made on first use (private: the folder 0700, the key 0600)."""
    path = key_path(home)
    if path.is_file() and path.with_name(KEY_NAME + ".pub").is_file():
        return path
    from adb_shell.auth.keygen import keygen

    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    old_umask = os.umask(0o077)
    try:
        keygen(str(path))
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    return path


def fingerprint(public_key: bytes | str) -> str:
    """``AB:CD:…`` as the phone shows it: MD5 of the base64-decoded public key blob."""
    text = public_key.decode("ascii", "replace") if isinstance(public_key, bytes) else public_key
    blob = base64.b64decode(text.split()[0] if text.split() else "")
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def signer(home: Path):  # noqa: ANN201 - adb-shell's CryptographySigner
    from adb_shell.auth.sign_cryptography import CryptographySigner

    return CryptographySigner(str(ensure_key(home)))
