"""Indicators: what known stalkerware, monitoring and remote-access tools look like."""

from techcheck.indicators.entry import Entry, IndicatorError, SourceInfo, YaraSource
from techcheck.indicators.index import IndicatorSet
from techcheck.indicators.store import Store, UpdateError, load_indicators

__all__ = [
    "Entry",
    "IndicatorError",
    "IndicatorSet",
    "SourceInfo",
    "Store",
    "UpdateError",
    "YaraSource",
    "load_indicators",
]
