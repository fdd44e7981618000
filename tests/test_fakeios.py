"""The fake iPhone (tests/fakeios), driven by the real pymobiledevice3 over sockets: usbmuxd, pairing, session
TLS, lockdown values, installation_proxy, MCInstall, misagent and afc2; plus raw-socket tests for what a
well-behaved client never does (garbage, abrupt hang-ups)."""

from __future__ import annotations

import asyncio
import plistlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakeios import (
    AFC2,
    IDENTITY_KEYS,
    INSTALLATION_PROXY,
    MCINSTALL,
    MISAGENT,
    FakeIPhone,
    Scenario,
)
from iphones import (
    APP_STORE,
    HOSTILE_NAME,
    LONG_HOSTILE_NAME,
    clean_iphone,
    hostile_iphone,
    jailbroken_iphone,
    locked_services_iphone,
    managed_iphone,
    no_iphone,
    older_iphone,
    two_iphones,
    unplugged_iphone,
    untrusted_iphone,
)
from pymobiledevice3 import usbmux
from pymobiledevice3.exceptions import (
    ConnectionFailedError,
    ConnectionTerminatedError,
    GetProhibitedError,
    InvalidServiceError,
    MissingValueError,
    NoDeviceConnectedError,
    PairingDialogResponsePendingError,
    PasswordRequiredError,
    ProfileError,
    UserDeniedPairingError,
)
from pymobiledevice3.lockdown import UsbmuxLockdownClient, create_using_usbmux
from pymobiledevice3.osu.os_utils import get_os_utils
from pymobiledevice3.services.installation_proxy import InstallationProxyService
from pymobiledevice3.services.misagent import MisagentService
from pymobiledevice3.services.mobile_config import MobileConfigService

Starter = Callable[[Any], FakeIPhone]
EXPENSIVE = {"StaticDiskUsage", "DynamicDiskUsage", "iTunesMetadata", "ApplicationSINF"}


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Starter]:
    """Start a FakeIPhone and point pymobiledevice3 at it; every fake is stopped and its threads checked, and
    pymobiledevice3 must not have created its home folder (pair records go to tmp_path)."""
    phones: list[FakeIPhone] = []
    home_folder = get_os_utils().get_home_folder_path()
    home_existed = home_folder.exists()

    def start(scenarios: Any) -> FakeIPhone:
        phone = FakeIPhone(scenarios).start()
        phones.append(phone)
        monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", phone.address)
        return phone

    yield start
    for phone in phones:
        phone.stop()
    leftover = [t.name for t in threading.enumerate() if t.name.startswith("fakeios-")]
    assert leftover == [], f"threads left running: {leftover}"
    assert home_folder.exists() == home_existed


async def connect(phone: FakeIPhone, folder: Path, **options: Any) -> UsbmuxLockdownClient:
    return await create_using_usbmux(serial=phone.udid, pairing_records_cache_folder=folder, **options)


# --- usbmuxd -------------------------------------------------------------------------------------------------------


def test_list_devices_empty_one_and_two(serve: Starter, tmp_path: Path) -> None:
    assert asyncio.run(usbmux.list_devices(serve(no_iphone()).address)) == []
    with pytest.raises(NoDeviceConnectedError):
        asyncio.run(create_using_usbmux(pairing_records_cache_folder=tmp_path))
    devices = asyncio.run(usbmux.list_devices(serve(clean_iphone(5)).address))
    assert [(d.serial, d.connection_type) for d in devices] == [(clean_iphone(5).udid, "USB")]
    phone = serve(two_iphones())
    devices = asyncio.run(usbmux.list_devices(phone.address))
    assert sorted(d.serial for d in devices) == sorted(phone.udids)
    assert len({d.devid for d in devices}) == 2
    assert phone.names("usbmuxd").count("ListDevices") == 1


def test_connect_refused_on_a_closed_port_and_listen_events(serve: Starter) -> None:
    phone = serve(clean_iphone(5))

    async def scenario() -> list[str]:
        device = (await usbmux.list_devices())[0]
        mux = await usbmux.create_mux()
        with pytest.raises(ConnectionFailedError):
            await mux.connect(device, 49999)
        await mux.close()
        listener = await usbmux.create_mux()
        await listener.listen()
        await listener.receive_device_state_update()  # the phone already attached
        seen = [d.serial for d in listener.devices]
        phone.unplug()
        await asyncio.wait_for(listener.receive_device_state_update(), 5)  # Detached
        seen.append(str(len(listener.devices)))
        await listener.close()
        return seen

    assert asyncio.run(scenario()) == [phone.udid, "0"]
    assert [r.detail["Port"] for r in phone.requests("usbmuxd") if r.name == "Connect"] == [49999]


# --- Pairing and the session ---------------------------------------------------------------------------------------


def test_trusted_phone_reaches_a_tls_session(serve: Starter, tmp_path: Path) -> None:
    phone = serve(clean_iphone(10))

    async def scenario() -> dict[str, Any]:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            assert lockdown.paired
            return dict(lockdown.all_values)
        finally:
            await lockdown.close()

    values = asyncio.run(scenario())
    assert values["SerialNumber"] == "F4GZK2L9Q1"  # only readable in a session
    assert values["PasswordProtected"] is False
    assert values["DevicePublicKey"].startswith(b"-----BEGIN RSA PUBLIC KEY-----")
    assert [(c.channel, c.version) for c in phone.tls_connections] == [("lockdown", "TLSv1.2")]
    assert phone.tls_connections[0].cipher.startswith("ECDHE-RSA-AES")
    lockdown_requests = phone.names("lockdown")
    assert lockdown_requests[:2] == ["QueryType", "GetValue"]
    assert "StartSession" in lockdown_requests and "Pair" not in lockdown_requests
    assert phone.writes() == [] and phone.errors == []
    assert not list(tmp_path.iterdir())  # the pair record came from usbmuxd; nothing was saved


def test_before_a_session_only_identity_keys(serve: Starter, tmp_path: Path) -> None:
    phone = serve(untrusted_iphone("pending"))

    async def scenario() -> None:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            assert not lockdown.paired
            assert set(lockdown.all_values) == set(IDENTITY_KEYS)
            assert lockdown.all_values["DeviceName"] == "Alex’s iPhone"
            key = await lockdown.get_value(key="DevicePublicKey")
            assert key.startswith(b"-----BEGIN RSA PUBLIC KEY-----")
            with pytest.raises(GetProhibitedError):
                await lockdown.get_value(key="SerialNumber")
            with pytest.raises(GetProhibitedError):
                await lockdown.get_value("com.apple.mobile.backup")
            itunes = await lockdown.get_value("com.apple.mobile.iTunes")
            assert itunes["iTunesSetupComplete"] is True
        finally:
            await lockdown.close()

    asyncio.run(scenario())
    assert phone.tls_connections == []


def test_pairing_after_the_dialog_is_answered(serve: Starter, tmp_path: Path) -> None:
    phone = serve(untrusted_iphone("pending-then-accept", pending_answers=1))
    assert phone.pair_records == {}

    async def scenario() -> str:
        lockdown = await connect(phone, tmp_path, autopair=True, pair_timeout=5)
        try:
            assert lockdown.paired
            assert "SerialNumber" in lockdown.all_values
            return lockdown.host_id
        finally:
            await lockdown.close()

    host_id = asyncio.run(scenario())
    assert phone.names("lockdown").count("Pair") == 2
    assert phone.trusted_hosts() == [host_id]
    record = phone.pair_records[phone.udid]
    assert record["HostID"] == host_id and record["EscrowBag"]
    assert [r.name for r in phone.writes()] == ["Pair", "Pair", "SavePairRecord"]
    assert (tmp_path / f"{phone.udid}.plist").exists()
    assert [c.channel for c in phone.tls_connections] == ["lockdown"]


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("pending", PairingDialogResponsePendingError),
        ("denied", UserDeniedPairingError),
        ("locked", PasswordRequiredError),
    ],
)
def test_pairing_refused(serve: Starter, tmp_path: Path, mode: str, error: type[Exception]) -> None:
    phone = serve(untrusted_iphone(mode))
    with pytest.raises(error):
        asyncio.run(connect(phone, tmp_path, autopair=True, pair_timeout=0))
    assert phone.trusted_hosts() == [] and phone.pair_records == {}
    assert phone.names("lockdown").count("Pair") == 1


def test_unpair_answers_validatepair_and_forgets_the_host(serve: Starter, tmp_path: Path) -> None:
    phone = serve(clean_iphone(5))

    async def scenario() -> bool:
        lockdown = await connect(phone, tmp_path, autopair=False)
        await lockdown.unpair()
        await lockdown.close()
        again = await connect(phone, tmp_path, autopair=False)  # usbmuxd still has the record
        await again.close()
        return again.paired

    assert asyncio.run(scenario()) is False
    assert phone.trusted_hosts() == []
    assert [r.name for r in phone.writes()] == ["Unpair"]


def test_session_domains_like_a_real_phone(serve: Starter, tmp_path: Path) -> None:
    phone = serve([managed_iphone()])

    async def scenario() -> None:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            backup = await lockdown.get_value("com.apple.mobile.backup")
            assert "WillEncrypt" not in backup and isinstance(backup["LastiTunesBackupDate"], float)
            with pytest.raises(MissingValueError):
                await lockdown.get_value("com.apple.mobile.backup", "WillEncrypt")
            wireless = await lockdown.get_value("com.apple.mobile.wireless_lockdown")
            assert wireless["EnableWifiConnections"] is True
            assert await lockdown.get_value("com.apple.fmip") is None
            assert await lockdown.get_value("com.apple.fmip", "IsAssociated") is True
            assert lockdown.product_version == "16.7.10"
            await lockdown.set_value("Renamed", key="DeviceName")
        finally:
            await lockdown.close()

    asyncio.run(scenario())
    assert phone.values()["DeviceName"] == "Renamed"
    assert [(r.name, r.detail["Key"]) for r in phone.writes()] == [("SetValue", "DeviceName")]
    domains = [r.detail.get("Domain") for r in phone.requests("lockdown") if r.name == "GetValue"]
    assert "com.apple.fmip" in domains


@pytest.mark.parametrize("long", [False, True])
def test_hostile_device_name_round_trips(serve: Starter, tmp_path: Path, long: bool) -> None:
    phone = serve(hostile_iphone(long))

    async def scenario() -> str:
        lockdown = await connect(phone, tmp_path, autopair=False)
        await lockdown.close()
        return lockdown.all_values["DeviceName"]

    name = asyncio.run(scenario())
    assert name == (LONG_HOSTILE_NAME if long else HOSTILE_NAME)
    assert len(LONG_HOSTILE_NAME) == 5000


# --- Services ------------------------------------------------------------------------------------------------------


def test_browse_returns_only_the_asked_attributes(serve: Starter, tmp_path: Path) -> None:
    phone = serve(clean_iphone(100))

    async def scenario() -> tuple[list[dict[str, Any]], ...]:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            async with InstallationProxyService(lockdown) as proxy:
                chosen = await proxy.browse({"ApplicationType": "Any"}, ["CFBundleIdentifier", "SignerIdentity"])
            async with InstallationProxyService(lockdown) as proxy:
                everything = await proxy.browse({})
            async with InstallationProxyService(lockdown) as proxy:
                users = await proxy.browse({"ApplicationType": "User", "ShowAppClips": True}, ["CFBundleIdentifier"])
            async with InstallationProxyService(lockdown) as proxy:
                metadata = await proxy.browse({"ApplicationType": "User"}, ["CFBundleIdentifier", "iTunesMetadata"])
            return chosen, everything, users, metadata
        finally:
            await lockdown.close()

    chosen, everything, users, metadata = asyncio.run(scenario())
    assert len(chosen) == 130  # 100 App Store apps + 30 system apps; no App Clip, placeholder, hidden system app
    assert all(set(app) <= {"CFBundleIdentifier", "SignerIdentity"} for app in chosen)
    assert {app.get("SignerIdentity") for app in chosen} == {APP_STORE, None}  # system apps carry none
    assert "com.yelp.yelpiphone.Clip" not in {app["CFBundleIdentifier"] for app in chosen}
    assert not any(EXPENSIVE & set(app) for app in everything)
    whatsapp = next(app for app in everything if app["CFBundleIdentifier"] == "net.whatsapp.WhatsApp")
    assert whatsapp["ApplicationType"] == "User" and whatsapp["Entitlements"]["aps-environment"] == "production"
    assert "location" in whatsapp["UIBackgroundModes"]
    assert len(users) == 101 and "com.yelp.yelpiphone.Clip" in {app["CFBundleIdentifier"] for app in users}
    assert all(plistlib.loads(app["iTunesMetadata"])["softwareVersionBundleId"] for app in metadata)
    assert {c.channel for c in phone.tls_connections} == {"lockdown", INSTALLATION_PROXY}
    browse = [r for r in phone.requests(INSTALLATION_PROXY) if r.name == "Browse"]
    assert browse[0].detail["ClientOptions"]["ReturnAttributes"] == ["CFBundleIdentifier", "SignerIdentity"]
    assert phone.writes() == []


def test_browse_chunks_of_ten_without_total(serve: Starter, tmp_path: Path) -> None:
    scenario = clean_iphone(25)
    scenario.browse_chunk_delay = 0.05
    phone = serve(scenario)

    async def browse_raw() -> tuple[list[dict[str, Any]], float]:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            async with InstallationProxyService(lockdown) as proxy:
                started = time.perf_counter()
                options = {"ApplicationType": "User", "ReturnAttributes": ["CFBundleIdentifier"]}
                await proxy.service.send_plist({"Command": "Browse", "ClientOptions": options})
                messages = [await proxy.service.recv_plist()]
                while messages[-1].get("Status") != "Complete":
                    messages.append(await proxy.service.recv_plist())
                return messages, time.perf_counter() - started
        finally:
            await lockdown.close()

    messages, elapsed = asyncio.run(browse_raw())
    assert [(m["Status"], m.get("CurrentIndex"), m.get("CurrentAmount")) for m in messages] == [
        ("BrowsingApplications", 0, 10),
        ("BrowsingApplications", 10, 10),
        ("BrowsingApplications", 20, 5),
        ("Complete", None, None),
    ]
    assert not any("Total" in m for m in messages)
    assert elapsed >= 0.15


def test_browse_150_apps_and_lookup(serve: Starter, tmp_path: Path) -> None:
    phone = serve(clean_iphone(150))

    async def scenario() -> tuple[int, dict[str, Any], float]:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            started = time.perf_counter()
            async with InstallationProxyService(lockdown) as proxy:
                apps = await proxy.browse({"ApplicationType": "Any"})
            elapsed = time.perf_counter() - started
            async with InstallationProxyService(lockdown) as proxy:
                found = await proxy.lookup({"BundleIDs": ["com.spotify.client", "com.example.missing"]})
            return len(apps), found or {}, elapsed
        finally:
            await lockdown.close()

    count, found, elapsed = asyncio.run(scenario())
    assert count == 180 and elapsed < 5
    assert list(found) == ["com.spotify.client"]
    assert found["com.spotify.client"]["CFBundleDisplayName"] == "Spotify"


def test_installation_proxy_rejects_unknown_and_write_commands(serve: Starter, tmp_path: Path) -> None:
    phone = serve(clean_iphone(5))

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            async with InstallationProxyService(lockdown) as proxy:
                unknown = await proxy.service.send_recv_plist({"Command": "Frobnicate"})
                uninstall = await proxy.service.send_recv_plist(
                    {"Command": "Uninstall", "ApplicationIdentifier": "net.whatsapp.WhatsApp"}
                )
            return unknown, uninstall
        finally:
            await lockdown.close()

    unknown, uninstall = asyncio.run(scenario())
    assert unknown == {"Error": "UnknownCommand"}
    assert "Error" in uninstall and "ErrorDescription" not in uninstall
    assert [r.name for r in phone.writes()] == ["Frobnicate", "Uninstall"]


def test_profiles_cloud_configuration_and_provisioning(serve: Starter, tmp_path: Path) -> None:
    phone = serve(managed_iphone())

    async def scenario() -> tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            async with MobileConfigService(lockdown) as config:
                await config.hello()
                profiles = await config.get_profile_list()
                cloud = await config.get_cloud_configuration()
                with pytest.raises(ProfileError):
                    await config.remove_profile("com.nwdevices.mdm.enrollment")
            async with MisagentService(lockdown) as misagent:
                provisioning = [profile.plist for profile in await misagent.copy_all()]
            return profiles, cloud, provisioning
        finally:
            await lockdown.close()

    profiles, cloud, provisioning = asyncio.run(scenario())
    assert profiles["Status"] == "Acknowledged"
    assert profiles["OrderedIdentifiers"] == ["com.nwdevices.mdm.enrollment", "net.securelink.vpn.config"]
    assert profiles["ProfileManifest"]["com.nwdevices.mdm.enrollment"] == {
        "Description": "Device Management",
        "IsActive": True,
    }
    mdm = profiles["ProfileMetadata"]["com.nwdevices.mdm.enrollment"]
    assert mdm["PayloadRemovalDisallowed"] is True and mdm["PayloadOrganization"] == "NW Device Services"
    assert set(mdm) <= {
        "PayloadUUID",
        "PayloadDisplayName",
        "PayloadOrganization",
        "PayloadDescription",
        "PayloadVersion",
        "PayloadRemovalDisallowed",
    }
    assert cloud is not None and cloud["IsSupervised"] is True
    assert [p.get("ProvisionsAllDevices", False) for p in provisioning] == [True, False]
    assert phone.udid in provisioning[1]["ProvisionedDevices"]
    assert {c.channel for c in phone.tls_connections} == {"lockdown", MCINSTALL, MISAGENT}
    assert [(r.channel, r.name) for r in phone.writes()] == [(MCINSTALL, "RemoveProfile")]


def test_clean_phone_has_no_profiles_and_misagent_rejects_copy(serve: Starter, tmp_path: Path) -> None:
    phone = serve(clean_iphone(5))

    async def scenario() -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any], int]:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            async with MobileConfigService(lockdown) as config:
                profiles = await config.get_profile_list()
                cloud = await config.get_cloud_configuration()
            async with MisagentService(lockdown) as misagent:
                legacy = await misagent.service.send_recv_plist({"MessageType": "Copy", "ProfileType": "Provisioning"})
                count = len(await misagent.copy_all())
            return profiles, cloud, legacy, count
        finally:
            await lockdown.close()

    profiles, cloud, legacy, count = asyncio.run(scenario())
    empty = {"Status": "Acknowledged", "ProfileManifest": {}, "ProfileMetadata": {}, "OrderedIdentifiers": []}
    assert profiles == empty
    assert cloud is None and count == 0
    assert legacy["Status"] == -402620403


def test_afc2_only_on_the_jailbroken_phone(serve: Starter, tmp_path: Path) -> None:
    async def start_afc2(phone: FakeIPhone) -> None:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            service = await lockdown.start_lockdown_service(AFC2)
            await service.close()
        finally:
            await lockdown.close()

    normal = serve(clean_iphone(5))
    with pytest.raises(InvalidServiceError):
        asyncio.run(start_afc2(normal))
    jailbroken = serve(jailbroken_iphone())
    asyncio.run(start_afc2(jailbroken))
    assert any(r.name == "StartService" and r.detail["Service"] == AFC2 for r in jailbroken.requests("lockdown"))
    assert AFC2 not in {c.channel for c in jailbroken.tls_connections}  # AFC runs without TLS


def test_older_phone_has_no_mcinstall(serve: Starter, tmp_path: Path) -> None:
    phone = serve(older_iphone())

    async def scenario() -> int:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            assert lockdown.product_version == "12.5.7"
            with pytest.raises(InvalidServiceError):
                await MobileConfigService(lockdown).connect()
            async with InstallationProxyService(lockdown) as proxy:
                return len(await proxy.browse({"ApplicationType": "User"}, ["CFBundleIdentifier"]))
        finally:
            await lockdown.close()

    assert asyncio.run(scenario()) == 25


def test_locked_phone_refuses_services(serve: Starter, tmp_path: Path) -> None:
    phone = serve(locked_services_iphone())

    async def scenario() -> None:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            assert lockdown.all_values["PasswordProtected"] is True
            with pytest.raises(PasswordRequiredError):
                await lockdown.start_lockdown_service(INSTALLATION_PROXY)
            # with the escrow bag of the pair record, lockdownd lets the host in while the phone is locked
            service = await lockdown.start_lockdown_service(INSTALLATION_PROXY, include_escrow_bag=True)
            await service.close()
            await lockdown.stop_session()
        finally:
            await lockdown.close()

    asyncio.run(scenario())
    starts = [r.detail for r in phone.requests("lockdown") if r.name == "StartService"]
    assert [detail.get("EscrowBag", False) for detail in starts] == [False, True]
    assert phone.names("lockdown")[-1] == "StopSession"


def test_unplugged_mid_browse(serve: Starter, tmp_path: Path) -> None:
    phone = serve(unplugged_iphone())

    async def scenario() -> list[Any]:
        lockdown = await connect(phone, tmp_path, autopair=False)
        try:
            async with InstallationProxyService(lockdown) as proxy:
                with pytest.raises(ConnectionTerminatedError):
                    await proxy.browse({"ApplicationType": "Any"})
        finally:
            await lockdown.close()
        return await usbmux.list_devices()

    assert asyncio.run(scenario()) == []
    assert phone.errors == []


# --- Misbehaving clients -------------------------------------------------------------------------------------------


def _mux_message(tag: int, body: dict[str, Any]) -> bytes:
    payload = plistlib.dumps(body)
    return struct.pack("<IIII", 16 + len(payload), 1, 8, tag) + payload


def _recv_mux(sock: socket.socket) -> dict[str, Any]:
    length, _version, _message, _tag = struct.unpack("<IIII", sock.recv(16, socket.MSG_WAITALL))
    return plistlib.loads(sock.recv(length - 16, socket.MSG_WAITALL))


def _hung_up(sock: socket.socket) -> bool:
    """The fake closed the connection (a reset when it left our bytes unread)."""
    try:
        return sock.recv(16) == b""
    except ConnectionResetError:
        return True


def test_garbage_and_hang_ups_do_not_hang_the_fake(serve: Starter) -> None:
    phone = serve(clean_iphone(5))
    host, port = phone.address.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:  # garbage instead of a header
        sock.sendall(b"\xff" * 64)
        assert _hung_up(sock)
    with socket.create_connection((host, int(port)), timeout=5) as sock:  # not a plist
        sock.sendall(struct.pack("<IIII", 20, 1, 8, 1) + b"nope")
        assert _hung_up(sock)
    with socket.create_connection((host, int(port)), timeout=5) as sock:  # half a message, then gone
        sock.sendall(struct.pack("<IIII", 400, 1, 8, 1))
    with socket.create_connection((host, int(port)), timeout=5) as sock:  # lockdown, then garbage frames
        sock.sendall(_mux_message(1, {"MessageType": "Connect", "DeviceID": 1, "PortNumber": socket.htons(62078)}))
        assert _recv_mux(sock) == {"MessageType": "Result", "Number": 0}
        sock.sendall(struct.pack(">I", 10) + b"<notplist>")
        assert _hung_up(sock)
    with socket.create_connection((host, int(port)), timeout=5) as sock:  # lockdown, hang up mid-frame
        sock.sendall(_mux_message(1, {"MessageType": "Connect", "DeviceID": 1, "PortNumber": socket.htons(62078)}))
        assert _recv_mux(sock)["Number"] == 0
        sock.sendall(struct.pack(">I", 1000) + b"<?xml")
    with socket.create_connection((host, int(port)), timeout=5) as sock:  # unknown message, bad device
        sock.sendall(_mux_message(7, {"MessageType": "Frobnicate"}))
        assert _recv_mux(sock) == {"MessageType": "Result", "Number": 1}
        sock.sendall(_mux_message(8, {"MessageType": "Connect", "DeviceID": 99, "PortNumber": socket.htons(62078)}))
        assert _recv_mux(sock) == {"MessageType": "Result", "Number": 2}
        sock.sendall(_mux_message(9, {"MessageType": "ReadPairRecord", "PairRecordID": "nope"}))
        assert _recv_mux(sock) == {"MessageType": "Result", "Number": 2}
    deadline = time.monotonic() + 5
    while len(phone.errors) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(phone.errors) == 3, phone.errors  # garbage header, not a plist, lockdown garbage


def test_stop_with_clients_still_connected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    phone = FakeIPhone(Scenario(name="bare", values={}, apps=[]))
    phone.start()
    host, port = phone.address.split(":")
    idle = socket.create_connection((host, int(port)), timeout=5)
    listening = socket.create_connection((host, int(port)), timeout=5)
    listening.sendall(_mux_message(1, {"MessageType": "Listen"}))
    assert _recv_mux(listening)["Number"] == 0
    started = time.monotonic()
    phone.stop()
    assert time.monotonic() - started < 2
    assert idle.recv(16) == b""
    idle.close()
    listening.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("fakeios-")]
