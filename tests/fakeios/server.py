"""FakeIPhone: a fake usbmuxd on 127.0.0.1 with one or more fake iPhones behind it.

Clients reach it the way they reach a real usbmuxd over TCP: ``USBMUXD_SOCKET_ADDRESS=127.0.0.1:<port>``. A
``Connect`` turns the client's socket into a pipe to a port of the phone: lockdownd on 62078, or a service
port that lockdownd handed out in a ``StartService`` reply. Session and service TLS are real TLS, with the
certificates of the pair record.

Threads: one accepts connections; each connection has its own thread, which speaks usbmuxd and, after a
``Connect``, plays lockdownd or the service on the same socket. Every thread is joined by ``stop()``.

    with FakeIPhone(clean_iphone()) as phone:
        monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", phone.address)
        lockdown = await create_using_usbmux(serial=phone.udid, pairing_records_cache_folder=tmp_path)
        ...
        assert all(request.read_only for request in phone.log)
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import plistlib
import socket
import ssl
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from fakeserver import FakeServer

from .protocol import (
    APPLICATION_TYPES,
    BROWSE_CHUNK,
    EMPTY_WHOLE_DOMAINS,
    EXPENSIVE_ATTRIBUTES,
    GET_PROHIBITED,
    IDENTITY_KEYS,
    INVALID_HOST_ID,
    INVALID_PAIR_RECORD,
    INVALID_REQUEST,
    INVALID_SERVICE,
    INVALID_SESSION_ID,
    LOCKDOWN_PORT,
    MISAGENT_BAD_REQUEST,
    MISSING_PAIR_RECORD,
    MISSING_VALUE,
    PAIRING_DIALOG_PENDING,
    PASSWORD_PROTECTED,
    PRE_SESSION_DOMAINS,
    PRE_SESSION_KEYS,
    REMOVE_PROHIBITED,
    RESULT_BADCOMMAND,
    RESULT_BADDEV,
    RESULT_BADVERSION,
    RESULT_CONNREFUSED,
    RESULT_ENOENT,
    RESULT_OK,
    SESSION_ACTIVE,
    SESSION_INACTIVE,
    SET_PROHIBITED,
    USB_HIGH_SPEED,
    USBMUX_MESSAGE_PLIST,
    USBMUX_VERSION_BINARY,
    USBMUX_VERSION_PLIST,
    USER_DENIED_PAIRING,
    ProtocolError,
    cached_key,
    certificate_matches_key,
    cms_wrap,
    device_public_key_pem,
    make_pair_record,
    plist_frame,
    read_plist_frame,
    read_usbmux_message,
    server_tls_context,
    usbmux_binary_result,
    usbmux_plist,
    usbmux_result,
)
from .scenario import (
    AFC2,
    DEFAULT_BUID,
    DEFAULT_HOST_ID,
    INSTALLATION_PROXY,
    MCINSTALL,
    MISAGENT,
    Scenario,
    Service,
)

# Requests that only read, per channel. Everything else changes something on the phone or on the computer
# (pairing, values, apps, profiles) or is unknown to this table.
READ_ONLY: dict[str, frozenset[str]] = {
    "usbmuxd": frozenset({"ReadBUID", "ListDevices", "Listen", "ReadPairRecord", "Connect"}),
    "lockdown": frozenset(
        {"QueryType", "GetValue", "StartSession", "StopSession", "StartService", "ValidatePair", "Goodbye"}
    ),
    INSTALLATION_PROXY: frozenset({"Browse", "Lookup"}),
    MCINSTALL: frozenset({"HelloHostIdentifier", "GetProfileList", "GetCloudConfiguration"}),
    MISAGENT: frozenset({"CopyAll"}),
    AFC2: frozenset(),
}

INSTALLATION_PROXY_WRITES = frozenset({"Install", "Upgrade", "Uninstall", "Archive", "Restore", "RemoveArchive"})


@dataclass(frozen=True)
class Request:
    """One request a client made. ``channel`` is "usbmuxd", "lockdown" or the service name; ``name`` the
    MessageType / Request / Command / RequestType; ``detail`` the fields worth asserting on (Domain, Key,
    Service, ClientOptions, PairRecordID, Port, ...); ``udid`` the phone it went to ("" for usbmuxd requests
    about no phone in particular)."""

    channel: str
    name: str
    detail: dict[str, Any] = field(default_factory=dict)
    udid: str = ""

    @property
    def read_only(self) -> bool:
        if self.channel == "lockdown" and self.name == "SetValue":
            # Hosts set UntrustedHostBUID before a session; the phone does not report it as a value.
            return self.detail.get("Key") == "UntrustedHostBUID" and not self.detail.get("Domain")
        return self.name in READ_ONLY.get(self.channel, frozenset())


@dataclass(frozen=True)
class TlsConnection:
    """A connection that ran over TLS: lockdown after StartSession, or a service with EnableServiceSSL."""

    channel: str
    udid: str
    version: str
    cipher: str
    host_id: str


class _Closed(Exception):
    """The peer went away, the phone was unplugged, or the server is stopping."""


class _Connection:
    """One client socket. ``sock`` becomes an SSLSocket when TLS starts; ``_control`` is a duplicate of the
    descriptor that another thread can shut down at any time (stop(), an unplugged phone)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock: socket.socket = sock
        self._control = sock.dup()
        self._send_lock = threading.Lock()
        self.channel = "usbmuxd"
        self.device: _Device | None = None
        self.thread: threading.Thread | None = None

    def recv_exactly(self, size: int) -> bytes:
        buffer = bytearray()
        while len(buffer) < size:
            try:
                chunk = self.sock.recv(size - len(buffer))
            except (OSError, ValueError) as exc:  # ValueError: an SSLSocket closed under us
                raise _Closed(str(exc)) from exc
            if not chunk:
                raise _Closed("the client closed the connection")
            buffer += chunk
        return bytes(buffer)

    def send(self, data: bytes) -> None:
        with self._send_lock:
            try:
                self.sock.sendall(data)
            except (OSError, ValueError) as exc:
                raise _Closed(str(exc)) from exc

    def drain(self) -> None:
        """Read and ignore until the client goes away."""
        with contextlib.suppress(OSError, ValueError):
            while self.sock.recv(65536):
                pass

    def start_tls(self, context: ssl.SSLContext) -> ssl.SSLSocket:
        tls = context.wrap_socket(self.sock, server_side=True)
        self.sock = tls
        return tls

    def hang_up(self) -> None:
        """Shut the socket down from any thread: the owner's recv returns, the client sees the connection end."""
        with contextlib.suppress(OSError):
            self._control.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(OSError):
            self._control.close()


@dataclass
class _Host:
    """A computer the phone trusts, as the phone stored it when it paired."""

    host_id: str
    host_certificate: bytes
    device_certificate: bytes
    root_certificate: bytes
    escrow_bag: bytes
    _tls: ssl.SSLContext | None = None

    def tls(self, device_key: rsa.RSAPrivateKey) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = server_tls_context(self.device_certificate, device_key, self.host_certificate)
        return self._tls


@dataclass
class _PendingService:
    name: str
    spec: Service
    host: _Host


class _Device:
    """The state of one phone while the server runs."""

    def __init__(self, scenario: Scenario, device_id: int) -> None:
        self.scenario = scenario.copy()
        self.udid = scenario.udid
        self.device_id = device_id
        self.key = cached_key(scenario.udid)
        self.values: dict[str, Any] = copy.deepcopy(scenario.values)
        self.values["DevicePublicKey"] = device_public_key_pem(self.key)
        self.domains: dict[str, dict[str, Any]] = copy.deepcopy(scenario.domains)
        self.apps: list[dict[str, Any]] = copy.deepcopy(scenario.apps)
        self.provisioning: list[bytes] = [
            profile if isinstance(profile, bytes) else cms_wrap(plistlib.dumps(profile))
            for profile in scenario.provisioning_profiles
        ]
        self.hosts: dict[str, _Host] = {}
        self.pair_requests = 0
        self.attached = scenario.attached
        self.ports: dict[int, _PendingService] = {}
        self.next_port = 49152 + 1000 * device_id
        self.connections: set[_Connection] = set()

    def trust(self, record: dict[str, Any]) -> _Host:
        host = _Host(
            host_id=record["HostID"],
            host_certificate=record["HostCertificate"],
            device_certificate=record["DeviceCertificate"],
            root_certificate=record["RootCertificate"],
            escrow_bag=record.get("EscrowBag") or _escrow_bag(self.udid, record["HostID"]),
        )
        self.hosts[host.host_id] = host
        return host

    def device_record(self) -> dict[str, Any]:
        """A usbmuxd device entry (ListDevices, and the Attached messages of Listen)."""
        return {
            "DeviceID": self.device_id,
            "MessageType": "Attached",
            "Properties": {
                "ConnectionSpeed": USB_HIGH_SPEED,
                "ConnectionType": self.scenario.connection_type,
                "DeviceID": self.device_id,
                "LocationID": self.scenario.location_id + self.device_id,
                "ProductID": self.scenario.product_id,
                "SerialNumber": self.udid,
                "USBSerialNumber": self.udid.replace("-", ""),
            },
        }


def _escrow_bag(udid: str, host_id: str) -> bytes:
    """A stand-in for the device's escrow keybag (a few hundred opaque bytes on a real phone)."""
    seed = f"{udid}/{host_id}".encode()
    return b"".join(hashlib.sha256(seed + bytes([i])).digest() for i in range(12))


def _as_set(value: Any) -> set[str] | None:
    """installation_proxy accepts an array of strings or a single string for list options."""
    if value is None:
        return None
    if isinstance(value, str):
        return {value}
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return set(value)
    return None


def select_apps(apps: Sequence[dict[str, Any]], options: dict[str, Any]) -> list[dict[str, Any]]:
    """The app records installation_proxy returns for Browse/Lookup ``ClientOptions`` (iOS 18.2 behaviour).

    ApplicationType: absent = every type, "Any" = System + Internal + User, else that type, any other value =
    nothing. App Clips, launch-prohibited apps, Swift Playgrounds apps and placeholders only with their Show*
    option (its presence, whatever its value); placeholders come after the other apps. BundleIDs limits to those
    apps; Attribute keeps only apps that have every named key. Without ReturnAttributes every key but the
    expensive ones; with it, only the named keys (expensive ones included when named).
    """
    app_type = options.get("ApplicationType")
    if app_type is not None and app_type not in APPLICATION_TYPES:
        return []
    bundle_ids = _as_set(options.get("BundleIDs"))
    required = _as_set(options.get("Attribute"))
    wanted = _as_set(options.get("ReturnAttributes"))
    ordered = [app for app in apps if not app.get("IsPlaceholder")]
    if "ShowPlaceholders" in options:
        ordered += [app for app in apps if app.get("IsPlaceholder")]
    result = []
    for app in ordered:
        if bundle_ids is not None and app.get("CFBundleIdentifier") not in bundle_ids:
            continue
        kind = app.get("ApplicationType")
        if app_type == "Any" and kind not in ("System", "Internal", "User"):
            continue
        if app_type not in (None, "Any") and kind != app_type:
            continue
        if app.get("LSApplicationLaunchProhibited") and "ShowLaunchProhibitedApps" not in options:
            continue
        if app.get("IsAppClip") and "ShowAppClips" not in options:
            continue
        if app.get("IsSwiftPlaygroundsApp") and "ShowSwiftPlaygroundsApps" not in options:
            continue
        record = {k: v for k, v in app.items() if k not in EXPENSIVE_ATTRIBUTES or (wanted and k in wanted)}
        if required and any(key not in record for key in required):
            continue
        if wanted is not None:
            record = {k: v for k, v in record.items() if k in wanted}
        result.append(record)
    return result


def _profile_uuid(blob: bytes) -> str | None:
    with contextlib.suppress(IndexError, ValueError, plistlib.InvalidFileException):
        xml = b"<?xml" + blob.split(b"<?xml", 1)[1]
        xml = xml.split(b"</plist>", 1)[0] + b"</plist>"
        value = plistlib.loads(xml)
        if isinstance(value, dict) and isinstance(value.get("UUID"), str):
            return value["UUID"]
    return None


class FakeIPhone(FakeServer):
    """A fake usbmuxd serving the phones of ``scenarios`` (one Scenario, or a list: empty = no phone attached).

    What a test can look at, all safe to read from the test thread:
      address          "127.0.0.1:<port>", for USBMUXD_SOCKET_ADDRESS
      udid             the first phone's UDID
      udids            every phone's UDID
      buid             usbmuxd's system BUID (ReadBUID)
      log              every Request, in arrival order
      tls_connections  every connection that ran over TLS (TlsConnection)
      pair_records     UDID -> the pair record usbmuxd holds (a dict, as SavePairRecord stored it)
      errors           why the fake dropped a connection that broke a protocol or a TLS handshake
    """

    def __init__(self, scenarios: Scenario | Sequence[Scenario], host: str = "127.0.0.1", buid: str = DEFAULT_BUID):
        scenario_list = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
        if len({scenario.udid for scenario in scenario_list}) != len(scenario_list):
            raise ValueError("two phones share a UDID")
        self._init_server(host)
        self.buid = buid
        self.log: list[Request] = []
        self.tls_connections: list[TlsConnection] = []
        self.pair_records: dict[str, dict[str, Any]] = {}
        self.errors: list[str] = []
        self._devices = [_Device(scenario, index + 1) for index, scenario in enumerate(scenario_list)]
        for device in self._devices:
            if device.scenario.trusted:
                record = make_pair_record(
                    device.udid,
                    host_id=DEFAULT_HOST_ID,
                    system_buid=buid,
                    wifi_mac=str(device.values.get("WiFiAddress", "")),
                    escrow_bag=_escrow_bag(device.udid, DEFAULT_HOST_ID),
                )
                self.pair_records[device.udid] = record
                device.trust(record)
        self._listeners: set[_Connection] = set()

    # --- What tests read --------------------------------------------------------------------------------------------

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def udids(self) -> list[str]:
        return [device.udid for device in self._devices]

    @property
    def udid(self) -> str:
        if not self._devices:
            raise LookupError("this FakeIPhone has no phone")
        return self._devices[0].udid

    def requests(self, channel: str | None = None, udid: str | None = None) -> list[Request]:
        with self._lock:
            return [
                r
                for r in self.log
                if (channel is None or r.channel == channel) and (udid is None or r.udid in (udid, ""))
            ]

    def names(self, channel: str) -> list[str]:
        """The request names on one channel, in order: ``phone.names("lockdown")``."""
        return [r.name for r in self.requests(channel)]

    def writes(self) -> list[Request]:
        """Every request that was not read-only (see READ_ONLY)."""
        return [r for r in self.requests() if not r.read_only]

    def trusted_hosts(self, udid: str | None = None) -> list[str]:
        """The HostIDs the phone trusts now (Pair adds one, Unpair removes one)."""
        with self._lock:
            return sorted(self._device(udid).hosts)

    def values(self, udid: str | None = None) -> dict[str, Any]:
        """A copy of the phone's default lockdown domain as it is now (SetValue changes it)."""
        with self._lock:
            return copy.deepcopy(self._device(udid).values)

    def unplug(self, udid: str | None = None) -> None:
        """Pull the cable: every connection to the phone ends at once; usbmuxd stops listing it."""
        device = self._device(udid)
        with self._lock:
            if not device.attached:
                return
            device.attached = False
            device.ports.clear()
            connections = list(device.connections)
            listeners = list(self._listeners)
        for conn in connections:
            conn.hang_up()
        self._notify(listeners, {"DeviceID": device.device_id, "MessageType": "Detached"})

    def plug_in(self, udid: str | None = None) -> None:
        device = self._device(udid)
        with self._lock:
            if device.attached:
                return
            device.attached = True
            listeners = list(self._listeners)
        self._notify(listeners, device.device_record())

    def _device(self, udid: str | None) -> _Device:
        for device in self._devices:
            if udid is None or device.udid == udid:
                return device
        raise LookupError(f"no phone {udid!r}")

    # --- Life cycle (tests/fakeserver.py) --------------------------------------------------------------------------

    thread_name = "fakeios-usbmuxd"

    def _connection(self, sock: socket.socket) -> _Connection:
        conn = _Connection(sock)
        conn.thread = threading.Thread(target=self._serve, args=(conn,), name=f"fakeios-conn-{self.port}", daemon=True)
        return conn

    def _serve(self, conn: _Connection) -> None:
        try:
            self._serve_usbmux(conn)
        except _Closed:
            pass
        except ProtocolError as exc:
            self._error(f"{conn.channel}: {exc}")
        except ssl.SSLError as exc:
            self._error(f"{conn.channel}: TLS failed: {exc}")
        except Exception as exc:  # a bug in the fake must not become an unhandled-thread warning
            self._error(f"{conn.channel}: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._listeners.discard(conn)
                if conn.device is not None:
                    conn.device.connections.discard(conn)
            conn.close()

    def _error(self, message: str) -> None:
        if not self._stopping.is_set():
            with self._lock:
                self.errors.append(message)

    def _record(self, channel: str, name: str, detail: dict[str, Any], udid: str = "") -> None:
        with self._lock:
            self.log.append(Request(channel, name, detail, udid))

    def _notify(self, listeners: list[_Connection], message: dict[str, Any]) -> None:
        for conn in listeners:
            with contextlib.suppress(_Closed):
                conn.send(usbmux_plist(0, message))

    # --- usbmuxd ---------------------------------------------------------------------------------------------------

    def _serve_usbmux(self, conn: _Connection) -> None:
        while True:
            version, message, tag, payload = read_usbmux_message(conn.recv_exactly)
            if version == USBMUX_VERSION_BINARY:
                self._record("usbmuxd", f"binary message {message}", {})
                conn.send(usbmux_binary_result(tag, RESULT_BADVERSION))
                continue
            if version != USBMUX_VERSION_PLIST or message != USBMUX_MESSAGE_PLIST:
                raise ProtocolError(f"usbmuxd message version {version}, type {message}")
            try:
                request = plistlib.loads(payload)
            except Exception as exc:
                raise ProtocolError(f"usbmuxd payload is not a property list: {exc}") from exc
            if not isinstance(request, dict):
                raise ProtocolError("usbmuxd payload is not a dictionary")
            kind = str(request.get("MessageType", ""))
            handler = self._USBMUX_HANDLERS.get(kind)
            if handler is None:
                self._record("usbmuxd", kind, {})
                conn.send(usbmux_result(tag, RESULT_BADCOMMAND))
                continue
            if handler(self, conn, tag, request):
                return  # the socket now belongs to the device (Connect) or to device events (Listen)

    def _mux_read_buid(self, conn: _Connection, tag: int, request: dict[str, Any]) -> bool:
        self._record("usbmuxd", "ReadBUID", {})
        conn.send(usbmux_plist(tag, {"BUID": self.buid}))
        return False

    def _mux_list_devices(self, conn: _Connection, tag: int, request: dict[str, Any]) -> bool:
        self._record("usbmuxd", "ListDevices", {})
        with self._lock:
            devices = [device.device_record() for device in self._devices if device.attached]
        conn.send(usbmux_plist(tag, {"DeviceList": devices}))
        return False

    def _mux_listen(self, conn: _Connection, tag: int, request: dict[str, Any]) -> bool:
        self._record("usbmuxd", "Listen", {})
        conn.send(usbmux_result(tag, RESULT_OK))
        with self._lock:
            attached = [device.device_record() for device in self._devices if device.attached]
            self._listeners.add(conn)
        for record in attached:
            conn.send(usbmux_plist(0, record))
        conn.drain()  # a listening client sends nothing more; events go out from other threads
        return True

    def _mux_read_pair_record(self, conn: _Connection, tag: int, request: dict[str, Any]) -> bool:
        record_id = str(request.get("PairRecordID", ""))
        self._record("usbmuxd", "ReadPairRecord", {"PairRecordID": record_id}, self._known_udid(record_id))
        with self._lock:
            record = self.pair_records.get(record_id)
        if record is None:
            conn.send(usbmux_result(tag, RESULT_ENOENT))
        else:
            conn.send(usbmux_plist(tag, {"PairRecordData": plistlib.dumps(record)}))
        return False

    def _mux_save_pair_record(self, conn: _Connection, tag: int, request: dict[str, Any]) -> bool:
        record_id = str(request.get("PairRecordID", ""))
        device_id = request.get("DeviceID")
        self._record(
            "usbmuxd", "SavePairRecord", {"PairRecordID": record_id, "DeviceID": device_id}, self._known_udid(record_id)
        )
        data = request.get("PairRecordData")
        try:
            record = plistlib.loads(data) if isinstance(data, bytes) else None
        except Exception:
            record = None
        if not record_id or not isinstance(record, dict):
            conn.send(usbmux_result(tag, RESULT_BADCOMMAND))
            return False
        with self._lock:
            self.pair_records[record_id] = record
            listeners = list(self._listeners)
        conn.send(usbmux_result(tag, RESULT_OK))
        if isinstance(device_id, int):
            self._notify(listeners, {"DeviceID": device_id, "MessageType": "Paired"})
        return False

    def _mux_delete_pair_record(self, conn: _Connection, tag: int, request: dict[str, Any]) -> bool:
        record_id = str(request.get("PairRecordID", ""))
        self._record("usbmuxd", "DeletePairRecord", {"PairRecordID": record_id}, self._known_udid(record_id))
        with self._lock:
            removed = self.pair_records.pop(record_id, None)
        conn.send(usbmux_result(tag, RESULT_OK if removed is not None else RESULT_ENOENT))
        return False

    def _mux_connect(self, conn: _Connection, tag: int, request: dict[str, Any]) -> bool:
        device_id = request.get("DeviceID")
        port_number = request.get("PortNumber")
        port = socket.ntohs(port_number & 0xFFFF) if isinstance(port_number, int) else None
        device = next((d for d in self._devices if d.device_id == device_id), None)
        self._record("usbmuxd", "Connect", {"DeviceID": device_id, "Port": port}, device.udid if device else "")
        if port is None:
            conn.send(usbmux_result(tag, RESULT_BADCOMMAND))
            return False
        with self._lock:
            if device is None or not device.attached:
                target = None
                result = RESULT_BADDEV
            elif port == LOCKDOWN_PORT:
                target = self._lockdown_target(device)
                result = RESULT_OK
            else:
                pending = device.ports.pop(port, None)
                target = self._service_target(device, pending) if pending else None
                result = RESULT_OK if pending else RESULT_CONNREFUSED
            if target is not None and device is not None:
                conn.device = device
                device.connections.add(conn)
        conn.send(usbmux_result(tag, result))
        if target is None:
            return False
        target(conn)
        return True

    def _known_udid(self, udid: str) -> str:
        return udid if any(device.udid == udid for device in self._devices) else ""

    _USBMUX_HANDLERS: dict[str, Callable[[FakeIPhone, _Connection, int, dict[str, Any]], bool]] = {
        "ReadBUID": _mux_read_buid,
        "ListDevices": _mux_list_devices,
        "Listen": _mux_listen,
        "ReadPairRecord": _mux_read_pair_record,
        "SavePairRecord": _mux_save_pair_record,
        "DeletePairRecord": _mux_delete_pair_record,
        "Connect": _mux_connect,
    }

    # --- lockdownd -------------------------------------------------------------------------------------------------

    def _lockdown_target(self, device: _Device) -> Callable[[_Connection], None]:
        return lambda conn: _Lockdown(self, device, conn).serve()

    def _start_tls(self, conn: _Connection, device: _Device, host: _Host) -> None:
        tls = conn.start_tls(host.tls(device.key))
        cipher = tls.cipher()
        with self._lock:
            self.tls_connections.append(
                TlsConnection(conn.channel, device.udid, tls.version() or "", cipher[0] if cipher else "", host.host_id)
            )

    # --- Services --------------------------------------------------------------------------------------------------

    def _service_target(self, device: _Device, pending: _PendingService) -> Callable[[_Connection], None]:
        def run(conn: _Connection) -> None:
            conn.channel = pending.name
            if pending.spec.ssl:
                self._start_tls(conn, device, pending.host)
            handler = {
                "installation_proxy": self._installation_proxy,
                "mcinstall": self._mcinstall,
                "misagent": self._misagent,
            }.get(pending.spec.kind)
            if handler is None:
                conn.drain()  # e.g. afc2: started and connected, nothing more is asked of it here
            else:
                handler(device, conn, pending.name)

        return run

    def _installation_proxy(self, device: _Device, conn: _Connection, channel: str) -> None:
        while True:
            request = read_plist_frame(conn.recv_exactly)
            command = str(request.get("Command", ""))
            options = request.get("ClientOptions")
            options = options if isinstance(options, dict) else {}
            detail: dict[str, Any] = {"ClientOptions": copy.deepcopy(options)}
            if "ApplicationIdentifier" in request:
                detail["ApplicationIdentifier"] = request["ApplicationIdentifier"]
            self._record(channel, command, detail, device.udid)
            if command == "Browse":
                self._browse(device, conn, options)
            elif command == "Lookup":
                with self._lock:
                    records = select_apps(device.apps, options)
                result = {record.get("CFBundleIdentifier", ""): record for record in records}
                conn.send(plist_frame({"Status": "Complete", "LookupResult": result}))
            elif command in INSTALLATION_PROXY_WRITES:
                conn.send(plist_frame({"Error": "APIInternalError"}))  # the fake never changes its apps
            else:
                conn.send(plist_frame({"Error": "UnknownCommand"}))

    def _browse(self, device: _Device, conn: _Connection, options: dict[str, Any]) -> None:
        with self._lock:
            records = select_apps(device.apps, options)
        unplug_after = device.scenario.unplug_after_chunks
        for chunk_number, start in enumerate(range(0, len(records), BROWSE_CHUNK), start=1):
            if device.scenario.browse_chunk_delay and self._stopping.wait(device.scenario.browse_chunk_delay):
                raise _Closed("stopping")
            chunk = records[start : start + BROWSE_CHUNK]
            conn.send(
                plist_frame(
                    {
                        "Status": "BrowsingApplications",
                        "CurrentIndex": start,
                        "CurrentAmount": len(chunk),
                        "CurrentList": chunk,
                    }
                )
            )
            if unplug_after is not None and chunk_number >= unplug_after:
                self.unplug(device.udid)
                raise _Closed("unplugged mid-Browse")
        conn.send(plist_frame({"Status": "Complete"}))

    def _mcinstall(self, device: _Device, conn: _Connection, channel: str) -> None:
        scenario = device.scenario
        while True:
            request = read_plist_frame(conn.recv_exactly)
            kind = str(request.get("RequestType", ""))
            detail = {k: v for k, v in request.items() if k != "RequestType"}
            self._record(channel, kind, detail, device.udid)
            if kind == "HelloHostIdentifier":
                reply: dict[str, Any] = {"Status": "Acknowledged"}
            elif kind == "GetProfileList":
                reply = {
                    "Status": "Acknowledged",
                    "ProfileManifest": {
                        p.identifier: {"Description": p.display_name, "IsActive": True} for p in scenario.profiles
                    },
                    "ProfileMetadata": {p.identifier: _profile_metadata(p) for p in scenario.profiles},
                    "OrderedIdentifiers": [p.identifier for p in scenario.profiles],
                }
            elif kind == "GetCloudConfiguration":
                reply = {"Status": "Acknowledged"}
                if scenario.cloud_configuration is not None:
                    reply["CloudConfiguration"] = copy.deepcopy(scenario.cloud_configuration)
            elif not kind:
                reply = {"Status": "CommandFormatError"}
            else:
                reply = {
                    "Status": "Error",
                    "ErrorChain": [
                        {
                            "ErrorCode": 4001,
                            "ErrorDomain": "MCInstallationErrorDomain",
                            "LocalizedDescription": f"The request “{kind}” could not be completed.",
                            "USEnglishDescription": f"The request “{kind}” could not be completed.",
                        }
                    ],
                }
            conn.send(plist_frame(reply))

    def _misagent(self, device: _Device, conn: _Connection, channel: str) -> None:
        while True:
            request = read_plist_frame(conn.recv_exactly)
            kind = str(request.get("MessageType", ""))
            detail = {k: v for k, v in request.items() if k in ("ProfileType", "ProfileID")}
            self._record(channel, kind, detail, device.udid)
            reply: dict[str, Any] = {"MessageType": "Response", "Status": MISAGENT_BAD_REQUEST}
            if request.get("ProfileType") == "Provisioning":
                with self._lock:
                    if kind == "CopyAll":
                        reply = {"MessageType": "Response", "Status": 0, "Payload": list(device.provisioning)}
                    elif kind == "Install" and isinstance(request.get("Profile"), bytes):
                        device.provisioning.append(request["Profile"])
                        reply["Status"] = 0
                    elif kind == "Remove" and isinstance(request.get("ProfileID"), str):
                        device.provisioning = [
                            b for b in device.provisioning if _profile_uuid(b) != request["ProfileID"]
                        ]
                        reply["Status"] = 0
            conn.send(plist_frame(reply))


def _profile_metadata(profile: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"PayloadUUID": profile.uuid, "PayloadDisplayName": profile.display_name}
    if profile.organization is not None:
        metadata["PayloadOrganization"] = profile.organization
    if profile.description is not None:
        metadata["PayloadDescription"] = profile.description
    metadata["PayloadVersion"] = profile.version
    metadata["PayloadRemovalDisallowed"] = profile.removal_disallowed
    return metadata


class _Lockdown:
    """lockdownd for one connection: the session lives here, pairing state on the device."""

    def __init__(self, server: FakeIPhone, device: _Device, conn: _Connection) -> None:
        self.server = server
        self.device = device
        self.conn = conn
        self.session_id: str | None = None
        self.session_host: _Host | None = None

    def serve(self) -> None:
        self.conn.channel = "lockdown"
        while True:
            request = read_plist_frame(self.conn.recv_exactly)
            name = request.get("Request")
            name = name if isinstance(name, str) else ""
            self.server._record("lockdown", name, _lockdown_detail(request), self.device.udid)
            handler = _LOCKDOWN_HANDLERS.get(name)
            with self.server._lock:
                reply = handler(self, request) if handler else self._error(name or "", INVALID_REQUEST)
            self.conn.send(plist_frame(reply))
            if name == "StartSession" and "Error" not in reply:
                assert self.session_host is not None
                self.server._start_tls(self.conn, self.device, self.session_host)
            elif name == "Goodbye":
                return

    @staticmethod
    def _error(request: str, error: str) -> dict[str, Any]:
        return {"Request": request, "Error": error}

    def _query_type(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"Request": "QueryType", "Type": "com.apple.mobile.lockdown"}

    def _get_value(self, request: dict[str, Any]) -> dict[str, Any]:
        domain = request.get("Domain") or None
        key = request.get("Key") or None
        reply: dict[str, Any] = {"Request": "GetValue"}
        if domain is not None:
            reply["Domain"] = domain
        if key is not None:
            reply["Key"] = key
        values = self.device.values
        if self.session_id is None:
            if domain is None and key is None:
                reply["Value"] = {k: copy.deepcopy(values[k]) for k in IDENTITY_KEYS if k in values}
                return reply
            allowed = key in PRE_SESSION_KEYS if domain is None else domain in PRE_SESSION_DOMAINS
            if not allowed:
                return {**reply, "Error": GET_PROHIBITED}
        source = values if domain is None else self.device.domains.get(domain)
        if key is None:
            if source is not None and domain not in EMPTY_WHOLE_DOMAINS:
                reply["Value"] = copy.deepcopy(source)
            return reply
        if source is None or key not in source:
            return {**reply, "Error": MISSING_VALUE}
        reply["Value"] = copy.deepcopy(source[key])
        return reply

    def _set_value(self, request: dict[str, Any]) -> dict[str, Any]:
        domain = request.get("Domain") or None
        key = request.get("Key") or None
        reply: dict[str, Any] = {"Request": "SetValue"}
        if domain is not None:
            reply["Domain"] = domain
        if key is not None:
            reply["Key"] = key
        if domain is None and key == "UntrustedHostBUID":
            return reply  # accepted before a session; not a value the phone reports
        if self.session_id is None or key is None or "Value" not in request:
            return {**reply, "Error": SET_PROHIBITED}
        if domain is None and key in IDENTITY_KEYS and key != "DeviceName":
            return {**reply, "Error": "ImmutableValue"}
        target = self.device.values if domain is None else self.device.domains.setdefault(domain, {})
        target[key] = copy.deepcopy(request["Value"])
        return reply

    def _remove_value(self, request: dict[str, Any]) -> dict[str, Any]:
        domain = request.get("Domain") or None
        key = request.get("Key") or None
        if self.session_id is None or key is None:
            return self._error("RemoveValue", REMOVE_PROHIBITED)
        target = self.device.values if domain is None else self.device.domains.get(domain, {})
        if key not in target:
            return self._error("RemoveValue", MISSING_VALUE)
        del target[key]
        return {"Request": "RemoveValue", **({"Domain": domain} if domain else {}), "Key": key}

    def _pair(self, request: dict[str, Any]) -> dict[str, Any]:
        record = request.get("PairRecord")
        if not isinstance(record, dict):
            return self._error("Pair", MISSING_PAIR_RECORD)
        host_id = record.get("HostID")
        if not isinstance(host_id, str) or not host_id:
            return self._error("Pair", "MissingHostID")
        known = self.device.hosts.get(host_id)
        if known is None:  # a new computer: the person sees the Trust dialog
            mode = self.device.scenario.pairing
            if mode == "locked":
                return self._error("Pair", PASSWORD_PROTECTED)
            if mode == "denied":
                return self._error("Pair", USER_DENIED_PAIRING)
            if mode == "pending":
                return self._error("Pair", PAIRING_DIALOG_PENDING)
            if mode == "pending-then-accept":
                self.device.pair_requests += 1
                if self.device.pair_requests <= self.device.scenario.pending_answers:
                    return self._error("Pair", PAIRING_DIALOG_PENDING)
        needed = ("DeviceCertificate", "HostCertificate", "RootCertificate")
        if not all(isinstance(record.get(k), bytes) for k in needed) or not certificate_matches_key(
            record["DeviceCertificate"], self.device.key
        ):
            return self._error("Pair", INVALID_PAIR_RECORD)
        host = self.device.trust({**record, "EscrowBag": known.escrow_bag if known else None})
        return {"Request": "Pair", "EscrowBag": host.escrow_bag}

    def _validate_pair(self, request: dict[str, Any]) -> dict[str, Any]:
        record = request.get("PairRecord")
        host_id = record.get("HostID") if isinstance(record, dict) else None
        if host_id not in self.device.hosts:
            return self._error("ValidatePair", INVALID_HOST_ID)
        return {"Request": "ValidatePair"}

    def _unpair(self, request: dict[str, Any]) -> dict[str, Any]:
        record = request.get("PairRecord")
        host_id = record.get("HostID") if isinstance(record, dict) else None
        if host_id not in self.device.hosts:
            return self._error("Unpair", INVALID_HOST_ID)
        del self.device.hosts[host_id]
        return {"Request": "ValidatePair"}  # sic: lockdownd answers Unpair as ValidatePair (lockdown.c)

    def _start_session(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.session_id is not None:
            return self._error("StartSession", SESSION_ACTIVE)
        host = self.device.hosts.get(str(request.get("HostID", "")))
        if host is None:
            return self._error("StartSession", INVALID_HOST_ID)
        self.session_id = str(uuid.uuid4()).upper()
        self.session_host = host
        return {"Request": "StartSession", "SessionID": self.session_id, "EnableSessionSSL": True}

    def _stop_session(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.session_id is None:
            return self._error("StopSession", SESSION_INACTIVE)
        if request.get("SessionID") != self.session_id:
            return self._error("StopSession", INVALID_SESSION_ID)
        self.session_id = None  # the connection stays TLS (see the report: not how libimobiledevice ends it)
        return {"Request": "StopSession", "Result": "Success"}

    def _start_service(self, request: dict[str, Any]) -> dict[str, Any]:
        name = request.get("Service")
        if self.session_id is None or self.session_host is None:
            return self._error("StartService", SESSION_INACTIVE)
        spec = self.device.scenario.services.get(name) if isinstance(name, str) else None
        if spec is None or not isinstance(name, str):
            return self._error("StartService", INVALID_SERVICE)
        if self.device.scenario.service_locked(name) and request.get("EscrowBag") != self.session_host.escrow_bag:
            return self._error("StartService", PASSWORD_PROTECTED)
        port = self.device.next_port
        self.device.next_port += 1
        self.device.ports[port] = _PendingService(name, spec, self.session_host)
        reply: dict[str, Any] = {"Request": "StartService", "Service": name, "Port": port}
        if spec.ssl:
            reply["EnableServiceSSL"] = True
        return reply

    def _goodbye(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"Request": "Goodbye", "Result": "Success"}


_LOCKDOWN_HANDLERS: dict[str, Callable[[_Lockdown, dict[str, Any]], dict[str, Any]]] = {
    "QueryType": _Lockdown._query_type,
    "GetValue": _Lockdown._get_value,
    "SetValue": _Lockdown._set_value,
    "RemoveValue": _Lockdown._remove_value,
    "Pair": _Lockdown._pair,
    "ValidatePair": _Lockdown._validate_pair,
    "Unpair": _Lockdown._unpair,
    "StartSession": _Lockdown._start_session,
    "StopSession": _Lockdown._stop_session,
    "StartService": _Lockdown._start_service,
    "Goodbye": _Lockdown._goodbye,
}


def _lockdown_detail(request: dict[str, Any]) -> dict[str, Any]:
    """The fields of a lockdown request worth asserting on (never key material)."""
    detail: dict[str, Any] = {}
    for key in ("Domain", "Key", "Service", "HostID", "SystemBUID", "SessionID"):
        if key in request:
            detail[key] = request[key]
    if "Value" in request:
        detail["Value"] = copy.deepcopy(request["Value"])
    record = request.get("PairRecord")
    if isinstance(record, dict) and "HostID" in record:
        detail["HostID"] = record["HostID"]
    if "PairingOptions" in request:
        detail["PairingOptions"] = copy.deepcopy(request["PairingOptions"])
    if "EscrowBag" in request:
        detail["EscrowBag"] = True
    return detail
