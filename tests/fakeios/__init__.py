"""A fake iPhone for tests: a usbmuxd on 127.0.0.1 (TCP) with phones behind it that speak lockdownd and the
device services techcheck reads (installation_proxy, MCInstall, misagent, afc2), over real TLS, to the real
pymobiledevice3.

    from fakeios import FakeIPhone
    from iphones import clean_iphone

    with FakeIPhone(clean_iphone()) as phone:   # or FakeIPhone([]) / FakeIPhone([a, b]) for 0 or 2 phones
        monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", phone.address)
        lockdown = await create_using_usbmux(serial=phone.udid, pairing_records_cache_folder=tmp_path)
        ...
        phone.log              # [Request(channel="lockdown", name="GetValue", detail={"Key": ...}), ...]
        phone.tls_connections  # [TlsConnection(channel="lockdown", version="TLSv1.2", ...), ...]
        phone.pair_records     # {udid: pair record usbmuxd holds}

protocol.py describes the wire formats, server.py the behaviour, scenario.py what a test can configure;
tests/iphones.py builds realistic phones. What real iPhones answer: ../shared/reference/ios-lockdown-facts.md.
"""

from .protocol import IDENTITY_KEYS, LOCKDOWN_PORT, cms_wrap
from .scenario import (
    AFC2,
    ALL_SERVICES,
    DEFAULT_BUID,
    DEFAULT_HOST_ID,
    INSTALLATION_PROXY,
    MCINSTALL,
    MISAGENT,
    Profile,
    Scenario,
    Service,
    default_services,
)
from .server import READ_ONLY, FakeIPhone, Request, TlsConnection, select_apps

__all__ = [
    "AFC2",
    "ALL_SERVICES",
    "DEFAULT_BUID",
    "DEFAULT_HOST_ID",
    "IDENTITY_KEYS",
    "INSTALLATION_PROXY",
    "LOCKDOWN_PORT",
    "MCINSTALL",
    "MISAGENT",
    "READ_ONLY",
    "FakeIPhone",
    "Profile",
    "Request",
    "Scenario",
    "Service",
    "TlsConnection",
    "cms_wrap",
    "default_services",
    "select_apps",
]
