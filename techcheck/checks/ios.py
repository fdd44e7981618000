"""Checks for an iPhone read over USB: known apps, apps from outside the App Store, Apple abilities that
can watch, configuration and management profiles, provisioning profiles, jailbreak signs, iOS age,
backup encryption and Wi-Fi sync.

What USB cannot show (Apple Account devices, Find My sharing, Family Sharing, the passcode) is not
guessed here: the plan turns it into guided checks (``plan/build.py``, ``GUIDED``).
"""

from __future__ import annotations

from datetime import datetime

from techcheck.checks.base import Check, entry_finding
from techcheck.indicators import IndicatorSet
from techcheck.model import Evidence, Finding, Match
from techcheck.parse import Facts
from techcheck.parse.ios import (
    IosApp,
    IosBackup,
    IosCloudConfig,
    IosDevice,
    IosProfile,
    IosProvisioningProfile,
    IosService,
    IosWireless,
)

PREFIX = GUIDE = "ios"

# Distribution channels that mean "not from the App Store", with the severity of the finding.
# TestFlight is Apple's beta service: an invitation is needed, so it is worth a look, at low severity.
SIDELOAD_SEVERITY = {"distribution": "medium", "development": "medium", "testflight": "low"}

# Entitlements (Apple-granted abilities) that can be used to watch a person, for apps not by Apple.
WATCH_ENTITLEMENTS = {
    "com.apple.developer.family-controls": "Screen Time / Family Controls",
    "com.apple.developer.location.push": "location push (answers location requests in the background)",
    "com.apple.developer.networking.networkextension": "network extension",
    "com.apple.developer.networking.HotspotHelper": "Wi-Fi hotspot helper",
}
# Known jailbreak and "permanent sideloading" tools, by bundle id.
JAILBREAK_APPS = {
    "com.saurik.Cydia": "Cydia",
    "org.coolstar.SileoStore": "Sileo",
    "org.coolstar.sileo": "Sileo",
    "xyz.willy.Zebra": "Zebra",
    "com.tigisoftware.Filza": "Filza",
    "com.opa334.TrollStore": "TrollStore",
    "com.opa334.Dopamine": "Dopamine",
    "com.opa334.Dopamine-roothide": "Dopamine (roothide)",
    "science.xnu.undecimus": "unc0ver",
    "org.coolstar.electra1141": "Electra",
    "com.kok.Odyssey": "Odyssey",
    "com.coolstar.taurine": "Taurine",
    "kr.xsf1re.checkra1n": "checkra1n",
    "in.palera.loader": "palera1n",
    "com.electrateam.chimera": "Chimera",
    "com.xina.jailbreak": "XinaA15",
}
JAILBREAK_SERVICES = ("com.apple.afc2",)

# iOS versions follow Apple's yearly September release. Up to iOS 18 the major number was the year
# minus 2006; from iOS 26 (2025) it is the year plus one, minus 2000. Two releases behind the current
# one usually means no more security fixes.
OUTDATED_BEHIND = 2


def release_year(major: int) -> int:
    return major + 1999 if major >= 26 else major + 2006


def current_release_year(when: datetime) -> int:
    """The year of the newest major iOS on a given day, counting a release from October (conservative)."""
    return when.year if when.month >= 10 else when.year - 1


def _scan_time(facts: Facts) -> datetime:
    try:
        return datetime.fromisoformat(facts.started.replace("Z", "+00:00"))
    except ValueError:
        from datetime import timezone

        return datetime.now(timezone.utc)


def _app_subject(app: IosApp, name: str = "") -> dict[str, str]:
    return {"kind": "app", "bundle_id": app.bundle_id, "name": name or app.name or app.bundle_id}


def _app_detail(app: IosApp) -> str:
    parts = [f"{app.bundle_id} {app.version}".strip(), f"type={app.type or '?'}"]
    if app.signer:
        parts.append(f"signer={app.signer}")
    if app.team:
        parts.append(f"team={app.team}")
    flags = [
        k
        for k, v in (
            ("profile", app.profile_validated),
            ("enterprise-trusted", app.enterprise_trusted),
            ("free-developer", app.free_profile),
            ("ad-hoc", app.ad_hoc),
        )
        if v
    ]
    if flags:
        parts.append("flags=" + ",".join(flags))
    return " ".join(parts)


def _finding(
    finding_id: str,
    category: str,
    severity: str,
    subject: dict[str, str],
    evidence: list[Evidence],
    matched: list[Match] | None = None,
) -> Finding:
    return Finding(
        id=f"{PREFIX}.{finding_id}",
        category=category,
        severity=severity,
        subject=subject,
        guide=f"{GUIDE}-{finding_id}",
        matched=tuple(matched or ()),
        evidence=tuple(evidence),
    )


def _details(*parts: tuple[str, object]) -> str:
    """``key=value`` for each part with a value (a part without a key is shown as it is)."""
    return " ".join(f"{k}={v}" if k else str(v) for k, v in parts if v)


# Apps ---------------------------------------------------------------------------------------------
def check_known_apps(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for app in facts.of(IosApp):
        for entry in ind.bundle_id(app.bundle_id):
            if entry.type == "dual-use" and app.by_apple:
                continue  # Apple's own apps (Find My) are on every iPhone: the guided checks cover them
            subject = {"kind": "app", "bundle_id": app.bundle_id, "app_name": app.name}
            match = Match("bundle_id", app.bundle_id, entry.origin)
            out.append(
                entry_finding(PREFIX, GUIDE, entry, subject, [match], [Evidence(app.artifact, _app_detail(app))])
            )
    return out


def _known(facts: Facts, ind: IndicatorSet) -> set[str]:
    return {app.bundle_id for app in facts.of(IosApp) if ind.bundle_id(app.bundle_id)}


def check_not_from_app_store(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    """Apps installed with an enterprise, ad hoc, developer or TestFlight signature. Known apps are
    reported by their own check and not repeated; jailbreak tools are reported as a jailbreak."""
    known = _known(facts, ind)
    out = []
    for app in facts.of(IosApp):
        severity = SIDELOAD_SEVERITY.get(app.channel)
        if severity is None or app.bundle_id in known or app.bundle_id in JAILBREAK_APPS:
            continue
        subject = {**_app_subject(app), "signer": app.signer or app.team or "?", "channel": app.channel}
        out.append(
            _finding("not-from-app-store", "other", severity, subject, [Evidence(app.artifact, _app_detail(app))])
        )
    return out


def check_app_capabilities(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    known = _known(facts, ind)
    out = []
    for app in facts.of(IosApp):
        if app.by_apple or app.bundle_id in known:
            continue
        abilities = [WATCH_ENTITLEMENTS[e] for e in app.entitlements if e in WATCH_ENTITLEMENTS]
        if not abilities:
            continue
        evidence = [Evidence(app.artifact, f"{app.bundle_id}: " + "; ".join(abilities))]
        if "location" in app.background_modes:
            evidence.append(Evidence(app.artifact, f"{app.bundle_id}: background location mode"))
        out.append(_finding("app-capability", "permissions", "low", _app_subject(app), evidence))
    return out


def check_jailbreak(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    """One finding, every sign as evidence: jailbreak tools, non-Apple apps installed as system apps,
    and the afc2 service. Its absence proves nothing: modern jailbreaks have no afc2."""
    evidence = []
    for app in facts.of(IosApp):
        if app.bundle_id in JAILBREAK_APPS:
            evidence.append(Evidence(app.artifact, f"{JAILBREAK_APPS[app.bundle_id]}: {app.bundle_id} {app.path}"))
        elif app.type == "System" and not app.by_apple and app.channel == "system":
            evidence.append(Evidence(app.artifact, f"non-Apple system app: {app.bundle_id} {app.path}"))
    for service in facts.of(IosService):
        if service.name in JAILBREAK_SERVICES and service.available:
            evidence.append(Evidence(service.artifact, f"service {service.name} can be started"))
    if not evidence:
        return []
    return [_finding("jailbreak", "device-security", "high", {"kind": "setting", "name": "jailbreak"}, evidence)]


# Profiles and management --------------------------------------------------------------------------
def check_profiles(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    """Every configuration profile, as "do you recognise this?": the list has names, not contents."""
    out = []
    for profile in facts.of(IosProfile):
        matched = [Match("profile", profile.identifier, e.origin) for e in ind.lookup("profiles", profile.identifier)]
        detail = _details(
            ("identifier", profile.identifier),
            ("organization", profile.organization),
            ("description", profile.description),
            ("", profile.removal_disallowed and "cannot be removed by the person"),
        )
        subject = {"kind": "profile", "profile": profile.identifier, "name": profile.name}
        severity = "high" if matched or profile.removal_disallowed else "medium"
        evidence = [Evidence(profile.artifact, detail)]
        out.append(_finding("profile", "device-security", severity, subject, evidence, matched))
    return out


def check_management(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for config in facts.of(IosCloudConfig):
        detail = _details(
            ("supervised", "yes" if config.supervised else "no"),
            ("organization", config.organization),
            ("enrolment", config.configuration_url),
            ("", config.mdm_unremovable and "management cannot be removed by the person"),
        )
        subject = {"kind": "setting", "setting": "management", "name": config.organization or "?"}
        severity = "high" if config.supervised or config.mdm_unremovable else "medium"
        out.append(_finding("mdm", "device-security", severity, subject, [Evidence(config.artifact, detail)]))
    return out


def check_provisioning(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for profile in facts.of(IosProvisioningProfile):
        detail = (
            f"kind={profile.kind} uuid={profile.uuid} team={profile.team_id or '?'} app={profile.app_id_name or '?'}"
            f" devices={'all' if profile.all_devices else profile.device_count} expires={profile.expires or '?'}"
        )
        subject = {"kind": "profile", "profile": profile.uuid, "name": profile.name, "team": profile.team_name}
        severity = "medium" if profile.kind == "enterprise" else "low"
        out.append(_finding("provisioning-profile", "other", severity, subject, [Evidence(profile.artifact, detail)]))
    return out


# The phone ----------------------------------------------------------------------------------------
def check_updates(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    current = current_release_year(_scan_time(facts))
    for device in facts.of(IosDevice):
        if not device.major:
            continue
        behind = current - release_year(device.major)
        if behind >= OUTDATED_BEHIND:
            detail = (
                f"iOS {device.version} ({device.build}) from about {release_year(device.major)}; {behind} years behind"
            )
            subject = {"kind": "setting", "setting": "ios-version", "name": "iOS", "version": device.version}
            out.append(_finding("outdated", "device-security", "medium", subject, [Evidence(device.artifact, detail)]))
    return out


def check_backup_encryption(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for backup in facts.of(IosBackup):
        if backup.will_encrypt:
            continue
        detail = "WillEncrypt is not set"
        if backup.last_computer_backup:
            detail += f"; last computer backup {backup.last_computer_backup}"
        subject = {"kind": "setting", "setting": "backup-encryption", "name": "computer backups"}
        out.append(
            _finding("backup-not-encrypted", "device-security", "low", subject, [Evidence(backup.artifact, detail)])
        )
    return out


def check_wifi_sync(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for wireless in facts.of(IosWireless):
        if wireless.wifi_sync:
            subject = {"kind": "setting", "setting": "wifi-sync", "name": "Wi-Fi sync"}
            evidence = [Evidence(wireless.artifact, "EnableWifiConnections is on")]
            out.append(_finding("wifi-sync", "device-security", "low", subject, evidence))
    return out


CHECKS = [
    Check("ios.known-apps", ("ios_apps",), check_known_apps),
    Check("ios.not-from-app-store", ("ios_apps",), check_not_from_app_store),
    Check("ios.app-capabilities", ("ios_apps",), check_app_capabilities),
    Check("ios.profiles", ("ios_profiles",), check_profiles),
    Check("ios.management", ("ios_cloud_config",), check_management),
    Check("ios.provisioning-profiles", ("ios_provisioning",), check_provisioning),
    Check("ios.jailbreak", ("ios_apps", "ios_service"), check_jailbreak),
    Check("ios.updates", ("ios_values",), check_updates),
    Check("ios.backup-encryption", ("ios_backup",), check_backup_encryption),
    Check("ios.wifi-sync", ("ios_wireless",), check_wifi_sync),
]
