"""The file scan (one read per program: SHA-256 + YARA) over a desktop-sized set of programs.

Builds 70 programs of 8 MiB (read whole, hashed and given to YARA) and 6 of ~100 MiB (over the YARA
size cap: hashed in chunks), about 1.2 GiB in all, then scans them with the shipped rules (plus
Echap's rules.yar when ../shared is present). Prints wall, CPU and peak memory of the scanning process.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from techcheck.collect.files import MAX_SCAN_BYTES, scan_file  # noqa: E402
from techcheck.indicators import load_indicators  # noqa: E402
from techcheck.indicators.files import read_indicator_file  # noqa: E402
from techcheck.indicators.yara_rules import compile_rules  # noqa: E402


def build(folder: Path) -> list[Path]:
    files = []
    block = os.urandom(1024 * 1024)
    for i in range(70):
        path = folder / f"prog{i:02d}"
        with path.open("wb") as handle:
            for j in range(8):
                handle.write(bytes([i, j]) + block[2:])
        files.append(path)
    big_source = shutil.which("node")
    for i in range(6):
        path = folder / f"big{i}"
        if big_source:
            shutil.copy(big_source, path)
        else:
            with path.open("wb") as handle:
                for _ in range(100):
                    handle.write(block)
        files.append(path)
    return files


def main() -> None:
    indicators = load_indicators()
    echap_rules = ROOT.parent / "shared" / "data" / "echap" / "rules.yar"
    if echap_rules.is_file():
        indicators.yara.append(read_indicator_file(echap_rules, origin="echap").yara)
    rules = compile_rules(indicators.yara)
    with tempfile.TemporaryDirectory() as tmp:
        files = build(Path(tmp))
        total = sum(f.stat().st_size for f in files)
        for f in files:  # warm the page cache so the figure is about our work, not the disk
            f.read_bytes()
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        rows = [scan_file(str(f), rules) for f in files]
        wall = time.perf_counter() - start
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    yara_read = sum(1 for r in rows if r["size"] <= MAX_SCAN_BYTES)
    print(
        f"file scan {len(rows)} programs, {total / 2**30:.2f} GiB   wall {wall:.2f} s  cpu {cpu:.2f} s  "
        f"peak {usage1.ru_maxrss / 1024:.0f} MiB (whole process)  {yara_read} given to YARA "
        f"({len(indicators.yara)} rule files)"
    )


if __name__ == "__main__":
    main()
