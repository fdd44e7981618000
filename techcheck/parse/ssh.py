"""SSH ``authorized_keys``: each line lets the holder of a key sign in without a password."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from techcheck.parse.records import AuthorizedKey
from techcheck.text import clip, clip_line

_KEY_TYPE = re.compile(
    r"^(ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com"
    r"|(?:ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp256)-cert-v01@openssh\.com)$"
)
_TOKEN = re.compile(r'(?:[^\s"]|"(?:[^"\\]|\\.)*")+')


def fingerprint(blob_b64: str) -> str:
    """``SHA256:…`` as ``ssh-keygen -l`` prints it, or "" when the key is not valid base64."""
    try:
        blob = base64.b64decode(blob_b64, validate=True)
    except (binascii.Error, ValueError):
        return ""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def parse_authorized_keys(text: str, file: str) -> list[AuthorizedKey]:
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        tokens = [m.group(0) for m in _TOKEN.finditer(line)]
        for index, token in enumerate(tokens[:-1]):
            if _KEY_TYPE.match(token):
                if not fingerprint(tokens[index + 1]):
                    break  # not a valid key: sshd ignores the line, and so do we
                comment = line.split(tokens[index + 1], 1)[1].strip() if index + 2 < len(tokens) else ""
                out.append(
                    AuthorizedKey(
                        algorithm=token,
                        fingerprint=fingerprint(tokens[index + 1]),
                        comment=clip(comment),
                        options=clip_line(" ".join(tokens[:index])),
                        file=file,
                        line=number,
                    )
                )
                break
    return out
