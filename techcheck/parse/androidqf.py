"""Parsers for the files only AndroidQF writes: ``packages.json``, ``root_binaries.json`` and the
process list (``ps -A`` output). The rest of an acquisition uses the Android parsers."""

from __future__ import annotations

import re

from techcheck.android_stores import is_system_path
from techcheck.parse.android.records import AndroidPackage, ApkScan, PackageDetails, RootSign
from techcheck.parse.common import as_int, json_list
from techcheck.parse.records import ProcessRecord
from techcheck.text import clip, clip_path

_HEX40 = re.compile(r"^[0-9a-fA-F]{40}$")


def parse_packages_json(raw: bytes) -> list[object]:
    """Each app as a listed package, its details (installer, system), and a scan row carrying the
    hashes and certificate AndroidQF already computed (certificate SHA-1 in lower case there)."""
    out: list[object] = []
    for item in json_list(raw, "packages.json"):
        if not isinstance(item, dict) or not item.get("name"):
            continue
        name = clip(item["name"])
        installer = "" if str(item.get("installer") or "null") == "null" else clip(item.get("installer"))
        files = [f for f in item.get("files") or [] if isinstance(f, dict)]
        base = next((f for f in files if str(f.get("path", "")).endswith("base.apk")), files[0] if files else {})
        path = clip_path(base.get("path", ""))
        uid = as_int(item.get("uid"), -1)
        out.append(AndroidPackage(name=name, path=path, installer=installer, uids=(uid,) if uid >= 0 else ()))
        out.append(
            PackageDetails(
                name=name,
                installer=installer,
                app_id=uid if uid >= 0 else None,
                system=bool(item.get("system")) or is_system_path(path),
                enabled=not item.get("disabled"),
            )
        )
        certificates = []
        for file in files:
            sha1 = str((file.get("certificate") or {}).get("Sha1") or "")
            if _HEX40.match(sha1):
                certificates.append(sha1.upper())
        out.append(
            ApkScan(
                package=name,
                path=path,
                sha256=clip(base.get("sha256", ""), 64),
                certificates=tuple(dict.fromkeys(certificates)),
                schemes=(),
                note="androidqf",
            )
        )
    return out


def parse_root_binaries(raw: bytes) -> list[RootSign]:
    return [
        RootSign(kind="su" if p.endswith("/su") else "root-tool", detail=clip_path(p))
        for p in json_list(raw, "root_binaries.json")
        if isinstance(p, str)
    ]


def parse_ps(text: str) -> list[ProcessRecord]:
    """``ps -A`` (toybox): ``USER PID PPID VSZ RSS WCHAN ADDR S NAME``; kernel threads are skipped."""
    out = []
    lines = text.splitlines()
    header = lines[0].split() if lines else []
    if "PID" not in header:
        return out
    pid_at = header.index("PID")
    for line in lines[1:]:
        parts = line.split()
        if len(parts) <= pid_at or parts[-1].startswith("["):
            continue
        out.append(ProcessRecord(pid=as_int(parts[pid_at]), name=clip(parts[-1]), username=clip(parts[0])))
    return out


PARSERS = {
    "androidqf_packages": lambda a: parse_packages_json(a.content),
    "androidqf_root_binaries": lambda a: parse_root_binaries(a.content),
    "android_processes": lambda a: parse_ps(a.text),
}
