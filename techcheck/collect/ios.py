"""Collecting from an iPhone over USB, through usbmuxd and pymobiledevice3. Observe only: every request
comes from the IOS allow-list (``collect/allowlist.py``) and reads.

The connection needs the iPhone to trust this computer. If it does not yet, the iPhone asks "Trust This
Computer?" and the person decides; we wait with a countdown. At the end the CLI offers (never does
silently) to make the iPhone and this computer forget each other again (``IphoneSession.forget``).

pymobiledevice3 is asynchronous; ``IphoneSession`` keeps one event loop for one phone so that the
rest of techcheck stays synchronous. Each step has its own timeout. A service the iPhone does not
have (too old or too new for it) makes only its own checks "skipped"; a phone unplugged mid-scan ends
the collection with what arrived so far.
"""

from __future__ import annotations

import asyncio
import plistlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techcheck.collect.allowlist import IOS_SERVICES, ios_allowed
from techcheck.model import Artifact, Problem, Snapshot, Target
from techcheck.text import clip

INSTALLATION_PROXY = "com.apple.mobile.installation_proxy"
MCINSTALL = "com.apple.mobile.MCInstall"
MISAGENT = "com.apple.misagent"
AFC2 = "com.apple.afc2"
BACKUP_DOMAIN = "com.apple.mobile.backup"
WIRELESS_DOMAIN = "com.apple.mobile.wireless_lockdown"
PAIRING_FOLDER = "ios-pairing"  # inside TECHCHECK_HOME: this computer's half of the trust

# The lockdown values kept (the whole answer also holds phone numbers, SIM and baseband identifiers,
# which no check needs: collect the minimum).
VALUE_KEYS = (
    "DeviceName",
    "DeviceClass",
    "ProductType",
    "ProductVersion",
    "BuildVersion",
    "HardwareModel",
    "ActivationState",
    "PasswordProtected",
    "UniqueDeviceID",
    "TrustedHostAttached",
)
# What the installation proxy returns per app. The costly attributes (sizes, iTunesMetadata) are not
# asked for. App Clips, launch-prohibited apps and placeholders are hidden unless asked for.
APP_ATTRIBUTES = [
    "CFBundleIdentifier",
    "CFBundleDisplayName",
    "CFBundleName",
    "CFBundleShortVersionString",
    "CFBundleVersion",
    "ApplicationType",
    "Path",
    "SignerIdentity",
    "SignerOrganization",
    "TeamIdentifier",
    "ProfileValidated",
    "UPPValidated",
    "FreeProfileValidated",
    "IsAdHocSigned",
    "IsAppClip",
    "IsPlaceholder",
    "Entitlements",
    "UIBackgroundModes",
]
BROWSE_OPTIONS = {
    "ApplicationType": "Any",
    "ShowAppClips": True,
    "ShowLaunchProhibitedApps": True,
    "ShowPlaceholders": True,
}
PROVISIONING_DROP = ("DeveloperCertificates", "DER-Encoded-Profile")  # large certificate blobs no check reads


class IosError(Exception):
    """The iPhone could not be reached or did not trust this computer. ``reason`` is a message key."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = clip(detail, 300)


def _exceptions() -> Any:
    from pymobiledevice3 import exceptions

    return exceptions


def problem_reason(exc: BaseException) -> str:
    """A pymobiledevice3 or socket error as one of our reason keys."""
    ex = _exceptions()
    table: tuple[tuple[type | tuple[type, ...], str], ...] = (
        (ex.PasswordRequiredError, "locked"),
        ((ex.InvalidServiceError, ex.StartServiceError, ex.MissingValueError), "not-on-device"),
        (ex.GetProhibitedError, "not-allowed"),
        ((asyncio.TimeoutError, TimeoutError), "timeout"),
        (
            (
                ex.ConnectionTerminatedError,
                ex.MuxException,
                ex.NoDeviceConnectedError,
                ex.DeviceNotFoundError,
                asyncio.IncompleteReadError,
                ConnectionError,
                OSError,
            ),
            "disconnected",
        ),
    )
    for kinds, reason in table:
        if isinstance(exc, kinds):
            return reason
    return "error"


@dataclass(frozen=True)
class Job:
    kind: str  # the artifact kind it makes
    channel: str  # "lockdown" or the service name
    requests: tuple[str, ...]  # what it sends, checked against the allow-list before it runs
    read: Callable[[Any], Awaitable[Any]]  # lockdown client → what to keep (plist-serialisable)
    meta: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0

    @property
    def name(self) -> str:
        suffix = ":".join(f"{k}={v}" for k, v in sorted(self.meta.items()))
        return f"{self.kind}:{suffix}" if suffix else self.kind


# Reads --------------------------------------------------------------------------------------------
async def read_values(lockdown: Any) -> dict[str, Any]:
    """The values pymobiledevice3 read when the session started (asked again only if it has none)."""
    values = getattr(lockdown, "all_values", None) or await lockdown.get_value() or {}
    return {k: values[k] for k in VALUE_KEYS if k in values}


async def read_backup(lockdown: Any) -> dict[str, Any]:
    """The backup domain, and ``WillEncrypt`` by key: absent unless a backup password is set."""
    ex = _exceptions()
    out: dict[str, Any] = {"domain": await lockdown.get_value(BACKUP_DOMAIN) or {}}
    try:
        value = await lockdown.get_value(BACKUP_DOMAIN, "WillEncrypt")
    except ex.MissingValueError:
        value = None
    if value is not None:
        out["WillEncrypt"] = value
    return out


async def read_wireless(lockdown: Any) -> dict[str, Any]:
    return await lockdown.get_value(WIRELESS_DOMAIN) or {}


async def read_apps(lockdown: Any) -> list[dict[str, Any]]:
    from pymobiledevice3.services.installation_proxy import InstallationProxyService

    async with InstallationProxyService(lockdown) as proxy:
        return await proxy.browse(dict(BROWSE_OPTIONS), list(APP_ATTRIBUTES))


async def read_profiles(lockdown: Any) -> dict[str, Any]:
    from pymobiledevice3.services.mobile_config import MobileConfigService

    async with MobileConfigService(lockdown) as config:
        return await config.get_profile_list()


async def read_cloud_config(lockdown: Any) -> dict[str, Any]:
    from pymobiledevice3.services.mobile_config import MobileConfigService

    async with MobileConfigService(lockdown) as config:
        cloud = await config.get_cloud_configuration()
    return {"CloudConfiguration": cloud} if cloud else {}


async def read_provisioning(lockdown: Any) -> list[dict[str, Any]]:
    from pymobiledevice3.services.misagent import MisagentService

    async with MisagentService(lockdown) as misagent:
        profiles = await misagent.copy_all()
    return [{k: v for k, v in p.plist.items() if k not in PROVISIONING_DROP} for p in profiles]


async def read_afc2(lockdown: Any) -> bytes:
    """Only whether the service starts (a jailbreak sign). Nothing is sent to it."""
    ex = _exceptions()
    try:
        service = await lockdown.start_lockdown_service(AFC2)
    except (ex.InvalidServiceError, ex.StartServiceError):
        return b"not-available"
    await service.close()
    return b"available"


JOBS = (
    Job("ios_values", "lockdown", ("GetValue",), read_values, timeout=20.0),
    Job("ios_backup", "lockdown", ("GetValue",), read_backup, timeout=20.0),
    Job("ios_wireless", "lockdown", ("GetValue",), read_wireless, timeout=20.0),
    Job("ios_apps", INSTALLATION_PROXY, ("Browse",), read_apps, timeout=180.0),
    Job("ios_profiles", MCINSTALL, ("GetProfileList",), read_profiles),
    Job("ios_cloud_config", MCINSTALL, ("GetCloudConfiguration",), read_cloud_config),
    Job("ios_provisioning", MISAGENT, ("CopyAll",), read_provisioning),
    Job("ios_service", AFC2, (), read_afc2, meta={"service": AFC2}, timeout=20.0),
)
IOS_KINDS = tuple(dict.fromkeys(job.kind for job in JOBS))


def _check_allowed(job: Job) -> None:
    if job.channel != "lockdown" and job.channel not in IOS_SERVICES:
        raise AssertionError(f"{job.channel} is not in the iOS allow-list")
    for request in (*job.requests, *(("StartService",) if job.channel != "lockdown" else ())):
        channel = "lockdown" if request == "StartService" else job.channel
        if not ios_allowed(channel, request):
            raise AssertionError(f"{job.channel} {request} is not in the iOS allow-list")


@dataclass
class IphoneSession:
    """One iPhone: connect (and pair if the person agrees on the phone), collect, maybe forget, close."""

    home: Path
    udid: str | None = None
    lockdown: Any = None
    device: str = ""  # the UDID of the phone we connected to
    paired_now: bool = False  # this run made the pairing (the person tapped Trust)
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop, repr=False)

    def _run(self, coro: Awaitable[Any], timeout: float | None = None) -> Any:
        return self._loop.run_until_complete(asyncio.wait_for(coro, timeout) if timeout else coro)

    # Connecting ------------------------------------------------------------------------------------
    def connect(self, wait: float = 90.0, waiting: Callable[[str, float], None] = lambda what, left: None) -> None:
        """Find the iPhone, open lockdown, and make sure it trusts this computer. Raises IosError."""
        try:
            self._run(self._connect(wait, waiting))
        except IosError:
            self.close()
            raise
        except Exception as exc:  # noqa: BLE001 - every other failure is "could not reach the phone"
            self.close()
            raise IosError(_connect_reason(exc), f"{exc.__class__.__name__}: {exc}") from None

    async def _connect(self, wait: float, waiting: Callable[[str, float], None]) -> None:
        from pymobiledevice3 import usbmux
        from pymobiledevice3.lockdown import create_using_usbmux

        ex = _exceptions()
        try:
            devices = [d for d in await usbmux.list_devices() if d.is_usb]
        except ex.ConnectionFailedToUsbmuxdError as exc:
            raise IosError("no-usbmuxd", str(exc)) from None
        if self.udid:
            devices = [d for d in devices if d.matches_udid(self.udid)]
            if not devices:
                raise IosError("not-found", self.udid)
        if not devices:
            raise IosError("no-device")
        if len(devices) > 1:
            raise IosError("several-devices", ", ".join(clip(d.serial, 40) for d in devices))
        self.device = devices[0].serial
        folder = self.home / PAIRING_FOLDER
        self.lockdown = await create_using_usbmux(
            serial=self.device, autopair=False, connection_type="USB", pairing_records_cache_folder=folder
        )
        folder.chmod(0o700)
        if not self.lockdown.paired:
            await self._pair(wait, waiting)
        await self._wait_until_unlocked(wait, waiting)

    async def _pair(self, wait: float, waiting: Callable[[str, float], None]) -> None:
        """The iPhone shows "Trust This Computer?"; the person decides. A locked phone shows nothing
        until it is unlocked, so we keep asking until ``wait`` runs out."""
        ex = _exceptions()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        ticker = asyncio.ensure_future(_countdown(loop, deadline, "trust", waiting))
        try:
            while True:
                try:
                    await self.lockdown.pair(timeout=max(0.0, deadline - loop.time()))
                    break
                except ex.PairingDialogResponsePendingError:
                    raise IosError("not-trusted") from None
                except ex.UserDeniedPairingError:
                    raise IosError("denied") from None
                except ex.PasswordRequiredError:
                    if loop.time() >= deadline:
                        raise IosError("locked") from None
                    await asyncio.sleep(1.0)
        finally:
            ticker.cancel()
        self.paired_now = True
        if not await self.lockdown.validate_pairing():
            raise IosError("pairing-failed")

    async def _wait_until_unlocked(self, wait: float, waiting: Callable[[str, float], None]) -> None:
        """Services do not start while a phone with a passcode is locked: ask the person to unlock it."""
        ex = _exceptions()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            try:
                service = await self.lockdown.start_lockdown_service(INSTALLATION_PROXY)
            except ex.PasswordRequiredError:
                left = deadline - loop.time()
                if left <= 0:
                    raise IosError("locked") from None
                waiting("unlock", left)
                await asyncio.sleep(1.0)
                continue
            await service.close()
            return

    # Collecting ------------------------------------------------------------------------------------
    def collect(self, progress: Callable[[str], None] | None = None) -> Snapshot:
        return self._run(self._collect(progress or (lambda step: None)))

    async def _collect(self, progress: Callable[[str], None]) -> Snapshot:
        snapshot = Snapshot(target=Target(kind="ios"))
        snapshot.attempted.update(IOS_KINDS)
        disconnected: BaseException | None = None
        for job in JOBS:
            _check_allowed(job)
            if disconnected is not None:  # not read: its checks say so, rather than "checked"
                snapshot.problem(Problem(job.kind, "failed", "disconnected", "not read", job.name))
                continue
            progress(f"ios.{job.kind}")
            source = f"{job.channel} {' '.join(job.requests) or 'StartService'}"
            try:
                data = await asyncio.wait_for(job.read(self.lockdown), job.timeout)
                # Binary keeps every type a phone can send (UIDs too); the parsers read either form.
                content = data if isinstance(data, bytes) else plistlib.dumps(data, fmt=plistlib.FMT_BINARY)
            except Exception as exc:  # noqa: BLE001 - one failed step must not lose the others
                reason = problem_reason(exc)
                if reason == "disconnected":
                    disconnected = exc
                status = "skipped" if reason == "not-on-device" else "failed"
                detail = f"{source}: {exc.__class__.__name__}: {exc}"[:300]
                snapshot.problem(Problem(job.kind, status, reason, detail, job.name))
                continue
            snapshot.add(Artifact.make(job.kind, f"pymobiledevice3 {source}", content, name=job.name, meta=job.meta))
        if disconnected is not None:
            detail = f"{disconnected.__class__.__name__}: {disconnected}"[:300]
            snapshot.problem(Problem("connection", "failed", "disconnected", detail, "usbmux"))
        snapshot.target = self.target()
        return snapshot

    def target(self) -> Target:
        values = getattr(self.lockdown, "all_values", None)
        values = values if isinstance(values, dict) else {}
        return Target(
            kind="ios",
            id=clip(values.get("UniqueDeviceID") or self.device, 64),
            model=clip(values.get("ProductType", ""), 32),
            os=f"iOS {clip(values.get('ProductVersion', ''), 32)}".strip(),
        )

    # Forgetting this computer (only when the person accepts) -----------------------------------------
    def forget(self) -> list[str]:
        """Remove this computer from the iPhone's trusted computers, and the pairing record from this
        computer (usbmuxd's copy and ours). Returns the parts that failed (empty when all worked)."""
        return self._run(self._forget(), timeout=30.0)

    async def _forget(self) -> list[str]:
        from pymobiledevice3 import usbmux
        from pymobiledevice3.usbmux import PlistMuxConnection

        failed = []
        try:
            await self.lockdown.unpair()
        except Exception as exc:  # noqa: BLE001 - say what did not work, go on with this computer's part
            failed.append(f"iPhone: {exc.__class__.__name__}: {exc}"[:200])
        try:
            async with await usbmux.create_mux() as mux:
                if isinstance(mux, PlistMuxConnection):
                    await mux._send_receive({"MessageType": "DeletePairRecord", "PairRecordID": self.device})
        except Exception as exc:  # noqa: BLE001
            failed.append(f"usbmuxd: {exc.__class__.__name__}: {exc}"[:200])
        record = self.home / PAIRING_FOLDER / f"{self.device}.plist"
        try:
            record.unlink(missing_ok=True)
        except OSError as exc:
            failed.append(f"{record}: {exc.strerror}")
        return failed

    def close(self) -> None:
        if self.lockdown is not None:
            try:
                self._loop.run_until_complete(asyncio.wait_for(self.lockdown.close(), 5.0))
            except Exception:  # noqa: BLE001 - closing a gone phone is not an error
                pass
            self.lockdown = None
        if not self._loop.is_closed():
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def __enter__(self) -> IphoneSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _countdown(
    loop: asyncio.AbstractEventLoop, deadline: float, what: str, waiting: Callable[[str, float], None]
) -> None:
    while True:
        waiting(what, max(0.0, deadline - loop.time()))
        await asyncio.sleep(1.0)


def _connect_reason(exc: BaseException) -> str:
    ex = _exceptions()
    if isinstance(exc, ex.PasswordRequiredError):
        return "locked"
    if isinstance(exc, ex.IncorrectModeError):
        return "wrong-mode"
    if isinstance(exc, (ex.PairingError, ex.NotPairedError, ex.FatalPairingError)):
        return "pairing-failed"
    reason = problem_reason(exc)
    return {"disconnected": "unreachable", "timeout": "timeout"}.get(reason, "error")
