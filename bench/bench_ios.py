"""`techcheck scan ios` against the fake iPhone (usbmuxd + lockdown over TLS + services, real pymobiledevice3).

Targets (issue 4): a full checkup of a 150-app iPhone takes at most 3 s of tool time; `techcheck --help`
stays at most 0.3 s with pymobiledevice3 installed (bench_help.py). The fake answers at once, so the
figures are techcheck's own time (process start, imports, TLS, parsing, checks, report); a real iPhone
adds its own answer time on top, shown here with a per-chunk delay for the app list.

Run from the repository: python bench/bench_ios.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from _measure import measure, show  # noqa: E402
from fakeios import FakeIPhone  # noqa: E402
from iphones import clean_iphone, managed_iphone  # noqa: E402


def full_checkup(label: str, scenario: object, runs: int = 5) -> None:
    with FakeIPhone(scenario) as phone, tempfile.TemporaryDirectory() as tmp:
        env = {"TECHCHECK_HOME": f"{tmp}/home", "HOME": tmp, "USBMUXD_SOCKET_ADDRESS": phone.address}
        argv = [sys.executable, "-m", "techcheck", "scan", "ios", "--json", f"{tmp}/r.json", "--forget", "no"]
        figures = measure(argv, runs=runs, env=env)
        requests = len(phone.log) // runs
    show(f"{label} ({requests} requests)", figures, "<= 3 s")


def stages() -> None:
    """In one process: import, connect (TLS session), collect, parse + checks."""
    from techcheck.checks import IOS_CHECKS, run_checks
    from techcheck.indicators import load_indicators
    from techcheck.parse import parse_snapshot

    start = time.perf_counter()
    import pymobiledevice3.lockdown  # noqa: F401
    import pymobiledevice3.services.installation_proxy  # noqa: F401

    imported = time.perf_counter() - start
    from techcheck.collect.ios import IphoneSession

    indicators = load_indicators()
    with FakeIPhone(clean_iphone(150)) as phone, tempfile.TemporaryDirectory() as tmp:
        os.environ["USBMUXD_SOCKET_ADDRESS"] = phone.address
        with IphoneSession(home=Path(tmp)) as session:
            start = time.perf_counter()
            session.connect(wait=5)
            connected = time.perf_counter() - start
            start = time.perf_counter()
            snapshot = session.collect()
            collected = time.perf_counter() - start
    size = sum(len(a.content) for a in snapshot.artifacts)
    start = time.process_time()
    outcome = run_checks(IOS_CHECKS, parse_snapshot(snapshot), indicators)
    checked = time.process_time() - start
    print(
        f"stages, 150 apps: import pymobiledevice3 {imported:.2f} s, connect {connected:.2f} s, collect "
        f"{collected:.2f} s ({size / 1024:.0f} KiB kept), parse + checks {checked:.3f} s CPU, "
        f"{len(outcome.findings)} findings"
    )


if __name__ == "__main__":
    full_checkup("scan ios, 150 apps", clean_iphone(150))
    slow = clean_iphone(150)
    slow.browse_chunk_delay = 0.02
    full_checkup("scan ios, 150 apps, 20 ms per chunk", slow, runs=3)
    full_checkup("scan ios, managed iPhone", managed_iphone(), runs=3)
    stages()
