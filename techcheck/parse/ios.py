"""Parsers for what an iPhone answers over lockdown and its device services (through pymobiledevice3).

The collector keeps each answer as an XML property list, as received (see ``collect/ios.py``). These
pure functions read them into typed records, following what real iPhones send
(``docs/design-notes.md``, "iPhone"): ``PasswordProtected`` is the lock state right now, not whether
a passcode is set; ``WillEncrypt`` is absent unless a backup password is set; ``ProfileValidated``
appears only when true; backup dates are Cocoa-epoch numbers; the profile list carries names, not
payloads. Every string that came from the phone is clipped.
"""

from __future__ import annotations

import plistlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from techcheck.model import Artifact
from techcheck.parse.records import ParseError
from techcheck.text import clip, clip_path

MAX_PLIST_BYTES = 64 * 1024 * 1024
MAX_ENTITLEMENTS = 200
COCOA_EPOCH = datetime(2001, 1, 1, tzinfo=timezone.utc)


# Records ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IosDevice:
    name: str = ""  # DeviceName: chosen by a person (hostile text)
    product_type: str = ""  # e.g. iPhone14,5
    version: str = ""  # ProductVersion, e.g. 18.1
    build: str = ""
    device_class: str = ""  # iPhone, iPad, Watch…
    activation: str = ""  # ActivationState
    locked_now: bool | None = None  # PasswordProtected: locked at the time of the scan (not "has a passcode")
    udid: str = ""
    artifact: str = ""

    @property
    def major(self) -> int:
        head = self.version.split(".", 1)[0]
        return int(head) if head.isdigit() else 0


@dataclass(frozen=True)
class IosBackup:
    """Domain ``com.apple.mobile.backup``."""

    will_encrypt: bool = False  # a backup password is set for computer backups
    last_computer_backup: str = ""  # ISO 8601, "" when never or unknown
    last_cloud_backup: str = ""
    cloud_backup_enabled: bool | None = None
    artifact: str = ""


@dataclass(frozen=True)
class IosWireless:
    """Domain ``com.apple.mobile.wireless_lockdown``."""

    wifi_sync: bool = False  # EnableWifiConnections: a trusted computer can sync over Wi-Fi
    supports_wifi_sync: bool | None = None
    artifact: str = ""


@dataclass(frozen=True)
class IosApp:
    bundle_id: str
    name: str = ""
    version: str = ""
    type: str = ""  # User | System | Internal
    path: str = ""
    signer: str = ""  # SignerIdentity as the phone reports it
    team: str = ""  # TeamIdentifier
    channel: str = "unknown"  # app-store | testflight | distribution | development | system | unknown
    profile_validated: bool = False  # installed with a provisioning profile
    enterprise_trusted: bool = False  # UPPValidated: an enterprise developer the person (or someone) trusted
    free_profile: bool = False  # FreeProfileValidated: a free developer account
    ad_hoc: bool = False
    app_clip: bool = False
    placeholder: bool = False
    entitlements: tuple[str, ...] = ()  # the entitlement names (values are not kept)
    background_modes: tuple[str, ...] = ()
    artifact: str = ""

    @property
    def by_apple(self) -> bool:
        return self.bundle_id.startswith("com.apple.")


@dataclass(frozen=True)
class IosProfile:
    """One configuration profile from MCInstall ``GetProfileList``: a name, not its contents."""

    identifier: str
    name: str = ""
    organization: str = ""
    description: str = ""
    removal_disallowed: bool = False
    artifact: str = ""


@dataclass(frozen=True)
class IosCloudConfig:
    """MCInstall ``GetCloudConfiguration``: present only for Apple Configurator / DEP enrolments."""

    supervised: bool = False
    organization: str = ""
    mdm_unremovable: bool = False
    mandatory: bool = False
    configuration_url: str = ""
    artifact: str = ""


@dataclass(frozen=True)
class IosProvisioningProfile:
    """One provisioning profile from misagent ``CopyAll``: how apps get installed outside the App Store."""

    uuid: str
    name: str = ""
    team_name: str = ""
    team_id: str = ""
    app_id_name: str = ""
    all_devices: bool = False  # ProvisionsAllDevices: an enterprise (in-house) profile
    device_count: int = 0  # ProvisionedDevices: a development or ad hoc profile
    debuggable: bool = False  # get-task-allow: a development profile
    xcode_managed: bool = False
    expires: str = ""  # ISO 8601
    artifact: str = ""

    @property
    def kind(self) -> str:
        if self.all_devices:
            return "enterprise"
        if self.debuggable:
            return "development"
        return "ad-hoc" if self.device_count else "other"


@dataclass(frozen=True)
class IosService:
    """Whether a service could be started, e.g. ``com.apple.afc2`` (a jailbreak sign when present)."""

    name: str
    available: bool
    artifact: str = ""


# Helpers ------------------------------------------------------------------------------------------
def load_plist(raw: bytes, what: str) -> Any:
    if len(raw) > MAX_PLIST_BYTES:
        raise ParseError(f"{what}: too large ({len(raw)} bytes)")
    try:
        return plistlib.loads(raw)
    except Exception as exc:  # noqa: BLE001 - plistlib raises several kinds on bad input
        raise ParseError(f"{what}: not a property list ({exc.__class__.__name__})") from None


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ParseError(f"{what}: expected a dictionary, got {type(value).__name__}")
    return value


def _bool(value: Any) -> bool:
    return value is True or (isinstance(value, (int, str)) and str(value).lower() in ("1", "true", "yes"))


def _maybe_bool(value: Any) -> bool | None:
    return None if value is None else _bool(value)


def cocoa_time(value: Any) -> str:
    """A Cocoa-epoch number (seconds since 2001-01-01) or a date, as ISO 8601; "" when neither."""
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 4e9:
        when = COCOA_EPOCH + timedelta(seconds=float(value))
    else:
        return ""
    return when.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# Parsers ------------------------------------------------------------------------------------------
def parse_values(raw: bytes) -> list[object]:
    values = _dict(load_plist(raw, "lockdown values"), "lockdown values")
    locked = values.get("PasswordProtected")
    return [
        IosDevice(
            name=clip(values.get("DeviceName", "")),
            product_type=clip(values.get("ProductType", ""), 32),
            version=clip(values.get("ProductVersion", ""), 32),
            build=clip(values.get("BuildVersion", ""), 32),
            device_class=clip(values.get("DeviceClass", ""), 32),
            activation=clip(values.get("ActivationState", ""), 64),
            locked_now=None if locked is None else _bool(locked),
            udid=clip(values.get("UniqueDeviceID", ""), 64),
        )
    ]


def parse_backup(raw: bytes) -> list[object]:
    """The backup domain plus ``WillEncrypt`` read by key (``{"domain": {...}, "WillEncrypt": …}``).
    A missing ``WillEncrypt`` means no backup password: it is not an error."""
    data = _dict(load_plist(raw, "backup settings"), "backup settings")
    domain = data.get("domain") if isinstance(data.get("domain"), dict) else {}
    will = data["WillEncrypt"] if "WillEncrypt" in data else domain.get("WillEncrypt")
    return [
        IosBackup(
            will_encrypt=_bool(will),
            last_computer_backup=cocoa_time(domain.get("LastiTunesBackupDate")),
            last_cloud_backup=cocoa_time(domain.get("LastCloudBackupDate")),
            cloud_backup_enabled=_maybe_bool(domain.get("CloudBackupEnabled")),
        )
    ]


def parse_wireless(raw: bytes) -> list[object]:
    data = _dict(load_plist(raw, "Wi-Fi sync settings"), "Wi-Fi sync settings")
    return [
        IosWireless(
            wifi_sync=_bool(data.get("EnableWifiConnections")),
            supports_wifi_sync=_maybe_bool(data.get("SupportsWifiSyncing")),
        )
    ]


# SignerIdentity prefixes → how the app was distributed (ios-lockdown-facts §2.4). Order matters.
SIGNER_CHANNELS: tuple[tuple[str, str], ...] = (
    ("Apple iPhone OS Application Signing", "app-store"),
    ("TestFlight Beta Distribution", "testflight"),
    ("iPhone Distribution:", "distribution"),
    ("Apple Distribution:", "distribution"),
    ("iPhone Developer:", "development"),
    ("Apple Development:", "development"),
)


def channel_of(app_type: str, signer: str, sideload_flags: bool) -> str:
    for prefix, channel in SIGNER_CHANNELS:
        if signer.startswith(prefix):
            return channel
    if app_type in ("System", "Internal") and not signer:
        return "system"
    # No signer we know (older iOS may not say): a provisioning-profile flag still tells us it was sideloaded.
    return "distribution" if sideload_flags else "unknown"


def _app(item: Mapping[str, Any]) -> IosApp | None:
    bundle_id = clip(item.get("CFBundleIdentifier", ""))
    if not bundle_id:
        return None
    app_type = clip(item.get("ApplicationType", ""), 32)
    signer = clip(item.get("SignerIdentity", ""))
    flags = {k: _bool(item.get(k)) for k in ("ProfileValidated", "UPPValidated", "FreeProfileValidated")}
    ad_hoc = _bool(item.get("IsAdHocSigned"))
    entitlements = item.get("Entitlements")
    names = tuple(clip(k) for k in list(entitlements)[:MAX_ENTITLEMENTS]) if isinstance(entitlements, dict) else ()
    modes = item.get("UIBackgroundModes")
    return IosApp(
        bundle_id=bundle_id,
        name=clip(item.get("CFBundleDisplayName") or item.get("CFBundleName") or ""),
        version=clip(item.get("CFBundleShortVersionString") or item.get("CFBundleVersion") or "", 64),
        type=app_type,
        path=clip_path(item.get("Path", "")),
        signer=signer,
        team=clip(item.get("TeamIdentifier", ""), 32),
        channel=channel_of(app_type, signer, any(flags.values()) or ad_hoc),
        profile_validated=flags["ProfileValidated"],
        enterprise_trusted=flags["UPPValidated"],
        free_profile=flags["FreeProfileValidated"],
        ad_hoc=ad_hoc,
        app_clip=_bool(item.get("IsAppClip")),
        placeholder=_bool(item.get("IsPlaceholder")),
        entitlements=names,
        background_modes=tuple(clip(m, 64) for m in modes[:20]) if isinstance(modes, list) else (),
    )


def parse_apps(raw: bytes) -> list[object]:
    """The installation proxy's ``Browse`` answer: every chunk's ``CurrentList``, joined."""
    items = load_plist(raw, "app list")
    if not isinstance(items, list):
        raise ParseError(f"app list: expected a list, got {type(items).__name__}")
    return [app for app in (_app(i) for i in items if isinstance(i, dict)) if app is not None]


def parse_profiles(raw: bytes) -> list[object]:
    """MCInstall ``GetProfileList`` (ios-lockdown-facts §3.1). ``ProfileManifest.Description`` is the
    display name, not a description."""
    data = _dict(load_plist(raw, "profile list"), "profile list")
    if data.get("Status") not in (None, "Acknowledged"):
        raise ParseError(f"profile list: the phone answered {clip(data.get('Status'), 64)!r}")
    manifest = data.get("ProfileManifest") if isinstance(data.get("ProfileManifest"), dict) else {}
    metadata = data.get("ProfileMetadata") if isinstance(data.get("ProfileMetadata"), dict) else {}
    ordered = data.get("OrderedIdentifiers")
    identifiers = list(ordered) if isinstance(ordered, list) else []
    identifiers += [i for i in (*metadata, *manifest) if i not in identifiers]
    out: list[object] = []
    for identifier in identifiers:
        meta = metadata.get(identifier) if isinstance(metadata.get(identifier), dict) else {}
        listed = manifest.get(identifier) if isinstance(manifest.get(identifier), dict) else {}
        name = meta.get("PayloadDisplayName") or listed.get("Description") or identifier
        out.append(
            IosProfile(
                identifier=clip(identifier),
                name=clip(name),
                organization=clip(meta.get("PayloadOrganization", "")),
                description=clip(meta.get("PayloadDescription", ""), 500),
                removal_disallowed=_bool(meta.get("PayloadRemovalDisallowed")),
            )
        )
    return out


def parse_cloud_config(raw: bytes) -> list[object]:
    """MCInstall ``GetCloudConfiguration``: ``CloudConfiguration`` exists only for such enrolments."""
    data = _dict(load_plist(raw, "cloud configuration"), "cloud configuration")
    config = data.get("CloudConfiguration")
    if not isinstance(config, dict) or not config:
        return []
    return [
        IosCloudConfig(
            supervised=_bool(config.get("IsSupervised")),
            organization=clip(config.get("OrganizationName", "")),
            mdm_unremovable=_bool(config.get("IsMDMUnremovable")),
            mandatory=_bool(config.get("IsMandatory")),
            configuration_url=clip(config.get("ConfigurationURL", ""), 300),
        )
    ]


def parse_provisioning(raw: bytes) -> list[object]:
    """misagent ``CopyAll`` answers, each profile's property list (the CMS wrapper already removed)."""
    items = load_plist(raw, "provisioning profiles")
    if not isinstance(items, list):
        raise ParseError(f"provisioning profiles: expected a list, got {type(items).__name__}")
    out: list[object] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        entitlements = item.get("Entitlements") if isinstance(item.get("Entitlements"), dict) else {}
        team_ids = item.get("TeamIdentifier")
        devices = item.get("ProvisionedDevices")
        out.append(
            IosProvisioningProfile(
                uuid=clip(item.get("UUID", ""), 64),
                name=clip(item.get("Name", "")),
                team_name=clip(item.get("TeamName", "")),
                team_id=clip(team_ids[0] if isinstance(team_ids, list) and team_ids else "", 32),
                app_id_name=clip(item.get("AppIDName", "")),
                all_devices=_bool(item.get("ProvisionsAllDevices")),
                device_count=len(devices) if isinstance(devices, list) else 0,
                debuggable=_bool(entitlements.get("get-task-allow")),
                xcode_managed=_bool(item.get("IsXcodeManaged")),
                expires=cocoa_time(item.get("ExpirationDate")),
            )
        )
    return out


def parse_service(raw: bytes, name: str) -> list[object]:
    text = raw.decode("ascii", errors="replace").strip()
    if text not in ("available", "not-available"):
        raise ParseError(f"service {name}: unexpected {clip(text, 40)!r}")
    return [IosService(name=clip(name), available=text == "available")]


PARSERS: dict[str, Callable[[Artifact], list]] = {
    "ios_values": lambda a: parse_values(a.content),
    "ios_backup": lambda a: parse_backup(a.content),
    "ios_wireless": lambda a: parse_wireless(a.content),
    "ios_apps": lambda a: parse_apps(a.content),
    "ios_profiles": lambda a: parse_profiles(a.content),
    "ios_cloud_config": lambda a: parse_cloud_config(a.content),
    "ios_provisioning": lambda a: parse_provisioning(a.content),
    "ios_service": lambda a: parse_service(a.content, str(a.meta.get("service", ""))),
}
