"""The phone as a whole: location, accounts, device security (root, developer options, unknown
sources, Play Protect, updates) and network (VPN, proxy)."""

from __future__ import annotations

from datetime import date

from techcheck.checks.android_apps import apps
from techcheck.checks.base import Check
from techcheck.indicators import IndicatorSet
from techcheck.model import Evidence, Finding
from techcheck.parse import Facts
from techcheck.parse.android.records import (
    AndroidAccount,
    AndroidProps,
    LocationAccess,
    RootSign,
    SettingValue,
    VpnConnection,
)

BACKGROUND_LOCATION = "android.permission.ACCESS_BACKGROUND_LOCATION"
ROOT_PACKAGES = {
    "com.topjohnwu.magisk": "Magisk",
    "io.github.huskydg.magisk": "Magisk (Delta)",
    "me.weishu.kernelsu": "KernelSU",
    "me.bmax.apatch": "APatch",
    "eu.chainfire.supersu": "SuperSU",
    "com.koushikdutta.superuser": "Superuser",
    "com.noshufou.android.su": "Superuser",
    "com.kingroot.kinguser": "KingRoot",
}
PATCH_AGE_DAYS = 365  # security updates older than this are "outdated"
MIN_SUPPORTED_SDK = 29  # Android 10; older versions no longer get security updates


def _settings(facts: Facts) -> dict[tuple[str, str], SettingValue]:
    return {(s.namespace, s.key): s for s in facts.of(SettingValue)}


def _finding(
    finding_id: str, category: str, severity: str, guide: str, subject: dict[str, str], artifact: str, detail: str
) -> Finding:
    return Finding(
        id=finding_id,
        category=category,
        severity=severity,
        subject=subject,
        guide=guide,
        evidence=(Evidence(artifact, detail),),
    )


# Location -------------------------------------------------------------------------------------------
def check_location(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    accesses: dict[str, LocationAccess] = {}
    for access in facts.of(LocationAccess):
        old = accesses.get(access.package)
        if old is None or access.last_access > old.last_access:
            accesses[access.package] = access
    for app in apps(facts).values():
        if app.system or not app.details or BACKGROUND_LOCATION not in app.details.granted:
            continue
        last = accesses.get(app.package)
        when = last.last_access if last else ""
        detail = f"{app.package}: {BACKGROUND_LOCATION} granted" + (f"; last location use {when}" if when else "")
        if last and last.background:
            detail += " (in the background)"
        out.append(
            _finding(
                "android.background-location",
                "location",
                "low",
                "android-background-location",
                {"kind": "app", "package": app.package, "name": app.package, "when": when},
                app.details.artifact,
                detail,
            )
        )
    setting = _settings(facts).get(("secure", "location_mode"))
    if setting and setting.value.strip() not in ("", "0", "null"):
        out.append(
            _finding(
                "android.location-on",
                "location",
                "info",
                "android-location-on",
                {"kind": "setting", "setting": f"location_mode={setting.value}"},
                setting.artifact,
                f"secure location_mode={setting.value}",
            )
        )
    return out


# Accounts -------------------------------------------------------------------------------------------
def check_accounts(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    accounts = list(dict.fromkeys((a.type, a.name, a.user, a.artifact) for a in facts.of(AndroidAccount)))
    google = sum(1 for a in accounts if a[0] == "com.google")
    out = []
    for kind, name, user, artifact in accounts:
        severity = "medium" if kind == "com.google" and google > 1 else "info"
        out.append(
            _finding(
                "android.account",
                "accounts",
                severity,
                "android-account",
                {"kind": "account", "account": name, "type": kind, "user": str(user)},
                artifact,
                f"user {user}: {kind} {name}",
            )
        )
    return out


# Device security ------------------------------------------------------------------------------------
def root_signs(facts: Facts) -> list[tuple[str, str, str]]:
    """(sign, detail, artifact) for every sign of rooting: su binaries, root apps, test-keys builds."""
    signs = [(sign.kind, sign.detail, sign.artifact) for sign in dict.fromkeys(facts.of(RootSign))]
    signs += [(ROOT_PACKAGES[name], name, app.artifact) for name, app in apps(facts).items() if name in ROOT_PACKAGES]
    for props in facts.of(AndroidProps):
        if props.build_tags and "test-keys" in props.build_tags:
            signs.append(("test-keys", f"ro.build.tags={props.build_tags}", props.artifact))
        if props.debuggable and props.build_type == "user":
            signs.append(("ro.debuggable", "ro.debuggable=1 on a user build", props.artifact))
    return signs


def check_root(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    """One finding for the phone, with every sign as evidence."""
    signs = root_signs(facts)
    if not signs:
        return []
    first_kind, first_detail, _ = signs[0]
    return [
        Finding(
            id="android.root",
            category="device-security",
            severity="medium",
            subject={"kind": "setting", "name": first_kind, "setting": first_detail, "signs": str(len(signs))},
            guide="android-root",
            evidence=tuple(Evidence(artifact, f"{kind}: {detail}") for kind, detail, artifact in signs),
        )
    ]


# (namespace, key, values that count, finding id, severity, guide, last SDK the setting means this on).
# install_non_market_apps was replaced by a per-app permission in Android 8 (SDK 26) and is no longer
# a phone-wide switch there, so it only counts before that.
SETTING_RULES = (
    (
        "global",
        "development_settings_enabled",
        {"1"},
        "android.developer-options",
        "info",
        "android-developer-options",
        None,
    ),
    ("global", "adb_enabled", {"1"}, "android.developer-options", "info", "android-developer-options", None),
    ("secure", "install_non_market_apps", {"1"}, "android.unknown-sources", "medium", "android-unknown-sources", 25),
    ("global", "install_non_market_apps", {"1"}, "android.unknown-sources", "medium", "android-unknown-sources", 25),
    (
        "global",
        "package_verifier_user_consent",
        {"-1"},
        "android.play-protect-off",
        "medium",
        "android-play-protect",
        None,
    ),
    ("global", "package_verifier_enable", {"0"}, "android.play-protect-off", "medium", "android-play-protect", None),
)


def check_settings(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    settings = _settings(facts)
    sdk = max((p.sdk for p in facts.of(AndroidProps)), default=0)
    out = []
    for namespace, key, values, finding_id, severity, guide, max_sdk in SETTING_RULES:
        if max_sdk is not None and (not sdk or sdk > max_sdk):
            continue
        setting = settings.get((namespace, key))
        if setting and setting.value.strip() in values:
            out.append(
                _finding(
                    finding_id,
                    "device-security",
                    severity,
                    guide,
                    {"kind": "setting", "name": key, "setting": f"{key}={setting.value}"},
                    setting.artifact,
                    f"{namespace} {key}={setting.value}",
                )
            )
    return out


def _scan_day(facts: Facts) -> date:
    """The day of the scan (not today: a saved snapshot checked again later keeps its answer)."""
    try:
        return date.fromisoformat(facts.started[:10])
    except ValueError:
        return date.today()


def check_updates(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for props in facts.of(AndroidProps):
        reasons = []
        if props.sdk and props.sdk < MIN_SUPPORTED_SDK:
            reasons.append(f"Android {props.android_version}")
        try:
            patch = date.fromisoformat(props.security_patch)
        except ValueError:
            patch = None
        if patch and (_scan_day(facts) - patch).days > PATCH_AGE_DAYS:
            reasons.append(f"security update {props.security_patch}")
        if reasons:
            text = ", ".join(reasons)
            out.append(
                _finding(
                    "android.outdated",
                    "device-security",
                    "low",
                    "android-outdated",
                    {"kind": "setting", "setting": text},
                    props.artifact,
                    text,
                )
            )
    return out


# Network ---------------------------------------------------------------------------------------------
def check_network(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    by_uid = {}
    for app in apps(facts).values():
        if app.details and app.details.app_id is not None:
            by_uid[app.details.app_id] = app.package
    out = []
    for vpn in dict.fromkeys(facts.of(VpnConnection)):
        package = vpn.package or (by_uid.get(vpn.owner_uid % 100000) if vpn.owner_uid is not None else "") or ""
        out.append(
            _finding(
                "android.vpn",
                "network",
                "medium",
                "android-vpn",
                {"kind": "app", "package": package, "name": package or "VPN"},
                vpn.artifact,
                f"VPN connected: package={package or '?'} uid={vpn.owner_uid} {vpn.interface}",
            )
        )
    proxy = _settings(facts).get(("global", "http_proxy"))
    if proxy and proxy.value.strip() not in ("", "null", ":0"):
        out.append(
            _finding(
                "android.proxy",
                "network",
                "medium",
                "android-proxy",
                {"kind": "setting", "setting": proxy.value},
                proxy.artifact,
                f"global http_proxy={proxy.value}",
            )
        )
    return out


CHECKS = [
    Check("android.location", ("dumpsys_package", "appops", "settings"), check_location),
    Check("android.accounts", ("accounts",), check_accounts),
    Check("android.root", ("su_paths", "which_su", "getprop", "pm_packages", "androidqf_root_binaries"), check_root),
    Check("android.settings", ("settings", "getprop"), check_settings),
    Check("android.updates", ("getprop",), check_updates),
    Check("android.network", ("connectivity", "settings"), check_network),
]
