"""A fake adbd for tests: a server on 127.0.0.1 that speaks the real ADB wire protocol, playing a phone.

    from fakeadb import FakeAdbd, Response, Scenario

    scenario = Scenario(commands={"dumpsys package": Response(big_text, delay=0.5)}, files={"/sdcard/x": b"..."})
    with FakeAdbd(scenario) as phone:   # phone.port, phone.serial, phone.command_log, phone.sync_log
        ...

protocol.py describes the wire format, server.py the device's behaviour, scenario.py what a test can configure.
"""

from .protocol import decode_adb_public_key
from .scenario import SUPPORTED_FEATURES, Response, Scenario, not_found
from .server import FakeAdbd

__all__ = ["SUPPORTED_FEATURES", "FakeAdbd", "Response", "Scenario", "decode_adb_public_key", "not_found"]
