"""Run a command in a child process and measure wall time, CPU time and peak memory (Linux/macOS)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(argv: list[str], runs: int = 5, env: dict[str, str] | None = None) -> dict[str, float]:
    """Each run in a fresh process; reports the median wall time, median CPU time and the largest peak RSS."""
    walls, cpus, peaks = [], [], []
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **(env or {})}
    for _ in range(runs):
        start = time.perf_counter()
        # wait4 gives this child's own rusage, so peak memory is per run, not the max over all children.
        proc = subprocess.Popen(argv, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        peaks.append(usage.ru_maxrss / (1024 if sys.platform.startswith("linux") else 1024 * 1024))
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 4):
            raise SystemExit(f"{' '.join(argv)} exited with {code}")
    return {
        "wall_s": statistics.median(walls),
        "wall_max_s": max(walls),
        "cpu_s": statistics.median(cpus),
        "peak_mib": max(peaks),
        "runs": runs,
    }


def show(name: str, figures: dict[str, float], target: str) -> None:
    print(
        f"{name:<34} wall {figures['wall_s']:.3f} s (max {figures['wall_max_s']:.3f})  "
        f"cpu {figures['cpu_s']:.3f} s  peak {figures['peak_mib']:.1f} MiB  [{figures['runs']} runs]  target: {target}"
    )
