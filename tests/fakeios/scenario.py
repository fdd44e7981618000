"""What a fake iPhone is like: its lockdown values, apps, profiles, services, and how its person answers.

A Scenario is plain data for one phone; the FakeIPhone server copies what can change while it runs (values
written with SetValue, the hosts it trusts, apps removed), so one scenario can serve several servers.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

PairingMode = Literal["accept", "pending", "pending-then-accept", "denied", "locked"]
PAIRING_MODES: tuple[str, ...] = ("accept", "pending", "pending-then-accept", "denied", "locked")

ServiceKind = Literal["installation_proxy", "mcinstall", "misagent", "silent"]

INSTALLATION_PROXY = "com.apple.mobile.installation_proxy"
MCINSTALL = "com.apple.mobile.MCInstall"
MISAGENT = "com.apple.misagent"
AFC2 = "com.apple.afc2"

ALL_SERVICES = "*"  # in Scenario.locked_services: every service needs the phone unlocked

DEFAULT_BUID = "8F4C6A12-3B7E-4D59-A0C2-6E1D9B3F5A70"  # the computer's usbmuxd "system BUID"
DEFAULT_HOST_ID = "2B1E5C7A-94D3-4F08-8E6B-0A7C3D9F1E24"  # HostID of the pair record of a trusted scenario


@dataclass(frozen=True)
class Service:
    """One lockdown service: which behaviour answers it, and whether it runs over TLS (EnableServiceSSL)."""

    kind: ServiceKind
    ssl: bool = True


def default_services() -> dict[str, Service]:
    """The services of a current, stock iPhone that this fake implements (all three use TLS on real phones)."""
    return {
        INSTALLATION_PROXY: Service("installation_proxy"),
        MCINSTALL: Service("mcinstall"),
        MISAGENT: Service("misagent"),
    }


@dataclass(frozen=True)
class Profile:
    """An installed configuration profile, as MCInstall GetProfileList describes it (no payloads)."""

    identifier: str  # PayloadIdentifier: the key of ProfileManifest / ProfileMetadata
    uuid: str
    display_name: str
    organization: str | None = None
    description: str | None = None
    version: int = 1
    removal_disallowed: bool = False


@dataclass
class Scenario:
    """One fake iPhone.

    udid: the UniqueDeviceID, also usbmuxd's SerialNumber (``00008110-001A2B3C4D5E801E`` on A12 and later,
        40 hex digits before).
    values: the default lockdown domain as a paired host sees it after StartSession (every key of facts 1.1 the
        scenario wants). Must hold the 25 identity keys of facts 1.2; ``DevicePublicKey`` is added by the server
        from the device's key.
    domains: other lockdown domains, e.g. ``com.apple.mobile.backup``, ``com.apple.mobile.wireless_lockdown``,
        ``com.apple.fmip`` (read by key only), ``com.apple.mobile.iTunes`` (readable without a session).
    apps: installation_proxy records with every key the phone could send, expensive ones included
        (iTunesMetadata, StaticDiskUsage, ...). Kinds hidden unless asked: ``IsAppClip: true`` (ShowAppClips),
        ``LSApplicationLaunchProhibited: true`` (ShowLaunchProhibitedApps), ``IsPlaceholder: true``
        (ShowPlaceholders), ``IsSwiftPlaygroundsApp: true`` (ShowSwiftPlaygroundsApps).
    profiles / cloud_configuration: MCInstall's answers (None: no CloudConfiguration key at all).
    provisioning_profiles: misagent's profiles: a dict is an XML plist the server signs into a CMS blob,
        bytes are sent as they are.
    services: lockdown service name -> Service. A name not listed answers StartService with InvalidService.
    trusted: this computer is already paired: usbmuxd holds a pair record for the phone, the phone knows its
        HostID. Otherwise the host has to Pair, and the person answers as ``pairing`` says:
        "accept", "pending" (the Trust dialog is never answered), "pending-then-accept" (PairingDialog-
        ResponsePending for the first ``pending_answers`` Pair requests), "denied" (Don't Trust), "locked"
        (PasswordProtected: the phone is locked with a passcode).
    locked_services: services whose StartService answers PasswordProtected (the phone is locked); ``"*"``
        stands for every service. A request carrying the pair record's EscrowBag is let through, as on a real
        phone.
    browse_chunk_delay: seconds before each Browse chunk (a slow phone).
    unplug_after_chunks: after sending this many Browse chunks the phone is unplugged: every connection to it
        is closed mid-stream and usbmuxd no longer lists it.
    attached: listed by usbmuxd (False: known, e.g. with a pair record, but not plugged in).
    """

    name: str = "iphone"
    udid: str = "00008110-001A2B3C4D5E801E"
    values: dict[str, Any] = field(default_factory=dict)
    domains: dict[str, dict[str, Any]] = field(default_factory=dict)
    apps: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    cloud_configuration: dict[str, Any] | None = None
    provisioning_profiles: list[dict[str, Any] | bytes] = field(default_factory=list)
    services: dict[str, Service] = field(default_factory=default_services)
    trusted: bool = True
    pairing: PairingMode = "accept"
    pending_answers: int = 1
    locked_services: frozenset[str] = frozenset()
    browse_chunk_delay: float = 0.0
    unplug_after_chunks: int | None = None
    attached: bool = True
    connection_type: str = "USB"
    product_id: int = 0x12A8
    location_id: int = 0x14100000

    def __post_init__(self) -> None:
        if self.pairing not in PAIRING_MODES:
            raise ValueError(f"pairing must be one of {PAIRING_MODES}, not {self.pairing!r}")
        if self.values and self.values.get("UniqueDeviceID") != self.udid:
            raise ValueError("values['UniqueDeviceID'] must be the scenario's udid")
        ids = [app.get("CFBundleIdentifier") for app in self.apps]
        if len(ids) != len(set(ids)):
            raise ValueError("two apps share a CFBundleIdentifier")

    def copy(self) -> Scenario:
        return copy.deepcopy(self)

    def service_locked(self, service: str) -> bool:
        return ALL_SERVICES in self.locked_services or service in self.locked_services
