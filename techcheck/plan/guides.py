"""Reading the guides in ``guides/<lang>/*.md`` (format: docs/guides-format.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from techcheck.paths import data_dir

_HEADING = re.compile(r"^(#{2,3})\s+(.*?)\s*\{#([A-Za-z0-9_-]+)((?:\s+[A-Za-z-]+)*)\}\s*$")
REQUIRED = (
    "id",
    "title",
    "platforms",
    "os_version",
    "checked_on",
    "sources",
    "may_be_noticed",
    "evidence_first",
    "seen",
)


class GuideError(Exception):
    pass


@dataclass(frozen=True)
class Option:
    key: str
    title: str
    body: str  # Markdown
    changes: bool


@dataclass
class Section:
    key: str
    title: str
    body: str = ""
    options: list[Option] = field(default_factory=list)


@dataclass
class Guide:
    id: str
    lang: str
    meta: dict[str, Any]
    sections: dict[str, Section]

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.id))

    @property
    def seen(self) -> str:
        return str(self.meta.get("seen") or "")


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    from techcheck.indicators.files import load_yaml

    if not text.startswith("---"):
        raise GuideError(f"{name}: no front-matter")
    try:
        _, head, body = text.split("---", 2)
    except ValueError:
        raise GuideError(f"{name}: front-matter is not closed") from None
    meta = load_yaml(head, name)
    if not isinstance(meta, dict):
        raise GuideError(f"{name}: front-matter is not a mapping")
    missing = [k for k in REQUIRED if k not in meta]
    if missing:
        raise GuideError(f"{name}: front-matter lacks {', '.join(missing)}")
    return meta, body


def parse_guide(text: str, name: str, lang: str) -> Guide:
    meta, body = split_front_matter(text, name)
    sections: dict[str, Section] = {}
    section: Section | None = None
    option: dict[str, Any] | None = None
    lines: list[str] = []

    def flush() -> None:
        nonlocal lines, option
        chunk = "\n".join(lines).strip()
        if option is not None and section is not None:
            section.options.append(Option(option["key"], option["title"], chunk, option["changes"]))
        elif section is not None:
            section.body = chunk
        lines, option = [], None

    for line in body.splitlines():
        match = _HEADING.match(line)
        if not match:
            lines.append(line)
            continue
        flush()
        level, title, key, flags = match.group(1), match.group(2), match.group(3), match.group(4).split()
        if level == "##":
            section = sections.setdefault(key, Section(key, title))
        else:
            option = {"key": key, "title": title, "changes": "changes" in flags}
    flush()
    return Guide(id=str(meta["id"]), lang=lang, meta=meta, sections=sections)


@lru_cache(maxsize=128)
def load_guide(guide_id: str, lang: str = "en") -> Guide | None:
    """The guide in ``lang``, else in English, else None. Ids are checked: they come from reports."""
    if not re.fullmatch(r"[a-z0-9-]{1,80}", guide_id or ""):
        return None
    for language in dict.fromkeys((lang, "en")):
        path = data_dir("guides") / language / f"{guide_id}.md"
        if path.is_file():
            return parse_guide(path.read_text(encoding="utf-8"), str(path), language)
    return None


def all_guide_ids(lang: str) -> list[str]:
    return sorted(p.stem for p in (data_dir("guides") / lang).glob("*.md") if p.name != "README.md")
