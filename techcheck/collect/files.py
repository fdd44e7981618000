"""Reading the programs that run or start on their own, once each: SHA-256 and YARA in one read.

Files up to MAX_SCAN_BYTES are read into memory once and given to both the hash and YARA. Larger files
are hashed in chunks (still one read) and not given to YARA; the scan notes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from typing import Any

from techcheck.collect.base import Context, expand_path
from techcheck.indicators.yara_rules import origin_of
from techcheck.parse import AUTOSTART_KINDS, parse_artifact
from techcheck.parse.records import AutostartEntry, ProcessRecord

MAX_SCAN_BYTES = 32 * 1024 * 1024
MAX_HASH_BYTES = 512 * 1024 * 1024
MAX_FILES = 400
YARA_TIMEOUT = 10
WORKERS = 2


def _targets(ctx: Context) -> list[str]:
    """Program paths from autostart entries and running processes, in that order."""
    paths: list[str] = []
    search = ctx.env.get("PATH", os.defpath)
    for artifact in ctx.snapshot.artifacts:
        if artifact.kind not in AUTOSTART_KINDS and artifact.kind != "processes":
            continue
        try:
            records = parse_artifact(artifact)
        except Exception:  # noqa: BLE001 - the parse room reports broken artifacts itself
            continue
        for record in records:
            if isinstance(record, AutostartEntry):
                target = expand_path(record.target, ctx.home, ctx.env) if "%" in record.target else record.target
                if target and not os.path.isabs(target) and "\\" not in target:
                    target = shutil.which(target, path=search) or ""
            elif isinstance(record, ProcessRecord):
                target = record.exe
            else:
                continue
            if target:
                paths.append(target)
    return paths


def _hits(rules: Any, data: bytes) -> list[dict[str, str]]:
    if rules is None:
        return []
    out = []
    for match in rules.match(data=data, timeout=YARA_TIMEOUT):
        meta = getattr(match, "meta", {}) or {}
        out.append(
            {
                "origin": origin_of(match.namespace),
                "rule": match.rule,
                "name": str(meta.get("name", "")),
                "type": str(meta.get("type", "")),
            }
        )
    return out


def scan_file(path: str, rules: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"path": path, "size": 0, "sha256": "", "yara": [], "note": ""}
    try:
        size = os.stat(path).st_size
        row["size"] = size
        if size > MAX_HASH_BYTES:
            row["note"] = "too-large"
            return row
        with open(path, "rb") as handle:
            if size <= MAX_SCAN_BYTES:
                data = handle.read(MAX_SCAN_BYTES + 1)
                row["sha256"] = hashlib.sha256(data).hexdigest()
                row["yara"] = _hits(rules, data)
            else:
                digest = hashlib.sha256()
                for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                    digest.update(chunk)
                row["sha256"] = digest.hexdigest()
                row["note"] = "too-large-for-yara"
    except PermissionError:
        row["note"] = "not-readable"
    except OSError:
        row["note"] = "not-found"
    except Exception as exc:  # noqa: BLE001 - e.g. a YARA timeout on one file
        row["note"] = f"error: {exc.__class__.__name__}"
    return row


def _unique_files(ctx: Context) -> list[str]:
    seen: dict[str, None] = {}
    for target in _targets(ctx):
        try:
            real = os.path.realpath(target)
        except (OSError, ValueError):
            continue
        if real not in seen and os.path.isfile(real):
            seen[real] = None
    files = list(seen)
    if len(files) > MAX_FILES:
        ctx.problem(
            "file_scan", "skipped", "too-many", f"only the first {MAX_FILES} of {len(files)} programs were read"
        )
    return files[:MAX_FILES]


def collect_file_scan(ctx: Context) -> None:
    """Two files at a time: hashing and YARA release the GIL, so both cores work; memory stays bounded
    by two buffers of at most MAX_SCAN_BYTES."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        rows = list(pool.map(lambda path: scan_file(path, ctx.rules), _unique_files(ctx)))
    ctx.add("file_scan", "sha256 and YARA of programs that run or start on their own", json.dumps(rows))
