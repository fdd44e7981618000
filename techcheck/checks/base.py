"""What a check is, how an indicator match becomes a finding, and how checks are run.

A check is a small pure function ``(facts, indicators) -> list[Finding]`` with an id and the artifact
kinds it needs. The runner, not the check, decides its status (ok, finding, skipped, failed) from what
was collected and parsed, so every check reports "what we could not check" the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from techcheck.indicators import Entry, IndicatorSet
from techcheck.model import CheckResult, Evidence, Finding, Match, Problem
from techcheck.parse import Facts

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3}

# Indicator type → (category, severity, finding/guide suffix). Watchware and dual-use apps are never
# called stalkerware: they are apps that can share location or activity.
TYPE_FINDINGS: dict[str, tuple[str, str, str]] = {
    "stalkerware": ("stalkerware", "high", "monitoring"),
    "monitoring": ("stalkerware", "high", "monitoring"),
    "watchware": ("watchware", "medium", "watchware"),
    "dual-use": ("watchware", "low", "watchware"),  # everyday apps that can also share (ISDi's list)
    "remote-access": ("remote-access", "medium", "remote-access"),
}


@dataclass(frozen=True)
class Check:
    id: str
    needs: tuple[str, ...]
    run: Callable[[Facts, IndicatorSet], list[Finding]]


def entry_finding(
    prefix: str,
    guide_prefix: str,
    entry: Entry,
    subject: Mapping[str, str],
    matched: Iterable[Match],
    evidence: Iterable[Evidence],
) -> Finding:
    """A finding for something an indicator entry names, e.g. ``local.remote-access``."""
    category, severity, suffix = TYPE_FINDINGS.get(entry.type, ("other", "medium", "monitoring"))
    return Finding(
        id=f"{prefix}.{suffix}",
        category=category,
        severity=severity,
        subject={"name": entry.name, **subject},
        guide=f"{guide_prefix}-{suffix}",
        matched=tuple(matched),
        evidence=tuple(evidence),
    )


def matches(entries: Iterable[Entry], by: str, value: str) -> list[Match]:
    return [Match(by=by, value=value, source=e.origin) for e in entries]


def merge_findings(findings: list[Finding]) -> list[Finding]:
    """One finding per thing: the same tool seen running, installed and starting on its own is one
    finding with three matches, at the highest severity any of them had; an SSH server listening on
    two addresses is one finding with two pieces of evidence."""
    merged: dict[tuple[str, str], Finding] = {}
    order: list[tuple[str, str]] = []
    for finding in findings:
        subject = finding.subject
        # Indicator matches merge by their natural key (an app's package or bundle id, else the tool's name);
        # other findings only when their subjects are equal.
        natural = subject.get("package") or subject.get("bundle_id") or subject.get("name", "")
        identity = natural if finding.matched else repr(sorted(subject.items()))
        key = (finding.id, identity)
        old = merged.get(key)
        if old is None:
            merged[key] = finding
            order.append(key)
            continue
        severity = max(old.severity, finding.severity, key=SEVERITY_RANK.__getitem__)
        merged[key] = Finding(
            id=old.id,
            category=old.category,
            severity=severity,
            subject={**finding.subject, **old.subject},
            guide=old.guide,
            matched=tuple(dict.fromkeys((*old.matched, *finding.matched))),
            evidence=tuple(dict.fromkeys((*old.evidence, *finding.evidence))),
        )
    return [merged[k] for k in order]


def _note(problems: list[Problem]) -> str:
    parts = list(dict.fromkeys(" ".join(f"{p.reason}: {p.detail}".split()) if p.detail else p.reason for p in problems))
    note = "; ".join(parts[:5])
    if len(parts) > 5:
        note += f"; and {len(parts) - 5} more"
    return note[:1000]


def check_status(check: Check, facts: Facts, found: bool) -> tuple[str, str]:
    kinds = [k for k in check.needs if k in facts.attempted]
    if not kinds:
        return "skipped", "not-supported: not available on this system"
    problems = [p for p in facts.problems if p.kind in kinds]
    read_ok = any(facts.parsed.get(k) for k in kinds)
    if found:
        return "finding", _note(problems)
    if problems and not read_ok:
        status = "failed" if any(p.status == "failed" for p in problems) else "skipped"
        return status, _note(problems)
    return "ok", _note(problems)


@dataclass
class Outcome:
    results: list[CheckResult]
    findings: list[Finding]
    errors: list[dict[str, str]]


def run_checks(checks: list[Check], facts: Facts, indicators: IndicatorSet) -> Outcome:
    results: list[CheckResult] = []
    findings: list[Finding] = []
    errors: list[dict[str, str]] = [
        {"step": p.step or p.kind, "message": f"{p.reason}: {p.detail}" if p.detail else p.reason}
        for p in facts.problems
        if p.status == "failed"
    ]
    for check in checks:
        try:
            found = check.run(facts, indicators)
        except Exception as exc:  # noqa: BLE001 - one broken check must not lose the others
            message = f"error: {exc.__class__.__name__}: {exc}"[:300]
            results.append(CheckResult(check.id, "failed", message))
            errors.append({"step": check.id, "message": message})
            continue
        status, note = check_status(check, facts, bool(found))
        results.append(CheckResult(check.id, status, note))
        findings.extend(found)
    return Outcome(results, merge_findings(findings), errors)
