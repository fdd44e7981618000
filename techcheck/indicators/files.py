"""Reading one indicator file safely and telling its format from its content."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techcheck.indicators.echap import ECHAP_ONLY_KEYS, load_echap
from techcheck.indicators.entry import Entry, IndicatorError, YaraSource
from techcheck.indicators.isdi import is_isdi_csv, load_isdi
from techcheck.indicators.own import load_own
from techcheck.indicators.stix2 import load_stix2

MAX_FILE_BYTES = 32 * 1024 * 1024
_YARA_RULE = re.compile(r"^\s*(?:(?:private|global)\s+)*rule\s+\w+", re.MULTILINE)
_MAYBE_ALIAS = re.compile(r"(?:^|[\s\[{,:])[&*][A-Za-z0-9_]", re.MULTILINE)


@dataclass
class LoadedFile:
    format: str  # own | echap | stix2 | yara | isdi
    entries: list[Entry] = field(default_factory=list)
    yara: YaraSource | None = None
    warnings: list[str] = field(default_factory=list)


def _yaml_loader() -> type:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, file: str) -> Any:
    """Safe YAML without anchors or aliases (they let a small file expand into a huge one)."""
    import yaml

    loader = _yaml_loader()
    try:
        if _MAYBE_ALIAS.search(text):
            for event in yaml.parse(text, Loader=loader):
                if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                    raise IndicatorError(file, "YAML anchors and aliases are not allowed")
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise IndicatorError(file, f"invalid YAML{where}: {problem}") from None


def detect_yaml_format(data: Any) -> str:
    if isinstance(data, list) and data and all(isinstance(e, dict) for e in data):
        if any(ECHAP_ONLY_KEYS.intersection(e) for e in data):
            return "echap"
        return "own"
    return "unknown"


def parse_indicator_bytes(raw: bytes, file: str, origin: str, require_sources: bool = False) -> LoadedFile:
    if len(raw) > MAX_FILE_BYTES:
        raise IndicatorError(file, f"too large ({len(raw) // (1024 * 1024)} MiB; the limit is 32 MiB)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IndicatorError(file, "not UTF-8 text") from None
    stripped = text.lstrip()
    if not stripped:
        raise IndicatorError(file, "the file is empty")
    if stripped.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IndicatorError(file, f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
        entries, warnings = load_stix2(data, file, origin)
        return LoadedFile("stix2", entries, warnings=warnings)
    if is_isdi_csv(text):
        entries, warnings = load_isdi(text, file, origin)
        return LoadedFile("isdi", entries, warnings=warnings)
    if _YARA_RULE.search(text) and "condition:" in text:
        return LoadedFile("yara", yara=YaraSource(origin=origin, name=Path(file).name, text=text))
    data = load_yaml(text, file)
    kind = detect_yaml_format(data)
    if kind == "echap":
        entries, warnings = load_echap(data, file, origin)
        return LoadedFile("echap", entries, warnings=warnings)
    if kind == "own":
        return LoadedFile("own", load_own(data, file, origin, require_sources=require_sources))
    raise IndicatorError(file, "not an indicator file we know (own YAML, Echap YAML, STIX 2, YARA or ISDi CSV)")


def read_indicator_file(path: Path, origin: str | None = None, require_sources: bool = False) -> LoadedFile:
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise IndicatorError(file, f"too large ({size // (1024 * 1024)} MiB; the limit is 32 MiB)")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise IndicatorError(file, "file not found") from None
    except IsADirectoryError:
        raise IndicatorError(file, "is a folder, not a file") from None
    except PermissionError:
        raise IndicatorError(file, "permission denied") from None
    except OSError as exc:
        raise IndicatorError(file, f"cannot be read ({exc.strerror or exc})") from None
    return parse_indicator_bytes(raw, file, origin or path.name, require_sources=require_sources)
