"""How plain a text is, offline: Flesch–Kincaid grade for English, INFLESZ (Szigriszt-Pazos) for Spanish.

Used by the tests (the plain-language gate) and ``bench/bench_readability.py``; never at scan time.
Syllables: English through pyphen's hyphenation dictionary (shipped with it, no download; textstat's
English counter fetches a dictionary at run time), counting the pieces that hold a vowel; Spanish by
its regular rules (vowel nuclei, diphthongs and hiatus), which pyphen's dictionary undercounts.

Spanish uses the Szigriszt-Pazos perspicuity formula, read on the INFLESZ scale (Barrio-Cantalejo et
al., 2008), which was calibrated on Spanish texts: over 80 very easy, 65–80 quite easy (primary school),
55–65 normal (secondary school, ages 12–15), 40–55 somewhat hard, under 40 very hard. It is turned into a
grade along that scale: 65 is the start of 7th grade and 55 the end of 9th, so ``grade = 20 - score / 5``.
(Fernández Huerta, read on Flesch's English table, rated plain Spanish such as "Puedes dejarlo así por
ahora. Nada cambia." at grade 8: Spanish words are longer, and that table was not made for them.)
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?;:]+(?=\s|$)|\n+")
# Menu paths are the device's labels, not our prose: **Settings → General → …**, and in terminal messages the
# same without bold (there the few words just before the first label go with it).
_MENU_PATH = re.compile(r"\*\*[^*]*→[^*]*\*\*|[^.:;,()\n→*]*(?:→[^.:;,\n→]*)+")
_COMMAND = re.compile(r"\btechcheck(?: [a-z][\w-]*)*|--[\w-]+")  # commands to type are not prose either
_MARKUP = re.compile(r"\{#[^}]*\}|`[^`]*`|\*\*|__|https?://\S+|\[([^\]]*)\]\([^)]*\)|[#>|*_]")

_ES_STRONG = set("aeoáéóíú")  # an accented i or u breaks a diphthong, as a strong vowel does
_ES_VOWELS = _ES_STRONG | set("iuü")


def plain(text: str) -> str:
    """Markdown to the words a person reads (links keep their text). Menu paths are the device's own
    labels, which we cannot simplify: they are left out of the measure."""
    text = _COMMAND.sub(" ", _MENU_PATH.sub(" ", text))
    return _MARKUP.sub(lambda m: m.group(1) or " ", text)


@lru_cache(maxsize=2)
def _pyphen(lang: str):  # noqa: ANN202 - pyphen.Pyphen
    import pyphen

    return pyphen.Pyphen(lang=lang, left=1, right=1)


def syllables_en(word: str) -> int:
    pieces = _pyphen("en_US").inserted(word.lower()).split("-")
    return max(1, sum(1 for p in pieces if re.search(r"[aeiouy]", p)))


def syllables_es(word: str) -> int:
    w = word.lower()
    w = re.sub(r"(?<=[qg])u(?=[eéií])", "", w)  # the silent u of que, qui, gue, gui
    if len(w) > 1 and w.endswith("y") and w[-2] in _ES_VOWELS:
        w = w[:-1] + "i"  # hoy, muy: a final y closes a diphthong
    count, prev = 0, ""
    for ch in w:
        if ch in _ES_VOWELS:
            if not prev or (prev in _ES_STRONG and ch in _ES_STRONG):
                count += 1
            prev = ch
        else:
            prev = ""
    return max(count, 1)


SYLLABLES = {"en": syllables_en, "es": syllables_es}


def counts(text: str, lang: str) -> tuple[int, int, int]:
    """(sentences, words, syllables) of a text."""
    text = plain(text)
    words = _WORD.findall(text)
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    return len(sentences), len(words), sum(SYLLABLES[lang](w) for w in words)


def grade(text: str, lang: str) -> float:
    """The school grade a text reads at: Flesch–Kincaid (en), or INFLESZ turned into a grade (es)."""
    sentences, words, syllables = counts(text, lang)
    if not words:
        return 0.0
    sentences = max(sentences, 1)
    if lang == "es":
        return 20 - inflesz(sentences, words, syllables) / 5
    return 0.39 * words / sentences + 11.8 * syllables / words - 15.59


def inflesz(sentences: int, words: int, syllables: int) -> float:
    """Szigriszt-Pazos perspicuity, read on the INFLESZ scale (higher is easier)."""
    return 206.835 - 62.3 * syllables / words - words / max(sentences, 1)
