"""The wire formats an iPhone and usbmuxd speak, and the key material of a fake device.

This module has no threads and keeps no state except a cache of RSA keys (key generation is the slow part of
a test): only byte layouts, so that it reads as a description of the protocols.

usbmuxd (on the computer)
-------------------------
Every message is a 16-byte little-endian header followed by a payload::

    uint32 length    the whole message, header included
    uint32 version   1 = the plist protocol (0 = the old binary protocol, not spoken here)
    uint32 message   8 = PLIST (replies to the binary protocol use 1 = RESULT)
    uint32 tag       chosen by the client; a reply carries the tag of its request, device events carry 0

The payload is an XML property list with a ``MessageType``:

    ReadBUID          -> {BUID}
    ListDevices       -> {DeviceList: [{MessageType: Attached, DeviceID, Properties: {SerialNumber, ...}}]}
    Listen            -> Result 0, then one Attached message per device, then Attached/Detached as they come
    ReadPairRecord    -> {PairRecordData: <plist bytes>}, or Result 2 (ENOENT) when usbmuxd holds none
    SavePairRecord    -> Result 0          (PairRecordID, PairRecordData, DeviceID)
    DeletePairRecord  -> Result 0, or 2
    Connect           -> Result 0, and from then on the socket is a raw pipe to that port of the device;
                         Result 2 (no such device) or 3 (connection refused: nothing listens on that port).
                         PortNumber is in network byte order: socket.htons(62078) for lockdownd.

A result is ``{MessageType: "Result", Number: n}``.

lockdownd and the device services (on the phone)
------------------------------------------------
Each message is a 4-byte big-endian length followed by that many bytes of property list (XML here). lockdownd
listens on port 62078 and answers ``{Request: <name>, ...}``, or ``{Request: <name>, Error: <string>}``. After a
``StartSession`` answered with ``EnableSessionSSL: true`` the same connection carries TLS; a service started
with ``EnableServiceSSL: true`` is TLS from its first byte. In both cases the device's certificate is the
``DeviceCertificate`` of the host's pair record (signed by the host's root key, holding the device's own public
key) and the host presents its ``HostCertificate``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import plistlib
import ssl
import struct
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization.pkcs7 import PKCS7Options, PKCS7SignatureBuilder
from cryptography.x509.oid import NameOID
from pymobiledevice3.ca import generate_pairing_cert_chain


class ProtocolError(Exception):
    """The peer broke the framing (bad length, not a property list): the device drops the connection."""


# --- usbmuxd ---------------------------------------------------------------------------------------------------

USBMUX_HEADER = struct.Struct("<IIII")  # length, version, message, tag
USBMUX_VERSION_BINARY = 0
USBMUX_VERSION_PLIST = 1
USBMUX_MESSAGE_RESULT = 1
USBMUX_MESSAGE_PLIST = 8
USBMUX_MAX_MESSAGE = 4 * 1024 * 1024  # a pair record is ~10 KiB; anything near this is garbage

# Result numbers (usbmuxd's "Number")
RESULT_OK = 0
RESULT_BADCOMMAND = 1
RESULT_BADDEV = 2
RESULT_CONNREFUSED = 3
RESULT_BADVERSION = 6
RESULT_ENOENT = 2  # ReadPairRecord / DeletePairRecord without a record: usbmuxd sends errno ENOENT

USB_PRODUCT_ID_IPHONE = 0x12A8  # every iPhone since the iPhone 5 enumerates with this USB product id
USB_HIGH_SPEED = 480_000_000


def read_usbmux_message(recv_exactly: Callable[[int], bytes]) -> tuple[int, int, int, bytes]:
    """One client message: (version, message, tag, payload)."""
    length, version, message, tag = USBMUX_HEADER.unpack(recv_exactly(USBMUX_HEADER.size))
    if length < USBMUX_HEADER.size or length > USBMUX_MAX_MESSAGE:
        raise ProtocolError(f"usbmuxd message of {length} bytes")
    payload = recv_exactly(length - USBMUX_HEADER.size) if length > USBMUX_HEADER.size else b""
    return version, message, tag, payload


def usbmux_plist(tag: int, body: dict[str, Any]) -> bytes:
    """A plist-protocol message from usbmuxd to a client."""
    payload = plistlib.dumps(body)
    header = USBMUX_HEADER.pack(USBMUX_HEADER.size + len(payload), USBMUX_VERSION_PLIST, USBMUX_MESSAGE_PLIST, tag)
    return header + payload


def usbmux_result(tag: int, number: int) -> bytes:
    return usbmux_plist(tag, {"MessageType": "Result", "Number": number})


def usbmux_binary_result(tag: int, number: int) -> bytes:
    """The binary protocol's RESULT message (only used to turn a binary-protocol client away)."""
    return USBMUX_HEADER.pack(USBMUX_HEADER.size + 4, USBMUX_VERSION_BINARY, USBMUX_MESSAGE_RESULT, tag) + struct.pack(
        "<I", number
    )


# --- lockdownd and the services ----------------------------------------------------------------------------------

LOCKDOWN_PORT = 62078
PLIST_LENGTH = struct.Struct(">I")
MAX_PLIST_FRAME = 16 * 1024 * 1024


def read_plist_frame(recv_exactly: Callable[[int], bytes]) -> dict[str, Any]:
    """One length-prefixed property list; anything but a dictionary is a protocol error."""
    (length,) = PLIST_LENGTH.unpack(recv_exactly(PLIST_LENGTH.size))
    if length == 0 or length > MAX_PLIST_FRAME:
        raise ProtocolError(f"a {length}-byte property list")
    payload = recv_exactly(length)
    try:
        value = plistlib.loads(payload)
    except Exception as exc:  # plistlib raises InvalidFileException, ExpatError, ValueError, ...
        raise ProtocolError(f"not a property list: {exc}") from exc
    if not isinstance(value, dict):
        raise ProtocolError(f"a property list of type {type(value).__name__}, not a dictionary")
    return value


def plist_frame(body: dict[str, Any]) -> bytes:
    payload = plistlib.dumps(body)
    return PLIST_LENGTH.pack(len(payload)) + payload


# What a host sees of the default domain without a session: exactly these 25 keys (facts doc 1.2), plus
# DevicePublicKey when it is asked for by name (hosts need it to pair).
IDENTITY_KEYS = (
    "BasebandCertId",
    "BasebandKeyHashInformation",
    "BasebandSerialNumber",
    "BasebandVersion",
    "BoardId",
    "BuildVersion",
    "CPUArchitecture",
    "ChipID",
    "DeviceClass",
    "DeviceColor",
    "DeviceName",
    "DieID",
    "HardwareModel",
    "HasSiDP",
    "PartitionType",
    "ProductName",
    "ProductType",
    "ProductVersion",
    "ProductionSOC",
    "ProtocolVersion",
    "SupportedDeviceFamilies",
    "TelephonyCapability",
    "UniqueChipID",
    "UniqueDeviceID",
    "WiFiAddress",
)
PRE_SESSION_KEYS = frozenset({*IDENTITY_KEYS, "DevicePublicKey"})
PRE_SESSION_DOMAINS = frozenset({"com.apple.mobile.iTunes"})  # answered without a session (libimobiledevice #1199)
EMPTY_WHOLE_DOMAINS = frozenset({"com.apple.fmip"})  # a whole-domain read returns nothing; by key works

# Lockdown error strings (libimobiledevice src/lockdown.c, pymobiledevice3)
PASSWORD_PROTECTED = "PasswordProtected"
PAIRING_DIALOG_PENDING = "PairingDialogResponsePending"
USER_DENIED_PAIRING = "UserDeniedPairing"
INVALID_HOST_ID = "InvalidHostID"
GET_PROHIBITED = "GetProhibited"
SET_PROHIBITED = "SetProhibited"
REMOVE_PROHIBITED = "RemoveProhibited"
MISSING_VALUE = "MissingValue"
INVALID_SERVICE = "InvalidService"
SESSION_ACTIVE = "SessionActive"
SESSION_INACTIVE = "SessionInactive"
INVALID_SESSION_ID = "InvalidSessionID"
MISSING_PAIR_RECORD = "MissingPairRecord"
INVALID_PAIR_RECORD = "InvalidPairRecord"
INVALID_REQUEST = "InvalidRequest"  # what this fake answers to a request it does not know (UNVERIFIED string)

# installation_proxy
BROWSE_CHUNK = 10  # a chunk is flushed every 10 apps
EXPENSIVE_ATTRIBUTES = frozenset(
    {
        "SharedDirSize",
        "DynamicDiskUsage",
        "StaticDiskUsage",
        "ApplicationSINF",
        "iTunesArtwork",
        "GeoJSON",
        "iTunesMetadata",
    }
)
APPLICATION_TYPES = frozenset({"Any", "System", "Internal", "User"})

# misagent: anything but Install/Remove/CopyAll of ProfileType "Provisioning" (0xE800800D as a signed int)
MISAGENT_BAD_REQUEST = -402620403


# --- Keys and certificates ---------------------------------------------------------------------------------------

_KEYS: dict[str, rsa.RSAPrivateKey] = {}
_KEYS_LOCK = threading.Lock()


def cached_key(name: str) -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, made once per test process for each ``name`` (a UDID, "provisioning", ...)."""
    with _KEYS_LOCK:
        if name not in _KEYS:
            _KEYS[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _KEYS[name]


def device_public_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    """``DevicePublicKey`` as lockdownd reports it: PKCS#1 ``-----BEGIN RSA PUBLIC KEY-----`` PEM, as data."""
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)


def private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@functools.lru_cache(maxsize=64)
def _pair_record_material(udid: str) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    device_pem = device_public_key_pem(cached_key(udid))
    return generate_pairing_cert_chain(device_pem, private_key=cached_key("host"))


def make_pair_record(udid: str, *, host_id: str, system_buid: str, wifi_mac: str, escrow_bag: bytes) -> dict[str, Any]:
    """The pair record a host keeps for a phone it has paired with, as pymobiledevice3 builds it (cached)."""
    host_cert, host_key, device_cert, root_cert, root_key = _pair_record_material(udid)
    return {
        "DeviceCertificate": device_cert,
        "EscrowBag": escrow_bag,
        "HostCertificate": host_cert,
        "HostID": host_id,
        "HostPrivateKey": host_key,
        "RootCertificate": root_cert,
        "RootPrivateKey": root_key,
        "SystemBUID": system_buid,
        "WiFiMACAddress": wifi_mac,
    }


def certificate_matches_key(certificate_pem: bytes, key: rsa.RSAPrivateKey) -> bool:
    """Does the DeviceCertificate a host sends in its Pair request hold this device's public key?"""
    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem)
    except ValueError:
        return False
    public = certificate.public_key()
    return isinstance(public, rsa.RSAPublicKey) and public.public_numbers() == key.public_key().public_numbers()


def server_tls_context(
    device_certificate: bytes, device_key: rsa.RSAPrivateKey, host_certificate: bytes
) -> ssl.SSLContext:
    """The device side of session and service TLS for one paired host.

    The device presents the DeviceCertificate of that host's pair record with its own private key, and
    accepts only the HostCertificate stored at pairing. (pymobiledevice3's pairing certificates have empty
    subjects, so OpenSSL takes the host certificate for self-signed and cannot chain it to the root: the
    host certificate itself is the trust anchor, with partial chains allowed.) TLS 1.2, as real devices speak.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA:@SECLEVEL=0")
    fd, path = tempfile.mkstemp(prefix="fakeios-", suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(device_certificate + b"\n" + private_key_pem(device_key))
        context.load_cert_chain(path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    context.verify_mode = ssl.CERT_REQUIRED
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    context.load_verify_locations(cadata=host_certificate.decode("ascii"))
    return context


# --- Provisioning profiles ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _profile_signer() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = cached_key("provisioning-profile-signing")
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Apple iPhone OS Provisioning Profile Signing"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Apple Inc."),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        ]
    )
    now = datetime(2024, 1, 1, tzinfo=timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x5B2C3D4E)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def cms_wrap(content: bytes) -> bytes:
    """A provisioning profile file: DER CMS SignedData with ``content`` (the XML plist) attached, as Apple signs
    them. Signed by a fake "Apple iPhone OS Provisioning Profile Signing" certificate."""
    certificate, key = _profile_signer()
    return (
        PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(certificate, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [PKCS7Options.Binary])
    )


def developer_certificate(common_name: str, team_id: str, organization: str) -> bytes:
    """A DER certificate for a profile's ``DeveloperCertificates`` (e.g. "iPhone Distribution: X (TEAMID)")."""
    key = cached_key("developer-certificates")
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.USER_ID, team_id),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, team_id),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        ]
    )
    issuer = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Apple Worldwide Developer Relations Certification Authority"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "G3"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Apple Inc."),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        ]
    )
    start = datetime(2025, 2, 3, tzinfo=timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(team_id.encode()[:8], "big"))
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)
