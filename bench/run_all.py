"""Run every benchmark and print the figures. Not part of the test suite (no timed assertions there)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = (
    ["bench_help.py"],
    ["bench_indicators.py"],
    ["bench_file_scan.py"],
    ["bench_scan_local.py"],
    ["bench_scan_local.py", "--desktop", "40"],
    ["bench_android.py"],
    ["bench_ios.py"],
    ["bench_readability.py"],
)

for args in RUNS:
    print(f"== {' '.join(args)}")
    subprocess.run([sys.executable, str(HERE / args[0]), *args[1:]], check=True)
