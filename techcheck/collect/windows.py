"""Windows-only collection: Run keys, Startup folders, services, who is signed in, location consent.

All of it is readable by the signed-in person without admin rights. The registry is read through a
``RegistryReader`` (``collect/registry.py``) so these steps run in tests on any OS; a step given no
reader uses this computer's registry, and records "not supported" where there is none.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from techcheck.collect.base import Context, Step
from techcheck.collect.local import collect_psutil_users
from techcheck.collect.registry import RegistryReader, default_reader
from techcheck.parse.windows import MAX_LINK

CURRENT_VERSION = "Software\\Microsoft\\Windows\\CurrentVersion"
APPROVED = f"{CURRENT_VERSION}\\Explorer\\StartupApproved"

# (hive, key, the StartupApproved subkey that can switch its entries off, or "" when none can).
# HKCU\Software is shared by 32- and 64-bit programs; only HKLM has a WOW6432Node copy.
RUN_KEYS: tuple[tuple[str, str, str], ...] = (
    ("HKCU", f"{CURRENT_VERSION}\\Run", "Run"),
    ("HKCU", f"{CURRENT_VERSION}\\RunOnce", ""),
    ("HKCU", f"{CURRENT_VERSION}\\Policies\\Explorer\\Run", ""),
    ("HKLM", f"{CURRENT_VERSION}\\Run", "Run"),
    ("HKLM", f"{CURRENT_VERSION}\\RunOnce", ""),
    ("HKLM", f"{CURRENT_VERSION}\\Policies\\Explorer\\Run", ""),
    ("HKLM", "Software\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Run", "Run32"),
    ("HKLM", "Software\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\RunOnce", ""),
)

# (environment variable, scope, hive whose StartupApproved\StartupFolder applies, folder under it).
STARTUP_PARTS = ("Microsoft", "Windows", "Start Menu", "Programs")
STARTUP_FOLDERS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("APPDATA", "user", "HKCU", (*STARTUP_PARTS, "Startup")),
    ("PROGRAMDATA", "system", "HKLM", (*STARTUP_PARTS, "StartUp")),
)
LOCATION_KEY = f"{CURRENT_VERSION}\\CapabilityAccessManager\\ConsentStore\\location"

MAX_FOLDER_FILES = 500
MAX_SERVICES = 2000
MAX_NAME = 16383  # the longest value name the registry allows
MAX_VALUE = 32767  # the longest command line Windows can start
SERVICE_FIELDS = ("name", "display_name", "binpath", "start_type", "status", "username")
SKIPPED_FILES = frozenset({"desktop.ini"})  # Explorer's folder settings, in every Startup folder


# Registry access ---------------------------------------------------------------------------------


def _registry(ctx: Context, kinds: tuple[str, ...], reader: RegistryReader | None) -> RegistryReader | None:
    reader = reader or default_reader()
    if reader is None:
        for kind in kinds:
            ctx.problem(kind, "skipped", "not-supported", "no Windows registry on this computer")
    return reader


def _values(ctx: Context, reader: RegistryReader, kind: str, hive: str, path: str) -> list[tuple[str, object]]:
    """A key's values. A missing key is an answer (nothing set); one we may not read is recorded."""
    try:
        return reader.values(hive, path)
    except FileNotFoundError:
        return []
    except PermissionError:
        ctx.problem(kind, "skipped", "needs-admin", f"{hive}\\{path}")
    except OSError as exc:
        ctx.problem(kind, "failed", "not-readable", f"{hive}\\{path}: {exc.strerror or exc}")
    return []


def _as_text(data: object) -> str:
    """A value as text: REG_MULTI_SZ lists are joined, binary data shown as hex."""
    if isinstance(data, (list, tuple)):
        data = " ".join(str(part) for part in data)
    elif isinstance(data, (bytes, bytearray)):
        data = bytes(data).hex()
    return str(data)[:MAX_VALUE]


def _approved(ctx: Context, reader: RegistryReader, kind: str, hive: str, subkey: str) -> dict[str, str]:
    """StartupApproved values of one subkey, by lower-cased name, as hex."""
    if not subkey:
        return {}
    values = _values(ctx, reader, kind, hive, f"{APPROVED}\\{subkey}")
    return {name.lower(): bytes(data).hex() for name, data in values if isinstance(data, (bytes, bytearray))}


# Autostart ---------------------------------------------------------------------------------------


def _run_key_rows(ctx: Context, reader: RegistryReader, hive: str, key: str, subkey: str) -> list[dict[str, Any]]:
    approved = _approved(ctx, reader, "win_autostart", hive, subkey)
    return [
        {
            "hive": hive,
            "key": key,
            "name": str(name)[:MAX_NAME],
            "value": _as_text(data),
            "approved": approved.get(str(name).lower()),
        }
        for name, data in _values(ctx, reader, "win_autostart", hive, key)
    ]


def collect_run_keys(ctx: Context, reader: RegistryReader | None = None) -> None:
    registry = _registry(ctx, ("win_autostart",), reader)
    if registry is None:
        return
    rows = [row for hive, key, subkey in RUN_KEYS for row in _run_key_rows(ctx, registry, hive, key, subkey)]
    ctx.add("win_autostart", "registry:Run keys", json.dumps(rows))


def _env_folder(ctx: Context, variable: str) -> Path:
    defaults = {"APPDATA": ctx.home / "AppData" / "Roaming", "PROGRAMDATA": Path("C:\\ProgramData")}
    value = ctx.env.get(variable)
    return Path(value) if value else defaults[variable]


def _folder_files(ctx: Context, folder: Path) -> list[Path]:
    try:
        files = [p for p in sorted(folder.iterdir()) if p.name.lower() not in SKIPPED_FILES and p.is_file()]
    except FileNotFoundError:
        return []
    except PermissionError:
        ctx.problem("win_startup_folder", "skipped", ctx.permission_reason(folder), str(folder))
        return []
    except OSError as exc:
        ctx.problem("win_startup_folder", "failed", "not-readable", f"{folder}: {exc.strerror or exc}")
        return []
    return files[:MAX_FOLDER_FILES]


def _link(path: Path) -> str | None:
    """The first MAX_LINK bytes of a shortcut, base64, for the parser to resolve its target."""
    if path.suffix.lower() != ".lnk":
        return None
    try:
        with path.open("rb") as handle:
            return base64.b64encode(handle.read(MAX_LINK)).decode("ascii")
    except OSError:
        return None


def collect_startup_folders(ctx: Context, reader: RegistryReader | None = None) -> None:
    """Files in the Startup folders. The StartupApproved switches are read when there is a registry."""
    registry = reader or default_reader()
    rows = []
    for variable, scope, hive, parts in STARTUP_FOLDERS:
        approved = _approved(ctx, registry, "win_startup_folder", hive, "StartupFolder") if registry else {}
        for path in _folder_files(ctx, _env_folder(ctx, variable).joinpath(*parts)):
            row = {"path": str(path), "scope": scope, "approved": approved.get(path.name.lower())}
            link = _link(path)
            if link is not None:
                row["link"] = link
            rows.append(row)
    ctx.add("win_startup_folder", "Startup folders", json.dumps(rows))


def _service_rows(ctx: Context, services: Iterable[Any]) -> list[dict[str, Any]]:
    import psutil

    rows, unreadable = [], []
    for service in itertools.islice(services, MAX_SERVICES):
        try:
            info = service.as_dict()
        except (psutil.Error, OSError) as exc:  # some services' settings are not readable to everyone
            unreadable.append(f"{getattr(service, '_name', '?')}: {exc.__class__.__name__}")
            continue
        rows.append({field: info.get(field) for field in SERVICE_FIELDS})
    if unreadable:
        detail = f"{len(unreadable)} services not readable: " + ", ".join(unreadable[:10])
        ctx.problem("win_services", "skipped", "not-readable", detail[:300])
    return rows


def collect_services(ctx: Context, services: Callable[[], Iterable[Any]] | None = None) -> None:
    """Windows services through psutil (``win_service_iter`` exists only in psutil on Windows)."""
    import psutil

    source = services or getattr(psutil, "win_service_iter", None)
    if source is None:
        ctx.problem("win_services", "skipped", "not-supported", "psutil.win_service_iter exists only on Windows")
        return
    rows = _service_rows(ctx, source())
    meta = {"system_root": ctx.env.get("SYSTEMROOT") or ctx.env.get("SystemRoot") or "C:\\Windows"}
    ctx.add("win_services", "psutil.win_service_iter", json.dumps(rows), meta=meta)


# Sign-ins and location -----------------------------------------------------------------------------


def collect_login_history(ctx: Context) -> None:
    """Past sign-ins are in the Security event log (4624), which only administrators can read."""
    ctx.problem("win_login_history", "skipped", "needs-admin", "the Security event log needs administrator rights")


def collect_location(ctx: Context, reader: RegistryReader | None = None) -> None:
    registry = _registry(ctx, ("win_location",), reader)
    if registry is None:
        return
    rows = [
        {"hive": hive, "value": _as_text(data)}
        for hive in ("HKLM", "HKCU")
        for name, data in _values(ctx, registry, "win_location", hive, LOCATION_KEY)
        if name.lower() == "value"
    ]
    ctx.add("win_location", f"registry:{LOCATION_KEY}", json.dumps(rows))


STEPS = [
    Step("step.autostart", ("win_autostart",), lambda ctx: collect_run_keys(ctx)),
    Step("step.autostart", ("win_startup_folder",), lambda ctx: collect_startup_folders(ctx)),
    Step("step.services", ("win_services",), lambda ctx: collect_services(ctx)),
    Step("step.sessions", ("utmp_users",), collect_psutil_users),
    Step("step.history", ("win_login_history",), collect_login_history),
    Step("step.location", ("win_location",), lambda ctx: collect_location(ctx)),
]
