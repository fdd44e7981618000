"""Linux-only collection: autostart, sign-ins (utmp → logind fallback), login history, location."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from techcheck.collect.base import Context, Step
from techcheck.parse.logins import parse_loginctl_list
from techcheck.parse.records import ParseError

MAX_UNIT_FILES = 500
WTMP = Path("/var/log/wtmp")
WTMPDB_PATHS = (Path("/var/lib/wtmpdb/wtmp.db"), Path("/var/lib/wtmpdb/wtmpdb.db"))
MAX_WTMP = 64 * 1024 * 1024


def _config_home(ctx: Context) -> Path:
    env = ctx.env.get("XDG_CONFIG_HOME")
    return Path(env) if env and Path(env).is_absolute() else ctx.home / ".config"


def _system_xdg_dirs(ctx: Context) -> list[Path]:
    dirs = ctx.env.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    return [Path(d) for d in dirs.split(":") if d.startswith("/")]


def _list(folder: Path, pattern: str) -> list[Path]:
    try:
        return sorted(folder.glob(pattern))[:MAX_UNIT_FILES]
    except OSError:
        return []


def collect_autostart(ctx: Context) -> None:
    ctx.snapshot.attempted.update(("xdg_autostart", "autostart_script", "systemd_user_unit", "crontab"))
    user_config = _config_home(ctx)
    for path in _list(user_config / "autostart", "*.desktop"):
        ctx.read("xdg_autostart", path, {"scope": "user"})
    for folder in _system_xdg_dirs(ctx):
        for path in _list(folder / "autostart", "*.desktop"):
            ctx.read("xdg_autostart", path, {"scope": "system"})
    for path in _list(user_config / "autostart-scripts", "*"):
        ctx.read("autostart_script", path, {"scope": "user"})
    for base, scope in ((user_config / "systemd" / "user", "user"), (Path("/etc/systemd/user"), "system")):
        wanted = {p.name for p in _list(base, "*.wants/*")}
        for path in _list(base, "*.service"):
            enabled = "yes" if path.name in wanted else "no"
            ctx.read("systemd_user_unit", path, {"scope": scope, "enabled": enabled})
    result = ctx.run("crontab", "crontab")
    if result is None:
        return
    if result.returncode == 0:
        ctx.add("crontab", "command:crontab -l", result.stdout)
    elif b"no crontab" not in result.stderr.lower():
        detail = result.stderr.decode("utf-8", "replace").strip()[:200]
        ctx.problem("crontab", "failed", "error", f"crontab -l: {detail}")


def collect_sessions(ctx: Context) -> None:
    """psutil.users() reads utmp; where utmp is empty (Debian 13 and others), ask logind."""
    import psutil

    ctx.snapshot.attempted.update(("utmp_users", "loginctl_session"))
    users = [u._asdict() for u in psutil.users()]
    if users:
        ctx.add("utmp_users", "psutil.users", json.dumps(users))
        return
    listing = ctx.output("loginctl_session", "loginctl-list", failure=("skipped", "not-available"))
    if listing is None:
        return
    try:
        ids = parse_loginctl_list(listing.decode("utf-8", "replace"))
    except ParseError as exc:
        ctx.problem("loginctl_session", "failed", "malformed", str(exc))
        return
    if not ids:  # logind answered and nobody is signed in: a real answer, recorded as one
        ctx.add("utmp_users", "loginctl list-sessions", "[]")
    for session in ids[:100]:
        shown = ctx.run("loginctl_session", "loginctl-show", session=session)
        if shown and shown.returncode == 0:
            ctx.add(
                "loginctl_session",
                f"command:loginctl show-session {session}",
                shown.stdout,
                name=f"loginctl_session:{session}",
            )


def _wtmpdb_rows(path: Path) -> list[dict]:
    # immutable=1: read without locks or journals, so the scan changes nothing.
    uri = f"file:{path}?mode=ro&immutable=1"
    with closing(sqlite3.connect(uri, uri=True, timeout=2)) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(
            "SELECT Type, User, Login, TTY, RemoteHost, Service FROM wtmp ORDER BY Login DESC LIMIT 2000"
        ).fetchall()
    return [dict(r) for r in reversed(rows)]


def collect_login_history(ctx: Context) -> None:
    ctx.snapshot.attempted.update(("wtmp", "wtmpdb"))
    for path in WTMPDB_PATHS:
        if not path.is_file():
            continue
        if not os.access(path, os.R_OK):
            ctx.problem("wtmpdb", "skipped", "needs-admin", str(path))
            return
        try:
            rows = _wtmpdb_rows(path)
        except sqlite3.Error as exc:
            ctx.problem("wtmpdb", "failed", "malformed", f"{path}: {exc}")
            return
        ctx.add("wtmpdb", f"sqlite:{path}", json.dumps(rows), meta={"path": str(path)})
        return
    if WTMP.exists():
        ctx.read("wtmp", WTMP, limit=MAX_WTMP)
        return
    ctx.problem("wtmp", "skipped", "not-available", "no /var/log/wtmp or wtmpdb database on this system")


def collect_location(ctx: Context) -> None:
    output = ctx.output("gsettings_location", "gsettings-location", failure=("skipped", "not-available"))
    if output is not None:
        ctx.add("gsettings_location", "command:gsettings get org.gnome.system.location enabled", output)


STEPS = [
    Step("step.autostart", ("xdg_autostart", "autostart_script", "systemd_user_unit", "crontab"), collect_autostart),
    Step("step.sessions", ("utmp_users", "loginctl_session"), collect_sessions),
    Step("step.history", ("wtmp", "wtmpdb"), collect_login_history),
    Step("step.location", ("gsettings_location",), collect_location),
]
