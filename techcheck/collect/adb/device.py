"""Finding the phone: over TCP (``--tcp HOST:PORT``) or USB (``--serial``, or the only phone attached).

No Android platform-tools are needed: adb-shell's transports talk to the phone directly. On USB that
means the phone must not be held by an ``adb`` server already running on this computer.
"""

from __future__ import annotations

import re
from pathlib import Path

from techcheck.collect.adb.connection import AdbConnection, AdbError
from techcheck.collect.adb.keys import signer

_HOST_PORT = re.compile(r"^\[?([A-Za-z0-9.\-:]+?)\]?:(\d{1,5})$")


def parse_host_port(value: str) -> tuple[str, int]:
    match = _HOST_PORT.match(value.strip())
    if not match or not 0 < int(match.group(2)) < 65536:
        raise ValueError(value)
    return match.group(1), int(match.group(2))


def _usb_reason(exc: Exception) -> str:
    """libusb's error, as something a person can act on."""
    text = f"{exc.__class__.__name__} {exc} {getattr(exc, 'usb_error', '')}"
    for needle, reason in (
        ("Busy", "busy"),  # another program (usually an adb server) has the phone
        ("Access", "usb-permission"),  # Linux: no udev rule for this phone
        ("NotSupported", "driver"),  # Windows: no WinUSB driver for the phone's ADB interface
        ("NoDevice", "no-device"),
    ):
        if needle in text:
            return reason
    return "usb-error"


def usb_transport(serial: str | None):  # noqa: ANN201 - adb-shell's UsbTransport
    try:
        from adb_shell.transport.usb_transport import UsbTransport
    except ImportError as exc:  # libusb1 / libusb missing
        raise AdbError("usb-unavailable", str(exc)) from None
    try:
        devices = list(UsbTransport.find_all_adb_devices())
    except Exception as exc:  # noqa: BLE001 - libusb errors have many types
        raise AdbError(_usb_reason(exc), str(exc)) from None
    if serial:
        devices = [d for d in devices if _serial(d) == serial]
    if not devices:
        raise AdbError("no-device", serial or "")
    if len(devices) > 1:
        raise AdbError("several-devices", ", ".join(_serial(d) for d in devices))
    return devices[0]


def _serial(device: object) -> str:
    try:
        return str(getattr(device, "serial_number", "") or "")
    except Exception:  # noqa: BLE001
        return ""


class UsbGuard:
    """A USB transport whose connect errors (busy, permission, driver) become AdbError with a reason
    the CLI can explain."""

    def __init__(self, inner) -> None:  # noqa: ANN001 - adb-shell's UsbTransport
        self._inner = inner

    def connect(self, timeout: float) -> None:
        try:
            self._inner.connect(timeout)
        except Exception as exc:  # noqa: BLE001 - libusb errors have many types
            raise AdbError(_usb_reason(exc), str(exc)) from None

    def bulk_read(self, numbytes: int, timeout: float) -> bytes:
        return self._inner.bulk_read(numbytes, timeout)

    def bulk_write(self, data: bytes, timeout: float) -> int:
        return self._inner.bulk_write(data, timeout)

    def close(self) -> None:
        self._inner.close()


def open_connection(home: Path, serial: str | None = None, tcp: str | None = None) -> AdbConnection:
    """A connection object, not yet connected (call ``connect()``)."""
    if tcp:
        from adb_shell.transport.tcp_transport import TcpTransport

        host, port = parse_host_port(tcp)
        transport = TcpTransport(host, port)
    else:
        transport = UsbGuard(usb_transport(serial))
    return AdbConnection(transport, signer(home))
