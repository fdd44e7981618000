"""Web browsers: which account each profile is signed in to, which extensions are installed, and which
websites may see this computer's location."""

from __future__ import annotations

from techcheck.checks.base import TYPE_FINDINGS, Check, matches
from techcheck.indicators import IndicatorSet
from techcheck.model import Evidence, Finding
from techcheck.parse import Facts
from techcheck.parse.records import BrowserExtension, BrowserProfile, ExtensionManifest, SiteLocationGrant

ACCOUNT_KINDS = ("chromium_local_state", "chromium_preferences", "firefox_signed_in_user")
EXTENSION_KINDS = ("chromium_preferences", "chromium_secure_preferences", "chromium_extension", "firefox_extensions")
LOCATION_KINDS = ("chromium_preferences", "firefox_permissions")
# Extensions that did not come from the browser's store the usual way: loaded from a folder, pushed by
# a policy, or added on the command line. Someone with access to the computer can add them this way.
UNUSUAL_INSTALLS = {"unpacked", "policy", "command-line", "other", "external"}


def check_accounts(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    profiles: dict[tuple[str, str], BrowserProfile] = {}
    for profile in facts.of(BrowserProfile):
        key = (profile.browser, profile.profile)
        old = profiles.get(key)
        # Preferences (has syncing) beats Local State; any record with an account beats one without.
        if old is None or (profile.account and (not old.account or profile.syncing is not None)):
            profiles[key] = profile
    out = []
    for profile in profiles.values():
        if not profile.account:
            continue
        syncing = "syncing" if profile.syncing else "signed in"
        out.append(
            Finding(
                id="local.browser-account",
                category="accounts",
                severity="low",
                subject={
                    "kind": "account",
                    "account": profile.account,
                    "browser": profile.browser,
                    "profile": profile.display_name or profile.profile,
                },
                guide="browser-account",
                evidence=(
                    Evidence(profile.artifact, f"{profile.browser} {profile.profile}: {syncing} {profile.account}"),
                ),
            )
        )
    return out


def check_extensions(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    names = {(m.browser, m.profile, m.id): m.name for m in facts.of(ExtensionManifest)}
    seen: set[tuple[str, str, str]] = set()
    out = []
    for ext in facts.of(BrowserExtension):
        key = (ext.browser, ext.profile, ext.id)
        if key in seen:
            continue
        seen.add(key)
        name = ext.name if ext.name and not ext.name.startswith("__MSG_") else names.get(key, ext.name)
        entries = ind.extension(ext.id)
        category = "other"
        severity = "low" if ext.install in UNUSUAL_INSTALLS else "info"
        if entries:
            category, severity, _ = TYPE_FINDINGS.get(entries[0].type, ("other", "medium", ""))
        state = "on" if ext.enabled else "off"
        out.append(
            Finding(
                id="local.browser-extension",
                category=category,
                severity=severity,
                subject={
                    "kind": "extension",
                    "extension": ext.id,
                    "name": name or ext.id,
                    "browser": ext.browser,
                    "profile": ext.profile,
                    "install": ext.install,
                },
                guide="browser-extension",
                matched=tuple(matches(entries, "extension", ext.id)),
                evidence=(
                    Evidence(
                        ext.artifact,
                        f"{ext.browser} {ext.profile}: {ext.id} {name!r} {ext.version} {ext.install} {state}",
                    ),
                ),
            )
        )
    return out


def check_site_location(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for grant in dict.fromkeys(facts.of(SiteLocationGrant)):
        out.append(
            Finding(
                id="local.browser-location",
                category="location",
                severity="low",
                subject={
                    "kind": "setting",
                    "setting": grant.site,
                    "site": grant.site,
                    "browser": grant.browser,
                    "profile": grant.profile,
                },
                guide="browser-location",
                evidence=(Evidence(grant.artifact, f"{grant.browser} {grant.profile}: {grant.site} may see location"),),
            )
        )
    return out


CHECKS = [
    Check("local.browser-accounts", ACCOUNT_KINDS, check_accounts),
    Check("local.browser-extensions", EXTENSION_KINDS, check_extensions),
    Check("local.browser-location", LOCATION_KINDS, check_site_location),
]
