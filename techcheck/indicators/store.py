"""The indicator sets: shipped with techcheck, imported with `signatures update`, and given per scan.

The imported set lives in ``$TECHCHECK_HOME/indicators/sets/<stamp>/``; ``current.json`` names the
set in use and is replaced atomically, so a failed update never leaves a half-written set behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from techcheck import __version__
from techcheck.indicators.echap import ECHAP_LICENCE
from techcheck.indicators.entry import IndicatorError, SourceInfo
from techcheck.indicators.files import MAX_FILE_BYTES, LoadedFile, parse_indicator_bytes, read_indicator_file
from techcheck.indicators.index import IndicatorSet
from techcheck.indicators.isdi import ISDI_LICENCE
from techcheck.indicators.yara_rules import check_compiles
from techcheck.paths import data_dir, techcheck_home

ECHAP_BASE = "https://raw.githubusercontent.com/AssoEchap/stalkerware-indicators/master/"
# (file name, required)
DEFAULT_FILES = (("ioc.yaml", True), ("watchware.yaml", True), ("rules.yar", False))
_SUFFIXES = (".yaml", ".yml", ".json", ".stix2", ".yar", ".yara")


class UpdateError(Exception):
    """`signatures update` could not finish; the previous set is still in place.

    ``unreachable`` is true when the source could not be reached (network, missing file), as
    opposed to a source that was reached but held something we refuse.
    """

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True)
class Fetched:
    name: str
    where: str  # the path or URL it came from
    data: bytes


# Sets that name their origin whatever the file is called, and the licence every report using them shows.
NAMED_FORMATS = {"echap": ECHAP_LICENCE, "isdi": ISDI_LICENCE}


def _origin(loaded: LoadedFile, name: str) -> str:
    return loaded.format if loaded.format in NAMED_FORMATS else Path(name).stem


def _info(origin: str, version: str, entries: int) -> SourceInfo:
    return SourceInfo(origin, version, entries, NAMED_FORMATS.get(origin, ""))


def load_shipped(indicators: IndicatorSet) -> None:
    folder = data_dir("signatures")
    count = 0
    for path in sorted(folder.glob("*.yaml")):
        loaded = read_indicator_file(path, origin="techcheck", require_sources=True)
        indicators.extend(loaded.entries)
        count += len(loaded.entries)
    for path in sorted((folder / "yara").glob("*.yar")):
        loaded = read_indicator_file(path, origin="techcheck")
        if loaded.yara:
            indicators.yara.append(loaded.yara)
    indicators.sources.append(_info("techcheck", __version__, count))


class Store:
    def __init__(self, home: Path | None = None) -> None:
        self.home = home or techcheck_home()
        self.root = self.home / "indicators"
        self.pointer = self.root / "current.json"

    # Reading ---------------------------------------------------------------------------------------
    def current(self) -> tuple[Path, dict] | None:
        """The set in use and its metadata, or None when nothing was imported (or it is unreadable)."""
        try:
            pointer = json.loads(self.pointer.read_text(encoding="utf-8"))
            folder = self.root / "sets" / Path(str(pointer["set"])).name
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return folder, meta

    def load_into(self, indicators: IndicatorSet) -> None:
        found = self.current()
        if not found:
            return
        folder, meta = found
        version = f"{str(meta.get('updated', ''))[:10]} sha256:{str(meta.get('digest', ''))[:12]}"
        counts: dict[str, int] = {}
        for item in meta.get("files", []):
            path = folder / Path(str(item.get("name", ""))).name
            try:
                loaded = read_indicator_file(path, origin=str(item.get("origin") or path.stem))
            except IndicatorError as exc:
                indicators.warnings.append(f"imported indicators: {exc}")
                continue
            origin = str(item.get("origin") or path.stem)
            indicators.extend(loaded.entries)
            if loaded.yara:
                indicators.yara.append(loaded.yara)
            counts[origin] = counts.get(origin, 0) + len(loaded.entries)
        for origin, count in counts.items():
            indicators.sources.append(_info(origin, version, count))

    # Updating --------------------------------------------------------------------------------------
    def update(self, source: str | None = None, fetch_url: Callable[[str], bytes] | None = None) -> dict:
        fetch = fetch_url or download
        files = fetch_all(source, fetch)
        parsed: list[tuple[Fetched, LoadedFile]] = []
        for item in files:
            try:
                loaded = parse_indicator_bytes(item.data, item.where, Path(item.name).stem)
                if loaded.yara:
                    check_compiles(loaded.yara)
            except IndicatorError as exc:
                raise UpdateError(str(exc)) from None
            parsed.append((item, loaded))
        if not any(loaded.entries for _, loaded in parsed):
            raise UpdateError(f"{source or ECHAP_BASE}: no indicator entries found")
        return self._install(source or ECHAP_BASE, parsed)

    def _install(self, source: str, parsed: list[tuple[Fetched, LoadedFile]]) -> dict:
        sets = self.root / "sets"
        sets.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        staging = Path(tempfile.mkdtemp(prefix=".new-", dir=sets))
        digest = hashlib.sha256()
        meta_files = []
        try:
            for item, loaded in parsed:
                name = Path(item.name).name
                (staging / name).write_bytes(item.data)
                digest.update(item.data)
                meta_files.append(
                    {
                        "name": name,
                        "from": item.where,
                        "sha256": hashlib.sha256(item.data).hexdigest(),
                        "bytes": len(item.data),
                        "format": loaded.format,
                        "origin": _origin(loaded, name),
                        "entries": len(loaded.entries),
                        "warnings": loaded.warnings,
                    }
                )
            meta = {
                "source": source,
                "updated": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                "digest": digest.hexdigest(),
                "files": meta_files,
            }
            (staging / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
            final = sets / stamp
            os.replace(staging, final)
            tmp_pointer = self.root / ".current.json.tmp"
            tmp_pointer.write_text(json.dumps({"set": stamp}), encoding="utf-8")
            os.replace(tmp_pointer, self.pointer)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise UpdateError(f"{self.root}: could not save the indicators ({exc.strerror or exc})") from None
        for old in sets.iterdir():  # keep only the set in use
            if old.name != stamp:
                shutil.rmtree(old, ignore_errors=True)
        return meta

    def status(self) -> dict:
        shipped = IndicatorSet()
        load_shipped(shipped)
        out: dict = {"shipped": shipped.sources[0].to_dict(), "yara_shipped": len(shipped.yara), "imported": None}
        found = self.current()
        if found:
            _, meta = found
            updated = str(meta.get("updated", ""))
            try:
                age = (datetime.now(timezone.utc) - datetime.fromisoformat(updated)).days
            except ValueError:
                age = None
            out["imported"] = {
                "source": meta.get("source"),
                "updated": updated,
                "age_days": age,
                "files": [
                    {k: f.get(k) for k in ("name", "format", "origin", "entries", "sha256")}
                    for f in meta.get("files", [])
                ],
            }
        return out


def download(url: str) -> bytes:
    """Fetch one URL, at most MAX_FILE_BYTES. The only network access techcheck makes."""
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise UpdateError(f"{url}: only http and https addresses are supported")
    request = urllib.request.Request(url, headers={"User-Agent": f"techcheck/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - scheme checked above
            data = response.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "code", None) or exc
        raise UpdateError(f"{url}: could not download ({reason})", unreachable=True) from None
    if len(data) > MAX_FILE_BYTES:
        raise UpdateError(f"{url}: too large (the limit is 32 MiB)")
    return data


def _read_local(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UpdateError(f"{path}: too large (the limit is 32 MiB)")
        return path.read_bytes()
    except OSError as exc:
        raise UpdateError(f"{path}: cannot be read ({exc.strerror or exc})", unreachable=True) from None


def fetch_all(source: str | None, fetch: Callable[[str], bytes]) -> list[Fetched]:
    if source is None:
        out = []
        for name, required in DEFAULT_FILES:
            try:
                out.append(Fetched(name, ECHAP_BASE + name, fetch(ECHAP_BASE + name)))
            except UpdateError:
                if required:
                    raise
        return out
    if source.startswith(("https://", "http://")):
        name = Path(source.split("?", 1)[0].rstrip("/")).name or "indicators.yaml"
        return [Fetched(name, source, fetch(source))]
    path = Path(source).expanduser()
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in _SUFFIXES)
        if not files:
            raise UpdateError(f"{path}: no indicator files in this folder (.yaml, .json, .stix2, .yar)")
        return [Fetched(p.name, str(p), _read_local(p)) for p in files]
    if not path.exists():
        raise UpdateError(f"{path}: file not found", unreachable=True)
    return [Fetched(path.name, str(path), _read_local(path))]


def load_indicators(extra: list[Path] | None = None, home: Path | None = None) -> IndicatorSet:
    """Shipped + imported + the files given for this scan. Raises IndicatorError for a bad extra file."""
    indicators = IndicatorSet()
    load_shipped(indicators)
    Store(home).load_into(indicators)
    for path in extra or []:
        loaded = read_indicator_file(path)
        origin = _origin(loaded, path.name)
        entries = [replace(e, origin=origin) for e in loaded.entries]
        indicators.extend(entries, _info(origin, "given for this scan", len(entries)) if entries else None)
        indicators.warnings.extend(loaded.warnings)
        if loaded.yara:
            indicators.yara.append(loaded.yara)
    return indicators
