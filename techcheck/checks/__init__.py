"""The checks room: pure functions from facts and indicators to findings, one module per concern."""

from __future__ import annotations

from techcheck.checks import (
    android_access,
    android_apps,
    android_phone,
    ios,
    local_apps,
    local_browsers,
    local_location,
    local_logins,
    local_network,
)
from techcheck.checks.base import Check, Outcome, merge_findings, run_checks

LOCAL_CHECKS: list[Check] = [
    *local_apps.CHECKS,
    *local_network.CHECKS,
    *local_logins.CHECKS,
    *local_browsers.CHECKS,
    *local_location.CHECKS,
]

ANDROID_CHECKS: list[Check] = [
    *android_apps.CHECKS,
    *android_access.CHECKS,
    *android_phone.CHECKS,
]

IOS_CHECKS: list[Check] = [*ios.CHECKS]

__all__ = ["ANDROID_CHECKS", "IOS_CHECKS", "LOCAL_CHECKS", "Check", "Outcome", "merge_findings", "run_checks"]
