"""The checks room: pure functions from facts and indicators to findings, one module per concern."""

from __future__ import annotations

from techcheck.checks import local_apps, local_browsers, local_location, local_logins, local_network
from techcheck.checks.base import Check, Outcome, merge_findings, run_checks

LOCAL_CHECKS: list[Check] = [
    *local_apps.CHECKS,
    *local_network.CHECKS,
    *local_logins.CHECKS,
    *local_browsers.CHECKS,
    *local_location.CHECKS,
]

__all__ = ["LOCAL_CHECKS", "Check", "Outcome", "merge_findings", "run_checks"]
