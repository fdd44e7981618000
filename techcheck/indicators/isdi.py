"""ISDi's app list (Cornell Tech's Intimate Partner Surveillance scanner, stopipv/isdi, ``app-flags.csv``).

A CSV of ``appId,store,flag,title``: App Store apps are iOS bundle ids, Play Store and off-store apps are
Android package names. ``stalkerware`` and ``spyware`` rows become stalkerware entries, ``dual-use`` rows
"can share your location or activity" entries, and ``safe`` rows are skipped. Imported at run time
(``--indicators`` or ``signatures update --from``), never shipped: the upstream licence files disagree.
"""

from __future__ import annotations

import csv
import io

from techcheck.indicators.entry import Entry, IndicatorError
from techcheck.text import clip

ISDI_LICENCE = "ISDi app list, Cornell Tech (stopipv/isdi; MIT per its LICENSE file)"
HEADER = ("appid", "store", "flag", "title")
FLAG_TYPES = {"stalkerware": "stalkerware", "spyware": "stalkerware", "dual-use": "dual-use"}
STORE_FIELDS = {"appstore": "bundle_ids", "playstore": "packages", "offstore": "packages"}
STORE_PLATFORMS = {"appstore": "ios", "playstore": "android", "offstore": "android"}


def is_isdi_csv(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0].strip().lower().replace(" ", "")
    return tuple(first.split(",")[:4]) == HEADER


def load_isdi(text: str, file: str, origin: str = "isdi") -> tuple[list[Entry], list[str]]:
    """Entries and warnings (rows we cannot use are counted in one warning, not refused one by one)."""
    rows = csv.reader(io.StringIO(text.lstrip()))
    next(rows, None)  # the header
    entries: list[Entry] = []
    skipped = 0
    for number, row in enumerate(rows, 2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) < 3:
            raise IndicatorError(file, f"line {number}: expected appId,store,flag,title")
        app_id, store, flag = row[0].strip(), row[1].strip().lower(), row[2].strip().lower()
        title = row[3].strip() if len(row) > 3 else ""
        kind, field = FLAG_TYPES.get(flag), STORE_FIELDS.get(store)
        if not app_id or kind is None or field is None:
            skipped += flag != "safe"
            continue
        entries.append(
            Entry(
                name=clip(title or app_id),
                type=kind,
                origin=origin,
                platforms=(STORE_PLATFORMS[store],),
                **{field: (clip(app_id),)},
                sources=("https://github.com/stopipv/isdi",),
            )
        )
    warnings = [f"{file}: {skipped} rows with an unknown store or flag were skipped"] if skipped else []
    return entries, warnings
