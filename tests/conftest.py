"""Shared test helpers. Tests never touch the real TECHCHECK_HOME or the network."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("TECHCHECK_SHARED", ROOT.parent / "shared"))


class Terminal(io.StringIO):
    """Typed answers on standard input, as from a person at a terminal."""

    def isatty(self) -> bool:
        return True


def shared_path(*parts: str) -> Path:
    """A file from ../shared/data (real-world data we may not copy); skip the test when absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (real-world data lives outside the repo)")
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("techcheck-home")
    monkeypatch.setenv("TECHCHECK_HOME", str(home))
    return home
