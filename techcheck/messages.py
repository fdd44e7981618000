"""Short people-facing strings, kept in ``guides/<lang>/messages.yaml``; English fills any gap."""

from __future__ import annotations

from functools import lru_cache
from string import Formatter

from techcheck.paths import data_dir

LANGUAGES = ("en", "es")


@lru_cache(maxsize=4)
def _table(lang: str) -> dict[str, str]:
    from techcheck.indicators.files import load_yaml

    path = data_dir("guides") / lang / "messages.yaml"
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    except OSError:
        return {}
    return {str(k): str(v) for k, v in (data or {}).items()} if isinstance(data, dict) else {}


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Messages:
    def __init__(self, lang: str = "en") -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        self._own = _table(self.lang)
        self._fallback = _table("en")

    def has(self, key: str) -> bool:
        return key in self._own or key in self._fallback

    def __call__(self, key: str, **values: object) -> str:
        text = self._own.get(key) or self._fallback.get(key) or key
        return Formatter().vformat(text, (), _Safe({k: str(v) for k, v in values.items()}))

    def keys(self) -> set[str]:
        return set(self._own)
