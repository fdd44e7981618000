"""Reading the Windows registry behind a tiny interface, so the Windows collectors can be tested on Linux.

``WinregReader`` is the real thing (stdlib ``winreg``, imported only when a method runs, so this module
imports everywhere). ``DictRegistry`` is a registry made of a dict, for tests. Both raise
``FileNotFoundError`` for a key that is not there and ``PermissionError`` for one this account may not
read, which is what ``winreg`` itself raises, so the collectors handle one set of errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

HIVES = ("HKCU", "HKLM")
MAX_ENTRIES = 4096  # values or subkeys read from one key; a Run key with more is not one to read whole


class RegistryReader(Protocol):
    """Read-only access to a registry key: its values, and the names of its subkeys."""

    def values(self, hive: str, path: str) -> list[tuple[str, object]]: ...

    def subkeys(self, hive: str, path: str) -> list[str]: ...


class WinregReader:
    """The registry of this Windows computer, opened read-only.

    Keys are opened with ``KEY_WOW64_64KEY`` so that a 32-bit Python sees the same keys as 64-bit
    programs; the 32-bit view is read on purpose through its ``WOW6432Node`` paths.
    """

    def _open(self, hive: str, path: str) -> Any:  # a winreg.HKEYType, which exists only on Windows
        import winreg

        roots = {"HKCU": winreg.HKEY_CURRENT_USER, "HKLM": winreg.HKEY_LOCAL_MACHINE}
        if hive not in roots:
            raise ValueError(f"unknown hive {hive!r}")
        return winreg.OpenKey(roots[hive], path, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY)

    def values(self, hive: str, path: str) -> list[tuple[str, object]]:
        import winreg

        out: list[tuple[str, object]] = []
        with self._open(hive, path) as key:
            for index in range(MAX_ENTRIES):
                try:
                    name, data, _type = winreg.EnumValue(key, index)
                except OSError:  # ERROR_NO_MORE_ITEMS: the end (or the key changed while we read)
                    break
                out.append((name, data))
        return out

    def subkeys(self, hive: str, path: str) -> list[str]:
        import winreg

        out: list[str] = []
        with self._open(hive, path) as key:
            for index in range(MAX_ENTRIES):
                try:
                    out.append(winreg.EnumKey(key, index))
                except OSError:
                    break
        return out


class DictRegistry:
    """A registry held in a dict: ``{hive: {key path: {value name: data}}}``, for tests.

    Paths and value names are matched without regard to case, as Windows does. A key listed in
    ``denied`` raises ``PermissionError``; a key that is neither listed nor a parent of one raises
    ``FileNotFoundError``.
    """

    def __init__(
        self,
        data: Mapping[str, Mapping[str, Mapping[str, object]]],
        denied: Iterable[tuple[str, str]] = (),
    ) -> None:
        self._keys = {
            (hive.upper(), _norm(path)): (path, dict(values))
            for hive, keys in data.items()
            for path, values in keys.items()
        }
        self._denied = {(hive.upper(), _norm(path)) for hive, path in denied}

    def _check(self, hive: str, path: str) -> tuple[str, str]:
        key = (hive.upper(), _norm(path))
        if key in self._denied:
            raise PermissionError(13, "Access is denied", f"{hive}\\{path}")
        return key

    def values(self, hive: str, path: str) -> list[tuple[str, object]]:
        key = self._check(hive, path)
        if key not in self._keys:
            if self.subkeys(hive, path):
                return []
            raise FileNotFoundError(2, "The system cannot find the file specified", f"{hive}\\{path}")
        return list(self._keys[key][1].items())[:MAX_ENTRIES]

    def subkeys(self, hive: str, path: str) -> list[str]:
        hive_key, norm = self._check(hive, path)
        prefix = norm + "\\"
        names: dict[str, str] = {}
        for (other_hive, other), (original, _values) in self._keys.items():
            if other_hive == hive_key and other.startswith(prefix):
                child = original.strip("\\").split("\\")[norm.count("\\") + 1]
                names.setdefault(child.lower(), child)
        if not names and (hive_key, norm) not in self._keys:
            raise FileNotFoundError(2, "The system cannot find the file specified", f"{hive}\\{path}")
        return list(names.values())[:MAX_ENTRIES]


def _norm(path: str) -> str:
    return path.strip("\\").lower()


def default_reader() -> RegistryReader | None:
    """The registry of this computer, or None where there is none (every OS but Windows)."""
    try:
        import winreg  # noqa: F401
    except ImportError:
        return None
    return WinregReader()
