"""`techcheck scan android` against the fake phone with real-phone latencies.

Targets (issue 3): a 300-app phone with `dumpsys package` taking 3 s and the other commands 0.2-1 s
finishes within the longest command + 2 s; parsing and checking take at most 1 s of CPU; peak memory at
most 250 MB. Also: how long pulling and looking at an APK takes per MB.

Run from the repository: python bench/bench_android.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from apkbuilder import build_apk, fake_dex, make_key_and_cert  # noqa: E402
from fakeadb import FakeAdbd  # noqa: E402
from phones import LATENCIES, App, Phone, common_apps, scenario  # noqa: E402

from techcheck.collect.adb.keys import ensure_key  # noqa: E402


def phone_with(apps: list[App]) -> Phone:
    return Phone(apps=apps, location_uses={a.package: "bg" for a in apps[40:60]})


def full_checkup(home: Path) -> None:
    key, cert = make_key_and_cert("Bench")
    sideloaded = [
        App(
            f"com.bench.sideloaded{i}",
            installer="",
            apk=build_apk(None, f"com.bench.sideloaded{i}", fake_dex(b"x", size=2 << 20, seed=7), key, cert),
        )
        for i in range(3)
    ]
    phone = phone_with(common_apps(297) + sideloaded)
    latencies = {line: LATENCIES.get(line, 0.2 + (hash(line) % 9) / 10) for line in _lines(phone)}
    pub = Path(f"{ensure_key(home)}.pub").read_bytes()
    with (
        FakeAdbd(scenario(phone, latencies=latencies, trusted_keys=[pub])) as fake,
        tempfile.TemporaryDirectory() as tmp,
    ):
        env = {**os.environ, "TECHCHECK_HOME": str(home), "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
        start = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "techcheck",
                "scan",
                "android",
                "--tcp",
                f"127.0.0.1:{fake.port}",
                "--json",
                f"{tmp}/r.json",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        longest = max(latencies.values())
        print(
            f"full checkup, 300 apps (3 pulled)  wall {wall:.2f} s (longest command {longest:.1f} s; target <= "
            f"{longest + 2:.1f} s)  cpu {usage.ru_utime + usage.ru_stime:.2f} s  peak {usage.ru_maxrss / 1024:.0f} MiB"
            f"  exit {os.waitstatus_to_exitcode(status)}  commands sent {len(fake.command_log)}, "
            f"at once up to {fake.max_concurrent}"
        )


def _lines(phone: Phone) -> list[str]:
    from phones import outputs

    return list(outputs(phone))


def parse_and_check(home: Path) -> None:
    """CPU for the parse and checks rooms alone, on a 300-app snapshot collected without latency."""
    from techcheck.checks import ANDROID_CHECKS, run_checks
    from techcheck.collect.adb.connection import AdbConnection
    from techcheck.collect.adb.keys import signer
    from techcheck.collect.android import collect_android
    from techcheck.indicators import load_indicators
    from techcheck.parse import parse_snapshot

    phone = phone_with(common_apps(300))
    pub = Path(f"{ensure_key(home)}.pub").read_bytes()
    indicators = load_indicators()
    with FakeAdbd(scenario(phone, trusted_keys=[pub])) as fake:
        from adb_shell.transport.tcp_transport import TcpTransport

        connection = AdbConnection(TcpTransport("127.0.0.1", fake.port), signer(home))
        connection.connect()
        with connection:
            snapshot = collect_android(connection).snapshot
    size = sum(len(a.content) for a in snapshot.artifacts)
    best = None
    for _ in range(5):
        start = time.process_time()
        outcome = run_checks(ANDROID_CHECKS, parse_snapshot(snapshot), indicators)
        spent = time.process_time() - start
        best = spent if best is None else min(best, spent)
    print(
        f"parse + checks, 300 apps              cpu {best:.3f} s (target <= 1 s)  {size / 1024:.0f} KiB of output,"
        f" {len(outcome.findings)} findings"
    )


def apk_per_mb(home: Path) -> None:
    from techcheck.collect.adb.connection import AdbConnection
    from techcheck.collect.adb.keys import signer
    from techcheck.collect.android import AndroidCollection
    from techcheck.indicators import load_indicators
    from techcheck.indicators.yara_rules import compile_rules

    key, cert = make_key_and_cert("Bench")
    size_mb = 40
    apk = build_apk(None, "com.bench.big", fake_dex(b"x", size=size_mb << 20, seed=3), key, cert)
    app = App("com.bench.big", installer="", apk=apk)
    pub = Path(f"{ensure_key(home)}.pub").read_bytes()
    rules = compile_rules(load_indicators().yara)
    with FakeAdbd(scenario(Phone(apps=[app]), trusted_keys=[pub])) as fake, tempfile.TemporaryDirectory() as tmp:
        from adb_shell.transport.tcp_transport import TcpTransport

        connection = AdbConnection(TcpTransport("127.0.0.1", fake.port), signer(home))
        connection.connect()
        with connection:
            collection = AndroidCollection(connection=connection, rules=rules)
            start = time.perf_counter()
            row = collection.scan_apk(app.package, app.path, Path(tmp))
            wall = time.perf_counter() - start
    mb = len(apk) / (1 << 20)
    print(
        f"pull + hash + certificates + YARA   {wall / mb * 1000:.1f} ms per MB ({mb:.1f} MB APK, {wall:.2f} s; "
        f"over loopback; on a real phone the USB or Wi-Fi transfer adds to this)  note={row['note'] or '-'}"
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as home_dir:
        home = Path(home_dir)
        full_checkup(home)
        parse_and_check(home)
        apk_per_mb(home)
