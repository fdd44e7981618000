"""collect → parse → checks → report, for one target. The CLI and the tests both call this."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from techcheck.checks import ANDROID_CHECKS, IOS_CHECKS, LOCAL_CHECKS, Outcome, run_checks
from techcheck.indicators import IndicatorSet
from techcheck.model import Snapshot
from techcheck.parse import parse_snapshot
from techcheck.report import build_report


@dataclass
class ScanResult:
    snapshot: Snapshot
    outcome: Outcome
    report: dict[str, Any]

    @property
    def partial(self) -> bool:
        disconnected = any(p.reason == "disconnected" for p in self.snapshot.problems)
        return disconnected or any(r.status == "failed" for r in self.outcome.results)


def scan_local(
    indicators: IndicatorSet,
    rules: Any = None,
    progress: Callable[[str], None] | None = None,
    home: Path | None = None,
) -> ScanResult:
    from techcheck.collect.local import collect_local

    snapshot = collect_local(indicators=indicators, rules=rules, progress=progress, home=home)
    if progress:
        progress("step.checks")
    outcome = run_checks(LOCAL_CHECKS, parse_snapshot(snapshot), indicators)
    return ScanResult(snapshot, outcome, build_report(snapshot.target, indicators, outcome))


def scan_android(
    connection: Any,
    indicators: IndicatorSet,
    rules: Any = None,
    progress: Callable[[str], None] | None = None,
) -> ScanResult:
    """``connection`` is a connected AdbConnection. A phone that disconnects gives a partial result."""
    from techcheck.collect.android import collect_android

    snapshot = collect_android(connection, rules=rules, progress=progress).snapshot
    if progress:
        progress("step.checks")
    outcome = run_checks(ANDROID_CHECKS, parse_snapshot(snapshot), indicators)
    return ScanResult(snapshot, outcome, build_report(snapshot.target, indicators, outcome))


def scan_androidqf(path: Path, indicators: IndicatorSet) -> ScanResult:
    """An AndroidQF acquisition, through the same parsers and checks as a phone over adb."""
    from techcheck.collect.androidqf import collect_androidqf

    snapshot = collect_androidqf(path)
    outcome = run_checks(ANDROID_CHECKS, parse_snapshot(snapshot), indicators)
    return ScanResult(snapshot, outcome, build_report(snapshot.target, indicators, outcome))


def scan_ios(session: Any, indicators: IndicatorSet, progress: Callable[[str], None] | None = None) -> ScanResult:
    """``session`` is a connected IphoneSession. A phone unplugged mid-scan gives a partial result."""
    snapshot = session.collect(progress=progress)
    if progress:
        progress("step.checks")
    outcome = run_checks(IOS_CHECKS, parse_snapshot(snapshot), indicators)
    return ScanResult(snapshot, outcome, build_report(snapshot.target, indicators, outcome))
