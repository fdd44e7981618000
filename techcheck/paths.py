"""Where techcheck keeps things: its data inside the package, and the person's TECHCHECK_HOME."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """``signatures`` or ``guides``: inside the installed wheel, or at the top of a source checkout."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def techcheck_home() -> Path:
    """``$TECHCHECK_HOME``, or the platform's user data folder. Not created until something is saved."""
    env = os.environ.get("TECHCHECK_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("techcheck", appauthor=False))


def state_home() -> Path:
    """Where scans keep what they must write (the adb key, the iPhone pairing record): TECHCHECK_HOME,
    or a throw-away folder set by ``techcheck checkup --no-trace`` (``TECHCHECK_STATE_DIR``)."""
    env = os.environ.get("TECHCHECK_STATE_DIR")
    return Path(env) if env else techcheck_home()


def write_atomically(path: Path, text: str) -> None:
    """Write a file whole or not at all: through a hidden temporary file beside it, removed on failure."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
