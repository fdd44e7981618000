"""Plain-language figures for every guide unit and message, per language (the gate is in
tests/test_readability.py: median at most grade 7, no unit of 8+ words above grade 9).

Run from the repository: python bench/bench_readability.py
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_readability import MIN_WORDS, UNIT_MAX, all_units  # noqa: E402

from techcheck.plan.guides import all_guide_ids  # noqa: E402
from techcheck.readability import counts, grade  # noqa: E402

NAMES = {"en": "English, Flesch-Kincaid", "es": "Spanish, INFLESZ as a grade"}

for lang in ("en", "es"):
    units = all_units(lang)
    grades = sorted(grade(text, lang) for _, text in units)
    gated = [grade(text, lang) for _, text in units if counts(text, lang)[1] >= MIN_WORDS]
    words = sum(counts(text, lang)[1] for _, text in units)
    print(
        f"{NAMES[lang]:<30} {len(all_guide_ids(lang))} guides, {len(units)} units, {words} words: "
        f"median grade {statistics.median(grades):.1f}, 90th percentile {grades[int(len(grades) * 0.9)]:.1f}, "
        f"hardest unit of {MIN_WORDS}+ words {max(gated):.1f} (limit {UNIT_MAX:.0f}), "
        f"{sum(g > UNIT_MAX for g in gated)} over the limit"
    )
