"""macOS-only collection: launch agents and daemons, who is signed in, login history, location.

Everything here works as the signed-in person, without admin rights or Full Disk Access. What needs
more (the Background Task Management database, Location Services per app) is recorded as not checked.
"""

from __future__ import annotations

from pathlib import Path

from techcheck.collect.base import Context, Step
from techcheck.collect.local import collect_psutil_users
from techcheck.parse.macos import MAX_PLIST

MAX_PLISTS = 500  # per folder
MAX_LAST_BYTES = 4 * 1024 * 1024  # years of `last` output; the parser keeps the newest lines anyway

# Folders of launch items outside the home folder, with their scope. A module-level table so tests can
# point it at a temporary folder. /System/Library/Launch* are Apple's own, sealed by SIP: left out.
SYSTEM_LAUNCHD_DIRS: tuple[tuple[Path, str], ...] = (
    (Path("/Library/LaunchAgents"), "system"),
    (Path("/Library/LaunchDaemons"), "system"),
)
USER_LAUNCHD_DIR = ("Library", "LaunchAgents")
LOCATION_STORE = "/var/db/locationd/clients.plist"


def _launchd_dirs(ctx: Context) -> list[tuple[Path, str]]:
    return [(ctx.home.joinpath(*USER_LAUNCHD_DIR), "user"), *SYSTEM_LAUNCHD_DIRS]


def _plists(ctx: Context, folder: Path) -> list[Path]:
    """The ``*.plist`` files in one folder; an unlistable folder is recorded, a missing one is not."""
    try:
        return sorted(folder.glob("*.plist"))[:MAX_PLISTS]
    except PermissionError:
        ctx.problem("launchd_plist", "skipped", ctx.permission_reason(folder), str(folder))
    except OSError as exc:
        ctx.problem("launchd_plist", "failed", "not-readable", f"{folder}: {exc.strerror or exc}")
    return []


def collect_launchd(ctx: Context) -> None:
    ctx.snapshot.attempted.add("launchd_plist")
    for folder, scope in _launchd_dirs(ctx):
        for path in _plists(ctx, folder):
            ctx.read("launchd_plist", path, {"scope": scope}, limit=MAX_PLIST)


def _cut(data: bytes, limit: int) -> bytes:
    """At most ``limit`` bytes, ending at a whole line: ``last`` prints newest first, so the oldest go."""
    if len(data) <= limit:
        return data
    return data[: data.rfind(b"\n", 0, limit) + 1]


def collect_login_history(ctx: Context) -> None:
    output = ctx.output("macos_last", "macos-last")
    if output is not None:
        ctx.add("macos_last", "command:last", _cut(output, MAX_LAST_BYTES))


def collect_location(ctx: Context) -> None:
    """Location Services (on/off and per app) is kept by locationd in a file only root can read."""
    ctx.problem("macos_location", "skipped", "needs-admin", f"{LOCATION_STORE} is readable only by root")


STEPS = [
    Step("step.autostart", ("launchd_plist",), collect_launchd),
    Step("step.sessions", ("utmp_users",), collect_psutil_users),
    Step("step.history", ("macos_last",), collect_login_history),
    Step("step.location", ("macos_location",), collect_location),
]
