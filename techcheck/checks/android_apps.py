"""Apps on an Android phone: known stalkerware and watchware (by package name, signing certificate,
APK hash or YARA rule), apps from outside a store, and unknown apps that look like monitoring."""

from __future__ import annotations

from dataclasses import dataclass

from techcheck.android_stores import KNOWN_STORES, is_system_path
from techcheck.checks.base import Check, entry_finding
from techcheck.indicators import Entry, IndicatorSet
from techcheck.model import Evidence, Finding, Match
from techcheck.parse import Facts
from techcheck.parse.android.records import (
    AndroidPackage,
    ApkScan,
    DeviceAdmin,
    EnabledComponent,
    LauncherActivity,
    PackageDetails,
)
from techcheck.parse.records import ProcessRecord

PREFIX = GUIDE = "android"
APP_KINDS = ("pm_packages", "dumpsys_package", "androidqf_packages")

# Permissions that monitoring apps ask for, by the capability a person would recognise.
CAPABILITY_PERMISSIONS = {
    "background-location": ("android.permission.ACCESS_BACKGROUND_LOCATION",),
    "sms": ("android.permission.READ_SMS", "android.permission.RECEIVE_SMS"),
    "call-log": ("android.permission.READ_CALL_LOG",),
    "microphone": ("android.permission.RECORD_AUDIO",),
}
HEURISTIC_MIN = 2  # capabilities an unknown sideloaded app needs before it is reported as looking like monitoring
HEURISTIC_HIGH = 4


@dataclass(frozen=True)
class App:
    """What the checks know of one app, from `pm list packages` and `dumpsys package` together."""

    package: str
    installer: str
    system: bool
    path: str
    artifact: str
    details: PackageDetails | None


def apps(facts: Facts) -> dict[str, App]:
    listed = {p.name: p for p in facts.of(AndroidPackage)}
    details = {d.name: d for d in facts.of(PackageDetails)}
    out: dict[str, App] = {}
    for name in sorted(set(listed) | set(details)):
        item, info = listed.get(name), details.get(name)
        path = item.path if item else ""
        installer = (info.installer if info and info.installer else "") or (item.installer if item else "")
        system = bool(info.system) if info else is_system_path(path)
        artifact = item.artifact if item else info.artifact if info else ""
        out[name] = App(name, installer, system or is_system_path(path), path, artifact, info)
    return out


def sideloaded(app: App) -> bool:
    return not app.system and app.installer not in KNOWN_STORES


def _app_subject(app: App, name: str = "") -> dict[str, str]:
    return {"kind": "app", "package": app.package, "name": name or app.package}


def known_apps(facts: Facts, ind: IndicatorSet) -> dict[str, list[tuple[Entry, Match]]]:
    """Package → the indicator entries it matches, by package name, certificate, hash or YARA."""
    found: dict[str, list[tuple[Entry, Match]]] = {}
    for name in apps(facts):
        for entry in ind.package(name):
            found.setdefault(name, []).append((entry, Match("package", name, entry.origin)))
    for process in facts.of(ProcessRecord):  # AndroidQF's process list: names are package names
        name = process.name.split(":", 1)[0]
        for entry in (*ind.package(name), *ind.process(process.name)):
            found.setdefault(name, []).append((entry, Match("process", process.name, entry.origin)))
    by_name = {e.name.lower(): e for e in ind.entries}
    for scan in facts.of(ApkScan):
        for cert in scan.certificates:
            for entry in ind.certificate(cert):
                found.setdefault(scan.package, []).append((entry, Match("certificate", cert, entry.origin)))
        for entry in ind.sha256(scan.sha256) if scan.sha256 else ():
            found.setdefault(scan.package, []).append((entry, Match("sha256", scan.sha256, entry.origin)))
        for hit in scan.yara:
            entry = by_name.get(hit.name.lower()) or Entry(
                name=hit.name or hit.rule, type=hit.type or "stalkerware", origin=hit.origin
            )
            found.setdefault(scan.package, []).append((entry, Match("yara", hit.rule, hit.origin)))
    return found


def check_known_apps(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    everything = apps(facts)
    for package, hits in known_apps(facts, ind).items():
        app = everything.get(package)
        artifact = app.artifact if app else "apk_scan"
        for entry, match in hits:
            subject = {"kind": "app", "package": package}
            evidence = [Evidence(artifact, f"{package} installer={app.installer if app else '?'}")]
            out.append(entry_finding(PREFIX, GUIDE, entry, subject, [match], evidence))
    return out


def unknown_sideloaded(facts: Facts, ind: IndicatorSet) -> list[tuple[App, list[str]]]:
    """Apps from outside a store that no indicator names, with the monitoring capabilities each has."""
    known = known_apps(facts, ind)
    return [
        (app, capabilities(app, facts)) for app in apps(facts).values() if sideloaded(app) and app.package not in known
    ]


def check_sideloaded(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    """Every other app from outside a store, as something to know about (not a sign of anything by
    itself). Apps already reported as known or as looking like monitoring are not repeated here."""
    out = []
    for app, caps in unknown_sideloaded(facts, ind):
        if len(caps) >= HEURISTIC_MIN:
            continue
        detail = f"{app.package} installer={app.installer or 'none'} path={app.path}"
        if app.details and app.details.first_install:
            detail += f" installed={app.details.first_install}"
        out.append(
            Finding(
                id="android.sideloaded",
                category="other",
                severity="low",
                subject={**_app_subject(app), "installer": app.installer or "unknown"},
                guide="android-sideloaded",
                evidence=(Evidence(app.artifact, detail),),
            )
        )
    return out


def capabilities(app: App, facts: Facts) -> list[str]:
    """The powers an app has that monitoring apps use, in a stable order."""
    granted = set(app.details.granted) if app.details else set()
    found = []
    enabled = {(c.kind, c.package) for c in facts.of(EnabledComponent)}
    if ("accessibility", app.package) in enabled:
        found.append("accessibility")
    if any(a.package == app.package for a in facts.of(DeviceAdmin)):
        found.append("device-admin")
    if ("notification-listener", app.package) in enabled:
        found.append("notification-access")
    for capability, permissions in CAPABILITY_PERMISSIONS.items():
        if granted.intersection(permissions):
            found.append(capability)
    launchers = {a.package for a in facts.of(LauncherActivity)}
    if launchers and app.package not in launchers:
        found.append("no-app-icon")
    return found


def check_monitoring_signs(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    """Unknown apps from outside a store with several of the powers monitoring apps need: how renamed
    or brand-new stalkerware still shows itself."""
    out = []
    for app, caps in unknown_sideloaded(facts, ind):
        if len(caps) < HEURISTIC_MIN:
            continue
        out.append(
            Finding(
                id="android.monitoring-signs",
                category="stalkerware",
                severity="high" if len(caps) >= HEURISTIC_HIGH else "medium",
                subject={**_app_subject(app), "capabilities": ", ".join(caps)},
                guide="android-monitoring-signs",
                matched=(Match("heuristic", ",".join(caps), "techcheck"),),
                evidence=(
                    Evidence(app.artifact, f"{app.package}: {', '.join(caps)}; installer={app.installer or 'none'}"),
                ),
            )
        )
    return out


CHECKS = [
    Check("android.known-apps", (*APP_KINDS, "apk_scan", "androidqf_packages", "android_processes"), check_known_apps),
    Check("android.sideloaded", APP_KINDS, check_sideloaded),
    Check(
        "android.monitoring-signs",
        (*APP_KINDS, "settings", "device_policy", "launcher_activities"),
        check_monitoring_signs,
    ),
]
