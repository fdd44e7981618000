"""Quality gates on every word people read (guides and messages, English and Spanish).

Plain language: each unit (a paragraph, a list item or a numbered step of a guide; a message) is scored
with Flesch–Kincaid (en) or Fernández Huerta (es) — techcheck/readability.py. The median unit reads at
grade 7 or below, and no unit of 8 words or more reads above grade 9 (shorter units are scored in the
median only: one long word decides their grade). Menu paths in bold are the device's labels and are not
scored. Tone: no orders and no promises ("must", "have to", "you should", "clean", "victim").
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator

import pytest
import yaml

from techcheck.paths import data_dir
from techcheck.plan.guides import Guide, all_guide_ids, load_guide
from techcheck.readability import counts, grade, syllables_en, syllables_es

GUIDES = data_dir("guides")
MEDIAN_MAX, UNIT_MAX, MIN_WORDS = 7.0, 9.0, 8

TONE = {
    "en": [r"\bmust\b", r"\bhave to\b", r"\bhas to\b", r"\byou should\b", r"\bvictims?\b", r"\bclean\b"],
    "es": [r"\bdebes\b", r"\btienes que\b", r"\bhay que\b", r"\bvíctimas?\b", r"\blimpi[oa]s?\b", r"\bdeberías\b"],
}
# What may stay: a negation ("you do not have to do this alone") and technical requirements.
TONE_ALLOWED = {
    "en": [r"\b(?:do not|don't|does not|doesn't|not) (?:have|has) to\b", r"\bneeds iOS \d+"],
    "es": [r"\bno tienes que\b", r"\bno hay que\b", r"\bnecesita iOS \d+"],
}


def guide_units(guide: Guide) -> Iterator[str]:
    """Paragraphs, list items and numbered steps of every section and option, and the `seen` sentence."""
    if guide.seen:
        yield guide.seen
    for section in guide.sections.values():
        for body in (section.body, *(o.body for o in section.options)):
            for block in re.split(r"\n\s*\n", body):
                for item in re.split(r"\n(?=\s*(?:[-*]|\d+\.)\s)", block.strip()):
                    item = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", item).strip()
                    if item:
                        yield item


def message_units(lang: str) -> Iterator[str]:
    messages = yaml.safe_load((GUIDES / lang / "messages.yaml").read_text(encoding="utf-8"))
    for key, text in messages.items():
        if not key.startswith(("prompt.", "check.", "severity.", "status.", "category.", "reason.")):
            yield str(text)


def all_units(lang: str) -> list[tuple[str, str]]:
    units = [(gid, u) for gid in all_guide_ids(lang) for u in guide_units(load_guide(gid, lang))]
    return units + [("messages.yaml", u) for u in message_units(lang)]


@pytest.mark.parametrize(
    ("word", "expected"),
    [("phone", 1), ("computer", 3), ("notifications", 5), ("advocate", 3), ("settings", 2), ("someone", 2)],
)
def test_english_syllables(word: str, expected: int) -> None:
    assert syllables_en(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("teléfono", 4),
        ("computadora", 5),
        ("ubicación", 4),
        ("aplicación", 4),
        ("guía", 2),
        ("día", 2),
        ("país", 2),
        ("leer", 2),
        ("área", 3),
        ("cuenta", 2),
        ("que", 1),
        ("seguridad", 4),
        ("muy", 1),
    ],
)
def test_spanish_syllables(word: str, expected: int) -> None:
    assert syllables_es(word) == expected


def test_grades_order_plain_above_dense_text() -> None:
    plain_en = "You can leave it for now. Nothing changes. An advocate can help you."
    dense_en = (
        "Administrative configuration profiles institutionalize comprehensive organizational surveillance capabilities."
    )
    assert grade(plain_en, "en") < 4 < 15 < grade(dense_en, "en")
    plain_es = "Puedes dejarlo así por ahora. Nada cambia. Una persona de apoyo te puede ayudar."
    dense_es = "Las configuraciones administrativas institucionalizan capacidades organizacionales de vigilancia."
    assert grade(plain_es, "es") < 7 < 12 < grade(dense_es, "es")
    assert counts("Open **Settings → General → About**. Tap it.", "en") == (2, 3, 3)  # the menu path is not scored


@pytest.mark.parametrize("lang", ["en", "es"])
def test_plain_language_median_and_every_unit(lang: str) -> None:
    units = all_units(lang)
    grades = [grade(text, lang) for _, text in units]
    assert len(units) > 800
    assert statistics.median(grades) <= MEDIAN_MAX
    too_hard = [
        (round(g, 1), where, text[:90])
        for (where, text), g in zip(units, grades, strict=True)
        if g > UNIT_MAX and counts(text, lang)[1] >= MIN_WORDS
    ]
    assert not too_hard, "\n".join(map(str, too_hard))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_tone_offers_never_orders_or_promises(lang: str) -> None:
    found = []
    for where, text in all_units(lang):
        lowered = text.lower()
        for allowed in TONE_ALLOWED[lang]:
            lowered = re.sub(allowed, " ", lowered, flags=re.IGNORECASE)
        found += [(where, pattern, text[:90]) for pattern in TONE[lang] if re.search(pattern, lowered)]
    assert not found, "\n".join(map(str, found))


def test_every_guide_has_sources_and_a_checked_date() -> None:
    for lang in ("en", "es"):
        for guide_id in all_guide_ids(lang):
            meta = load_guide(guide_id, lang).meta
            assert meta["sources"] and all(str(s).startswith("https://") for s in meta["sources"]), guide_id
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(meta["checked_on"])), guide_id
