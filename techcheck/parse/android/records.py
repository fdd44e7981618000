"""Typed records from an Android phone (adb shell output or an AndroidQF acquisition).

Like ``techcheck/parse/records.py``: every record has an ``artifact`` field the parse stage fills in,
and all text that came from the phone is clipped (``techcheck.text``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AndroidProps:
    """The few ``getprop`` values the checks use, plus every property (clipped) for the report target."""

    model: str = ""
    manufacturer: str = ""
    brand: str = ""
    device: str = ""
    android_version: str = ""  # ro.build.version.release, e.g. "14"
    sdk: int = 0  # ro.build.version.sdk
    security_patch: str = ""  # YYYY-MM-DD
    build_tags: str = ""  # release-keys | test-keys | dev-keys
    build_type: str = ""  # user | userdebug | eng
    debuggable: bool | None = None  # ro.debuggable == 1
    fingerprint: str = ""
    serial: str = ""  # ro.serialno; kept out of reports unless needed to tell phones apart
    properties: tuple[tuple[str, str], ...] = ()  # every (key, value), clipped, in the order printed
    artifact: str = ""

    def prop(self, key: str, default: str = "") -> str:
        """One property from ``properties`` (e.g. ``ro.boot.verifiedbootstate``), or ``default``."""
        for name, value in self.properties:
            if name == key:
                return value
        return default


@dataclass(frozen=True)
class AndroidUser:
    """One ``UserInfo{id:name:flags}`` line of ``pm list users`` (owner, work profile, Secure Folder, clone…)."""

    id: int
    name: str = ""  # chosen by a person, or localised ("擁有者"); clipped
    flags: str = ""  # hexadecimal as printed, e.g. "c13", "1030"
    running: bool = False
    artifact: str = ""


@dataclass(frozen=True)
class AndroidPackage:
    """One line of ``pm list packages -f -i -U``."""

    name: str
    path: str = ""  # the base APK
    installer: str = ""  # "" when pm printed installer=null
    uids: tuple[int, ...] = ()  # several when the app exists for several users
    user: int | None = None  # the --user the listing was for, when known
    artifact: str = ""


@dataclass(frozen=True)
class PackageDetails:
    """One ``Package [name]`` block of ``dumpsys package``."""

    name: str
    app_id: int | None = None  # userId= (≤ 11) or appId= (14+)
    installer: str = ""  # installerPackageName
    initiating_installer: str = ""  # initiatingPackageName (Android 11+)
    version_name: str = ""
    system: bool = False  # flags contain SYSTEM (or the code path is on a system partition)
    first_install: str = ""  # as printed, digits normalised: "2024-03-11 23:16:14"
    last_update: str = ""
    requested: tuple[str, ...] = ()  # requested permissions (optional block; absent on 12+ full dumps)
    granted: tuple[str, ...] = ()  # install + runtime permissions granted=true, for any user
    enabled: bool = True  # the user-0 (else first listed user's) enabled state is 0 (default) or 1 (enabled)
    installed_users: tuple[int, ...] = ()  # users whose "User N:" line says installed=true
    code_path: str = ""  # codePath=, the folder (or APK) the app was installed from
    artifact: str = ""


@dataclass(frozen=True)
class LauncherActivity:
    """An app with an icon in the app drawer (MAIN/LAUNCHER)."""

    package: str
    component: str = ""
    artifact: str = ""


@dataclass(frozen=True)
class DeviceAdmin:
    """An enabled device admin, or the device/profile owner."""

    package: str
    component: str  # full form pkg/pkg.Class
    role: str = "admin"  # admin | device-owner | profile-owner
    user: int = 0
    artifact: str = ""


@dataclass(frozen=True)
class SettingValue:
    namespace: str  # global | secure | system
    key: str
    value: str
    artifact: str = ""


@dataclass(frozen=True)
class EnabledComponent:
    """An enabled accessibility service or notification listener (from settings or dumpsys)."""

    kind: str  # accessibility | notification-listener | input-method
    package: str
    component: str  # full form pkg/pkg.Class
    artifact: str = ""


@dataclass(frozen=True)
class VpnConnection:
    package: str = ""  # from "extra: VPN:<pkg>" when printed
    owner_uid: int | None = None
    interface: str = ""
    artifact: str = ""


@dataclass(frozen=True)
class LocationAccess:
    """One location app-op of one package in ``dumpsys appops``."""

    package: str
    op: str  # COARSE_LOCATION | FINE_LOCATION | MONITOR_LOCATION | MONITOR_HIGH_POWER_LOCATION
    mode: str  # allow | ignore | foreground | deny | default
    last_access: str = ""  # "2022-03-07 18:05:34" as printed, or ""
    background: bool = False  # the last access was in the background ([bg-…] or [cch-…] state)
    ago_ms: int | None = None  # how long before the dump that access was (from "(-1h5m…)" or "time=+1h ago")
    artifact: str = ""


@dataclass(frozen=True)
class AndroidAccount:
    type: str  # com.google, com.whatsapp, …
    name: str
    user: int = 0
    artifact: str = ""


@dataclass(frozen=True)
class RootSign:
    kind: str  # su | root-app | test-keys | debuggable | not-user-build
    detail: str
    artifact: str = ""


@dataclass(frozen=True)
class ApkScan:
    """One sideloaded app's APK, pulled and looked at: hash, signing certificates, YARA over dex."""

    package: str
    path: str
    size: int = 0
    sha256: str = ""
    certificates: tuple[str, ...] = ()  # SHA-1 of each signing certificate, upper-case hex
    schemes: tuple[str, ...] = ()  # v1 | v2 | v3 : where the certificates were found
    yara: tuple = ()  # YaraHit records (techcheck.parse.records.YaraHit)
    note: str = ""  # too-large, not-pulled, malformed, …
    artifact: str = ""
