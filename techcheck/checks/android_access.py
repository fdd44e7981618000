"""Powerful access on an Android phone: accessibility services, device admins and owners, and apps
that can read notifications. Each can be legitimate (password managers, work phones); each is also
how monitoring apps see the screen, keep themselves installed, or read messages."""

from __future__ import annotations

from techcheck.checks.android_apps import App, apps, sideloaded
from techcheck.checks.base import Check
from techcheck.indicators import IndicatorSet
from techcheck.model import Evidence, Finding
from techcheck.parse import Facts
from techcheck.parse.android.records import DeviceAdmin, EnabledComponent

# kind of enabled component → (finding id, guide, reported only for apps from outside a store)
COMPONENT_FINDINGS = {
    "accessibility": ("android.accessibility", "android-accessibility", False),
    "notification-listener": ("android.notification-access", "android-notification-access", False),
    # Every phone has keyboards; one from outside a store sees everything typed.
    "input-method": ("android.keyboard", "android-keyboard", True),
}


def _severity(app: App | None, strong: str = "medium") -> str:
    """Apps from outside a store with this power are worth talking through; store apps good to know;
    apps that came with the phone are for review only."""
    if app is None or sideloaded(app):
        return strong
    return "info" if app.system else "low"


def check_components(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    known = apps(facts)
    out = []
    for component in dict.fromkeys(facts.of(EnabledComponent)):
        finding_id, guide, sideloaded_only = COMPONENT_FINDINGS.get(component.kind, ("", "", False))
        app = known.get(component.package)
        if not finding_id or (sideloaded_only and (app is None or not sideloaded(app))):
            continue
        out.append(
            Finding(
                id=finding_id,
                category="permissions",
                severity=_severity(app),
                subject={
                    "kind": "app",
                    "package": component.package,
                    "name": component.package,
                    "component": component.component,
                },
                guide=guide,
                evidence=(Evidence(component.artifact, f"{component.kind}: {component.component}"),),
            )
        )
    return out


def check_device_admins(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    known = apps(facts)
    out = []
    for admin in dict.fromkeys(facts.of(DeviceAdmin)):
        owner = admin.role != "admin"
        severity = _severity(known.get(admin.package), strong="high" if owner else "medium")
        if owner and severity in ("info", "low"):
            severity = "medium"  # a device or profile owner manages the phone, whoever made it
        out.append(
            Finding(
                id="android.device-admin",
                category="permissions",
                severity=severity,
                subject={
                    "kind": "app",
                    "package": admin.package,
                    "name": admin.package,
                    "role": admin.role,
                    "component": admin.component,
                },
                guide="android-device-admin",
                evidence=(Evidence(admin.artifact, f"{admin.role} (user {admin.user}): {admin.component}"),),
            )
        )
    return out


CHECKS = [
    Check("android.accessibility-and-notifications", ("settings",), check_components),
    Check("android.device-admins", ("device_policy",), check_device_admins),
]
