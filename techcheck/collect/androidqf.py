"""Importing an AndroidQF acquisition (a folder, or its unencrypted .zip) as an Android snapshot.

AndroidQF (mvt-project/androidqf) saves what it read from a phone: ``getprop.txt``, ``packages.json``,
``dumpsys.txt`` (every service, one after another), ``settings_<namespace>.txt``, ``processes.txt`` /
``ps.txt``, ``root_binaries.json``. Each becomes the artifact kind techcheck's own Android collector
makes, so the same parsers and checks run on it. Nothing here runs any of AndroidQF's code.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from techcheck.model import Artifact, Problem, Snapshot, Target

MAX_MEMBER = 256 * 1024 * 1024
# dumpsys service → artifact kind of techcheck's own collector
DUMPSYS_KINDS = {
    "package": "dumpsys_package",
    "appops": "appops",
    "device_policy": "device_policy",
    "account": "accounts",
    "connectivity": "connectivity",
}
FILE_KINDS = {
    "getprop.txt": "getprop",
    "packages.json": "androidqf_packages",
    "root_binaries.json": "androidqf_root_binaries",
    "ps.txt": "android_processes",
    "processes.txt": "android_processes",
}
_SERVICE = re.compile(rb"^DUMP OF SERVICE (?:[a-z]+ )?([A-Za-z0-9_.\-]+):\s*$", re.MULTILINE)
_SETTINGS = re.compile(r"^settings_([a-z]+)\.txt$")


class AcquisitionError(Exception):
    """The path is not an AndroidQF acquisition we can read."""


def _members(path: Path) -> Iterator[tuple[str, bytes]]:
    """(file name, content) for the top-level files we know, from a folder or a zip."""
    wanted = lambda name: name in FILE_KINDS or name == "dumpsys.txt" or bool(_SETTINGS.match(name))  # noqa: E731
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_file() and wanted(child.name):
                if child.stat().st_size > MAX_MEMBER:
                    raise AcquisitionError(f"{child}: too large")
                yield child.name, child.read_bytes()
        return
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist()[:10000]:
                name = info.filename.rsplit("/", 1)[-1]
                if wanted(name) and info.file_size <= MAX_MEMBER:
                    with archive.open(info) as handle:
                        yield name, handle.read(MAX_MEMBER + 1)[:MAX_MEMBER]
    except (zipfile.BadZipFile, OSError) as exc:
        raise AcquisitionError(f"{path}: not an AndroidQF folder or zip ({exc})") from None


def split_dumpsys(content: bytes) -> dict[str, bytes]:
    """``dumpsys.txt`` → service name → its section."""
    marks = list(_SERVICE.finditer(content))
    sections = {}
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(content)
        sections[mark.group(1).decode("ascii", "replace")] = content[mark.end() : end]
    return sections


def collect_androidqf(path: Path) -> Snapshot:
    if not path.exists():
        raise AcquisitionError(f"{path}: not found")
    snapshot = Snapshot(target=Target(kind="android", id=path.name[:64]))
    snapshot.attempted.update(
        (
            "getprop",
            "androidqf_packages",
            "settings",
            "android_processes",
            "androidqf_root_binaries",
            *DUMPSYS_KINDS.values(),
        )
    )
    found = False
    for name, content in _members(path):
        found = True
        source = f"androidqf:{path.name}/{name}"
        if name == "dumpsys.txt":
            for service, section in split_dumpsys(content).items():
                kind = DUMPSYS_KINDS.get(service)
                if kind:
                    snapshot.add(Artifact.make(kind, f"{source}#{service}", section, name=f"{kind}:androidqf"))
        elif match := _SETTINGS.match(name):
            namespace = match.group(1)
            snapshot.add(
                Artifact.make("settings", source, content, name=f"settings:{namespace}", meta={"namespace": namespace})
            )
        else:
            snapshot.add(Artifact.make(FILE_KINDS[name], source, content, name=f"{FILE_KINDS[name]}:androidqf"))
    if not found:
        raise AcquisitionError(f"{path}: no AndroidQF files (getprop.txt, packages.json, dumpsys.txt…) found")
    for kind in sorted(snapshot.attempted - {a.kind for a in snapshot.artifacts}):
        snapshot.problem(Problem(kind, "skipped", "not-in-acquisition", path.name))
    _target_from_getprop(snapshot, path)
    return snapshot


def _target_from_getprop(snapshot: Snapshot, path: Path) -> None:
    from techcheck.parse import parse_artifact
    from techcheck.parse.android.records import AndroidProps
    from techcheck.text import clip

    for artifact in snapshot.of_kind("getprop"):
        try:
            props = next((r for r in parse_artifact(artifact) if isinstance(r, AndroidProps)), None)
        except Exception:  # noqa: BLE001 - reported by the parse room
            props = None
        if props:
            snapshot.target = Target(
                kind="android",
                id=clip(props.serial or path.name, 64),
                model=clip(" ".join(x for x in (props.manufacturer, props.model) if x)),
                os=f"Android {props.android_version}" if props.android_version else "Android",
                patch_level=clip(props.security_patch, 16),
            )
