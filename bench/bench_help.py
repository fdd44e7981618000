"""`techcheck --help` start-up time (target: at most 0.3 s; heavy libraries are imported lazily)."""

from __future__ import annotations

import shutil
import sys

from _measure import measure, show


def main() -> None:
    show("python -m techcheck --help", measure([sys.executable, "-m", "techcheck", "--help"], runs=10), "<= 0.3 s")
    script = shutil.which("techcheck")
    if script:
        show("techcheck --help (console script)", measure([script, "--help"], runs=10), "<= 0.3 s")


if __name__ == "__main__":
    main()
