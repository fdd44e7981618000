"""`techcheck scan local` on this machine (targets: at most 10 s wall, at most 200 MB peak memory).

Usage: bench_scan_local.py [--desktop N] [HOME]
  --desktop N  first start N extra programs (copies of a ~100 MB program, each under its own name) so
               that the process list and the file scan look like a busy desktop's.
  HOME         scan with HOME set to this folder (default: the real home folder, read-only).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _measure import measure, show


def start_programs(folder: Path, count: int) -> list[subprocess.Popen]:
    source = shutil.which("node")
    procs = []
    for i in range(count):
        if source:
            copy = folder / f"desktop-app-{i}"
            shutil.copy(source, copy)
            procs.append(subprocess.Popen([str(copy), "-e", "setTimeout(() => {}, 600000)"]))
        else:
            procs.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"]))
    return procs


def main() -> None:
    args = sys.argv[1:]
    desktop = 0
    if args[:1] == ["--desktop"]:
        desktop, args = int(args[1]), args[2:]
    env = {"HOME": args[0]} if args else {}
    with tempfile.TemporaryDirectory() as tmp:
        procs = start_programs(Path(tmp), desktop)
        try:
            report = str(Path(tmp) / "report.json")
            figures = measure(
                [sys.executable, "-m", "techcheck", "scan", "local", "--json", report],
                runs=3,
                env={**env, "TECHCHECK_HOME": tmp},
            )
        finally:
            for proc in procs:
                proc.kill()
                proc.wait()
        label = f"techcheck scan local (+{desktop} programs)" if desktop else "techcheck scan local"
        show(label, figures, "<= 10 s, <= 200 MB")
        data = json.loads(Path(report).read_text(encoding="utf-8"))
        statuses: dict[str, int] = {}
        for check in data["checks"]:
            statuses[check["status"]] = statuses.get(check["status"], 0) + 1
        print(
            f"{'':<34} checks {statuses}, findings {len(data['findings'])}, "
            f"indicator entries {sum(int(s['entries']) for s in data['indicators'])}"
        )


if __name__ == "__main__":
    main()
