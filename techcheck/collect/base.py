"""What every collector step shares: reading files and running allow-listed commands into a Snapshot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techcheck.collect.allowlist import LOCAL, argv_for
from techcheck.model import Artifact, Problem, Snapshot

MAX_FILE = 16 * 1024 * 1024  # a settings file larger than this is not a settings file
COMMAND_TIMEOUT = 15.0


_ENV_VAR = re.compile(r"%([A-Za-z0-9_()]+)%")


def expand_path(raw: str, home: Path, env: dict[str, str]) -> str:
    """``~`` → the home folder; Windows ``%VAR%`` → its value in ``env`` (case-insensitive), else kept."""
    path = raw.strip()
    if path.startswith("~"):
        path = str(home) + path[1:]
    upper = {k.upper(): v for k, v in env.items()}
    return _ENV_VAR.sub(lambda m: upper.get(m.group(1).upper(), m.group(0)), path)


@dataclass
class CommandResult:
    returncode: int
    stdout: bytes
    stderr: bytes


@dataclass
class Context:
    """One collection run. ``home`` honours ``$HOME``; ``platform`` is linux, macos or windows."""

    snapshot: Snapshot
    home: Path
    platform: str
    indicators: Any = None  # IndicatorSet
    rules: Any = None  # compiled YARA rules, or None
    progress: Callable[[str], None] = lambda step: None
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    # Files -----------------------------------------------------------------------------------------
    def read(self, kind: str, path: Path, meta: dict[str, str] | None = None, limit: int = MAX_FILE) -> Artifact | None:
        """Add a file as an artifact. A missing file is not a problem; an unreadable one is."""
        self.snapshot.attempted.add(kind)
        try:
            if not path.is_file():
                return None
            size = path.stat().st_size
            if size > limit:
                self.problem(kind, "skipped", "too-large", f"{path} ({size} bytes)")
                return None
            data = path.read_bytes()
        except PermissionError:
            self.problem(kind, "skipped", self.permission_reason(path), str(path))
            return None
        except OSError as exc:
            self.problem(kind, "failed", "not-readable", f"{path}: {exc.strerror or exc}")
            return None
        meta = {"path": str(path), **(meta or {})}
        artifact = Artifact.make(kind, f"file:{path}", data, name=f"{kind}:{path}", meta=meta)
        self.snapshot.add(artifact)
        return artifact

    def add(
        self, kind: str, source: str, content: bytes | str, name: str = "", meta: dict[str, str] | None = None
    ) -> Artifact:
        artifact = Artifact.make(kind, source, content, name=name or kind, meta=meta)
        self.snapshot.add(artifact)
        return artifact

    def problem(self, kind: str, status: str, reason: str, detail: str = "", step: str = "") -> None:
        self.snapshot.problem(Problem(kind, status, reason, detail, step))  # type: ignore[arg-type]

    def permission_reason(self, path: Path) -> str:
        try:
            path.resolve().relative_to(self.home.resolve())
            return "not-readable"
        except ValueError:
            return "needs-admin"

    # Commands --------------------------------------------------------------------------------------
    def run(self, kind: str, key: str, timeout: float = COMMAND_TIMEOUT, **params: str) -> CommandResult | None:
        """Run one allow-listed command. Missing program → skipped; timeout → failed."""
        argv = argv_for(LOCAL, key, **params)
        self.snapshot.attempted.add(kind)
        # A private, throw-away cache folder: some tools write one as a side effect of reading
        # (gsettings → dconf creates ~/.cache/dconf/user), and the scan must not change the home folder.
        cache = tempfile.mkdtemp(prefix="techcheck-")
        # TZ=UTC: tools that print times (loginctl, last) then print them in UTC.
        env = {
            **self.env,
            "LC_ALL": "C",
            "LANG": "C",
            "TZ": "UTC",
            "SYSTEMD_PAGER": "",
            "PAGER": "cat",
            "XDG_CACHE_HOME": cache,
        }
        try:
            proc = subprocess.run(  # noqa: S603 - argv comes from the allow-list
                argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, env=env, check=False
            )
        except FileNotFoundError:
            self.problem(kind, "skipped", "not-available", f"{argv[0]} is not installed")
            return None
        except subprocess.TimeoutExpired:
            self.problem(kind, "failed", "timeout", f"{' '.join(argv)} took longer than {timeout:.0f} s")
            return None
        except OSError as exc:
            self.problem(kind, "failed", "error", f"{argv[0]}: {exc.strerror or exc}")
            return None
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        return CommandResult(proc.returncode, proc.stdout, proc.stderr)

    def output(
        self, kind: str, key: str, failure: tuple[str, str] = ("failed", "error"), **params: str
    ) -> bytes | None:
        """The standard output of an allow-listed command that succeeded, or None with the reason recorded
        (``failure`` is the status and reason to record when it ran but exited with an error)."""
        result = self.run(kind, key, **params)
        if result is None:
            return None
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip()[:200]
            self.problem(kind, failure[0], failure[1], f"{key}: {detail}")
            return None
        return result.stdout


@dataclass(frozen=True)
class Step:
    """One part of a collection, shown in the progress display. ``kinds`` are the artifacts it makes."""

    key: str  # a message key for the progress line, e.g. "step.processes"
    kinds: tuple[str, ...]
    run: Callable[[Context], None]


def run_steps(ctx: Context, steps: list[Step]) -> None:
    for step in steps:
        ctx.progress(step.key)
        try:
            step.run(ctx)
        except Exception as exc:  # noqa: BLE001 - one broken step must not lose the others
            for kind in step.kinds:
                ctx.problem(kind, "failed", "error", f"{exc.__class__.__name__}: {exc}"[:300], step.key)
