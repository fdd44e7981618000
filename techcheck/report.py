"""The report, schema ``techcheck/report-1`` (DESIGN.md): written by scans, read by ``techcheck plan``.

Reading is strict about shape and bounded in size: a report file may have travelled on a USB stick or
been edited, and it carries text that came from someone else's device.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from techcheck import __version__
from techcheck.checks import Outcome
from techcheck.indicators import IndicatorSet
from techcheck.model import CATEGORIES, SEVERITIES, STATUSES, Target, utc_now
from techcheck.text import clip

SCHEMA = "techcheck/report-1"
MAX_REPORT_BYTES = 64 * 1024 * 1024


class ReportError(Exception):
    """A report file we cannot use. ``str()`` is one line naming the file and the problem."""


def build_report(
    target: Target, indicators: IndicatorSet, outcome: Outcome, created: str | None = None
) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "tool": {"name": "techcheck", "version": __version__},
        "created": created or utc_now(),
        "target": target.to_dict(),
        "indicators": [s.to_dict() for s in indicators.sources],
        "checks": [r.to_dict() for r in outcome.results],
        "findings": [f.to_dict() for f in outcome.findings],
        "errors": outcome.errors,
    }


def write_report(report: dict[str, Any], path: Path) -> None:
    """Write atomically: a partly written report is never left behind."""
    from techcheck.paths import write_atomically

    write_atomically(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")


@dataclass(frozen=True)
class LoadedReport:
    path: str
    sha256: str
    data: dict[str, Any]


def _strings(value: Any, limit: int = 1024) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {
        clip(k, 64): clip(v, limit)
        for k, v in value.items()
        if isinstance(v, (str, int, float)) and not isinstance(v, bool)
    }


def _require(cond: bool, path: str, problem: str) -> None:
    if not cond:
        raise ReportError(f"{path}: {problem}")


def read_report(path: Path) -> LoadedReport:
    """Read, check and normalise a report. Unknown keys are dropped; text is clipped."""
    name = str(path)
    try:
        _require(path.stat().st_size <= MAX_REPORT_BYTES, name, "too large to be a techcheck report")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ReportError(f"{name}: file not found") from None
    except OSError as exc:
        raise ReportError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    return report_from_bytes(raw, name)


def report_from_bytes(raw: bytes, name: str) -> LoadedReport:
    """Check and normalise a report held in memory (``name`` says where it came from)."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ReportError(f"{name}: not a JSON file") from None
    _require(isinstance(data, dict) and data.get("schema") == SCHEMA, name, f"not a {SCHEMA} report")
    findings = []
    for item in data.get("findings") or []:
        _require(isinstance(item, dict), name, "a finding is not an object")
        _require(item.get("category") in CATEGORIES, name, f"unknown category {clip(item.get('category'), 40)!r}")
        _require(item.get("severity") in SEVERITIES, name, f"unknown severity {clip(item.get('severity'), 40)!r}")
        findings.append(
            {
                "id": clip(item.get("id"), 80),
                "category": item["category"],
                "severity": item["severity"],
                "subject": _strings(item.get("subject")),
                "matched": [_strings(m, 256) for m in item.get("matched") or [] if isinstance(m, dict)],
                "evidence": [_strings(e, 2048) for e in item.get("evidence") or [] if isinstance(e, dict)],
                "guide": clip(item.get("guide"), 80),
            }
        )
    checks = []
    for item in data.get("checks") or []:
        _require(isinstance(item, dict) and item.get("status") in STATUSES, name, "a check has no valid status")
        checks.append({"id": clip(item.get("id"), 80), "status": item["status"], "note": clip(item.get("note"), 1000)})
    clean = {
        "schema": SCHEMA,
        "tool": _strings(data.get("tool")),
        "created": clip(data.get("created"), 40),
        "target": _strings(data.get("target"), 256),
        "indicators": [_strings(i, 256) for i in data.get("indicators") or [] if isinstance(i, dict)],
        "checks": checks,
        "findings": findings,
        "errors": [_strings(e, 1000) for e in data.get("errors") or [] if isinstance(e, dict)],
    }
    return LoadedReport(name, hashlib.sha256(raw).hexdigest(), clean)
