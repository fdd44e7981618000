"""Known monitoring, stalkerware and remote-access programs on this computer: running, installed,
starting on their own, or recognised by hash or YARA rule. And programs that start on their own."""

from __future__ import annotations

import ntpath
import posixpath

from techcheck.checks.base import Check, entry_finding, matches
from techcheck.indicators import Entry, IndicatorSet
from techcheck.model import Evidence, Finding
from techcheck.parse import AUTOSTART_KINDS, Facts
from techcheck.parse.autostart import effective_xdg
from techcheck.parse.records import AutostartEntry, FileScan, InstalledPath, ProcessRecord

PREFIX, GUIDE = "local", "computer"


def basename(path: str) -> str:
    return ntpath.basename(path) if "\\" in path else posixpath.basename(path)


def program_matches(ind: IndicatorSet, names: list[str], path: str) -> dict:
    """Entries matched by any of the process names or the program's path → their Match lists."""
    found: dict = {}
    for name in dict.fromkeys(n for n in names if n):
        for entry in ind.process(name):
            found.setdefault(entry, []).extend(matches([entry], "process", name))
    if path:
        for entry in ind.path(path):
            found.setdefault(entry, []).extend(matches([entry], "path", path))
    return found


def check_processes(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for proc in facts.of(ProcessRecord):
        argv0 = proc.cmdline.split(" ", 1)[0] if proc.cmdline else ""
        names = [proc.name, basename(proc.exe), basename(argv0)]
        for entry, found in program_matches(ind, names, proc.exe).items():
            detail = f"running: pid {proc.pid} {proc.exe or proc.name}"
            subject = {"kind": "process", "process": proc.name, "path": proc.exe}
            out.append(entry_finding(PREFIX, GUIDE, entry, subject, found, [Evidence(proc.artifact, detail)]))
    return out


def check_installed(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for item in facts.of(InstalledPath):
        for entry in ind.path(item.path) or ind.path(item.pattern):
            subject = {"kind": "path", "path": item.path}
            evidence = [Evidence(item.artifact, f"installed: {item.path}")]
            out.append(entry_finding(PREFIX, GUIDE, entry, subject, matches([entry], "path", item.path), evidence))
    return out


def autostart_entries(facts: Facts) -> list[AutostartEntry]:
    entries = facts.of(AutostartEntry)
    xdg = [e for e in entries if e.mechanism == "xdg"]
    return [e for e in entries if e.mechanism != "xdg"] + effective_xdg(xdg)


def _worth_listing(entry: AutostartEntry) -> bool:
    """Programs a person may not know start on their own. Linux's system-wide XDG entries and Windows
    services come with the OS or drivers; they are listed only when an indicator names them."""
    if not entry.enabled:
        return False
    return not ((entry.mechanism == "xdg" and entry.scope == "system") or entry.mechanism == "service")


def check_autostart(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for item in autostart_entries(facts):
        evidence = [Evidence(item.artifact, f"{item.mechanism}: {item.location}: {item.command}")]
        found = program_matches(ind, [basename(item.target)], item.target)
        for entry, matched in found.items():
            subject = {"kind": "path", "path": item.target or item.location}
            out.append(entry_finding(PREFIX, GUIDE, entry, subject, matched, evidence))
        if not found and _worth_listing(item):
            out.append(
                Finding(
                    id="local.autostart",
                    category="other",
                    severity="info",
                    subject={"kind": "path", "name": item.name, "path": item.target or item.location},
                    guide="computer-autostart",
                    evidence=tuple(evidence),
                )
            )
    return out


def check_file_scan(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    """Programs recognised by SHA-256 or by a YARA rule, whatever they are called."""
    out = []
    by_name = {e.name.lower(): e for e in ind.entries}
    for scan in facts.of(FileScan):
        evidence = [Evidence(scan.artifact, f"sha256 {scan.sha256} {scan.path}")]
        subject = {"kind": "path", "path": scan.path}
        if scan.sha256:
            for entry in ind.sha256(scan.sha256):
                matched = matches([entry], "sha256", scan.sha256)
                out.append(entry_finding(PREFIX, GUIDE, entry, subject, matched, evidence))
        for hit in scan.yara:
            entry = by_name.get(hit.name.lower()) if hit.name else None
            if entry is None:
                entry = Entry(name=hit.name or hit.rule, type=hit.type or "stalkerware", origin=hit.origin)
            matched = matches([entry], "yara", hit.rule)
            out.append(entry_finding(PREFIX, GUIDE, entry, subject, matched, evidence))
    return out


CHECKS = [
    Check("local.processes", ("processes",), check_processes),
    Check("local.installed", ("installed_paths",), check_installed),
    Check("local.autostart", AUTOSTART_KINDS, check_autostart),
    Check("local.files", ("file_scan",), check_file_scan),
]
