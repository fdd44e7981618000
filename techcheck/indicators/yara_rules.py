"""Compiling YARA rules (shipped, imported, and given for one scan) once per run."""

from __future__ import annotations

from typing import Any

from techcheck.indicators.entry import IndicatorError, YaraSource


def namespace(source: YaraSource, index: int) -> str:
    return f"{source.origin}:{index}:{source.name}"


def origin_of(namespace_name: str) -> str:
    return namespace_name.split(":", 1)[0]


def check_compiles(source: YaraSource) -> None:
    """Raise IndicatorError naming the file when a rule file does not compile."""
    import yara

    try:
        yara.compile(source=source.text)
    except yara.SyntaxError as exc:
        raise IndicatorError(source.name, f"YARA rules do not compile: {exc}") from None


def compile_rules(sources: list[YaraSource]) -> Any | None:
    """All rule files in one compiled object, each in its own namespace. None when there are none."""
    if not sources:
        return None
    import yara

    try:
        return yara.compile(sources={namespace(s, i): s.text for i, s in enumerate(sources)})
    except yara.SyntaxError:
        for source in sources:  # name the file that is broken
            check_compiles(source)
        raise
