"""Indicator loading and lookups (targets: full Echap import at most 1 s; constant-time lookups).

Uses ../shared/data/echap when present, or a folder given as argument holding ioc.yaml and watchware.yaml.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from techcheck.indicators import Entry, IndicatorSet  # noqa: E402
from techcheck.indicators.files import read_indicator_file  # noqa: E402
from techcheck.indicators.store import load_shipped  # noqa: E402


def echap_import(folder: Path) -> None:
    files = [folder / "ioc.yaml", folder / "watchware.yaml"]
    if not all(f.is_file() for f in files):
        print(f"echap import: skipped ({folder} not found)")
        return
    times = []
    for _ in range(5):
        start = time.perf_counter()
        entries = [e for f in files for e in read_indicator_file(f, origin="echap").entries]
        ind = IndicatorSet(entries)
        times.append(time.perf_counter() - start)
    print(
        f"echap import (parse + index)        {min(times):.3f} s best, {max(times):.3f} s worst of 5; "
        f"{len(entries)} entries, {ind.count('packages')} packages, {ind.count('certificates')} certificates, "
        f"{ind.count('domains')} domains  target: <= 1 s"
    )
    start = time.perf_counter()
    shipped = IndicatorSet()
    load_shipped(shipped)
    print(
        f"shipped signatures load             {time.perf_counter() - start:.3f} s; {len(shipped.entries)} entries, "
        f"{len(shipped.yara)} YARA files"
    )


def lookups() -> None:
    for size in (1_000, 10_000, 100_000, 1_000_000):
        ind = IndicatorSet(
            [
                Entry(name=f"N{i}", type="stalkerware", origin="b", packages=(f"com.n{i}",), domains=(f"n{i}.example",))
                for i in range(size)
            ]
        )
        n = 200_000
        start = time.perf_counter()
        for _ in range(n):
            ind.package("com.n7")
        package_ns = (time.perf_counter() - start) / n * 1e9
        start = time.perf_counter()
        for _ in range(n):
            ind.domain("a.b.n7.example")
        domain_ns = (time.perf_counter() - start) / n * 1e9
        print(
            f"lookup with {size:>9,} entries       package {package_ns:6.0f} ns   domain (4 labels) {domain_ns:6.0f} ns"
        )


def memory() -> None:
    tracemalloc.start()
    ind = IndicatorSet()
    load_shipped(ind)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"shipped set in memory               {current / 1024:.0f} KiB (peak {peak / 1024:.0f} KiB)")


if __name__ == "__main__":
    echap_import(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "echap")
    lookups()
    memory()
