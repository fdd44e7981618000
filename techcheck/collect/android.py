"""Collecting from an Android phone over ADB (USB or TCP). Observe only: every command comes from the
ANDROID allow-list and reads; files are only pulled (copied to this computer), never changed.

Commands run concurrently over one connection, from a bounded pool, longest first. Each command has
its own timeout; a command that fails makes only its own artifact missing (its checks become
``failed``); a phone that disconnects ends the collection with what arrived so far.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techcheck.android_stores import from_store, is_system_path
from techcheck.collect.adb.connection import AdbConnection, AdbError
from techcheck.collect.allowlist import ANDROID, command_line
from techcheck.indicators.yara_rules import origin_of
from techcheck.model import Artifact, Problem, Snapshot, Target
from techcheck.text import clip

POOL = 6  # commands at once on one connection
PULLS_AT_ONCE = 2
MAX_APKS = 40  # sideloaded apps looked at closely
MAX_APK_BYTES = 150 * 1024 * 1024
MAX_DEX_BYTES = 64 * 1024 * 1024
SPOOL_IN_MEMORY = 16 * 1024 * 1024
YARA_TIMEOUT = 20


@dataclass(frozen=True)
class Job:
    kind: str  # the artifact kind it makes
    key: str  # the allow-list key
    params: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    timeout: float = 30.0

    @property
    def name(self) -> str:
        suffix = ":".join(f"{k}={v}" for k, v in sorted({**self.params, **self.meta}.items()))
        return f"{self.kind}:{suffix}" if suffix else self.kind


# Slowest first: `dumpsys package` can take seconds on a phone with many apps.
FIRST_JOBS = (
    Job("dumpsys_package", "dumpsys-package", timeout=120.0),
    Job("appops", "appops", timeout=60.0),
    Job("connectivity", "connectivity", timeout=60.0),
    Job("pm_packages", "pm-packages", {"user": "0"}, {"user": "0"}),
    Job("device_policy", "device-policy"),
    Job("accounts", "accounts"),
    Job("launcher_activities", "launcher-activities"),
    Job("settings", "settings-secure", meta={"namespace": "secure"}),
    Job("settings", "settings-global", meta={"namespace": "global"}),
    Job("getprop", "getprop"),
    Job("pm_users", "pm-users"),
    Job("su_paths", "su-paths"),
    Job("which_su", "which-su"),
)
ANDROID_KINDS = tuple(dict.fromkeys(job.kind for job in FIRST_JOBS)) + ("apk_scan",)


@dataclass
class AndroidCollection:
    connection: AdbConnection
    rules: Any = None  # compiled YARA rules, or None
    progress: Callable[[str], None] = lambda step: None
    snapshot: Snapshot = field(default_factory=lambda: Snapshot(target=Target(kind="android")))
    disconnected: AdbError | None = None

    # One command -----------------------------------------------------------------------------------
    def run_job(self, job: Job) -> Artifact | None:
        line = command_line(ANDROID, job.key, **job.params)
        try:
            output = self.connection.shell(line, timeout=job.timeout)
        except AdbError as exc:
            status = "failed"
            if exc.reason == "disconnected":
                self.disconnected = self.disconnected or exc
            self.snapshot.problem(Problem(job.kind, status, _reason(exc), f"{line}: {exc.detail}"[:300], job.name))
            return None
        artifact = Artifact.make(job.kind, f"adb shell {line}", output, name=job.name, meta=job.meta)
        self.snapshot.add(artifact)
        return artifact

    # Follow-up work decided by earlier answers ---------------------------------------------------------
    def follow_ups(self, job: Job, artifact: Artifact | None) -> list[Job]:
        if artifact is None:
            return []
        if job.key == "pm-packages" and b"Unknown option: -U" in artifact.content:
            return [Job("pm_packages", "pm-packages-old", {"user": job.params["user"]}, dict(job.meta))]
        if job.kind == "pm_users":
            return [
                Job("pm_packages", "pm-packages", {"user": str(user)}, {"user": str(user)})
                for user in _user_ids(artifact)
                if user != 0
            ]
        return []

    def sideloaded(self) -> list[tuple[str, str]]:
        """(package, APK path) of user-0 apps from outside a store, from `pm list packages`."""
        from techcheck.parse import parse_artifact
        from techcheck.parse.android.records import AndroidPackage

        out: dict[str, str] = {}
        for artifact in self.snapshot.of_kind("pm_packages"):
            try:
                records = parse_artifact(artifact)
            except Exception:  # noqa: BLE001 - reported by the parse room
                continue
            for package in records:
                if not isinstance(package, AndroidPackage) or not package.path:
                    continue
                if not is_system_path(package.path) and not from_store(package.installer):
                    out.setdefault(package.name, package.path)
        return sorted(out.items())[:MAX_APKS]

    # The deep look at one APK ----------------------------------------------------------------------
    def scan_apk(self, package: str, path: str, workdir: Path) -> dict[str, Any]:
        from techcheck.apk import iter_dex, read_apk

        row: dict[str, Any] = {
            "package": package,
            "path": path,
            "size": 0,
            "sha256": "",
            "certificates": [],
            "schemes": [],
            "yara": [],
            "note": "",
        }
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=workdir) as spool:
            try:
                row["size"] = self.connection.pull(path, spool, MAX_APK_BYTES)
            except AdbError as exc:
                if exc.reason == "disconnected":
                    self.disconnected = self.disconnected or exc
                row["note"] = f"{_reason(exc)}: {exc.detail}"[:200]
                return row
            spool.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: spool.read(1024 * 1024), b""):
                digest.update(chunk)
            row["sha256"] = digest.hexdigest()
            spool.seek(0)
            facts = read_apk(spool)
            # The signer certificates, then older keys from a v3 rotation record and chain certificates:
            # an app re-signed after key rotation still matches a listed old key.
            row["certificates"] = list(dict.fromkeys((*facts.certificates, *facts.other_certificates)))
            row["schemes"] = list(facts.schemes)
            if facts.problems:
                row["note"] = "; ".join(facts.problems)[:200]
            if self.rules is not None:
                spool.seek(0)
                dex_problems: list[str] = []
                for name, data in iter_dex(spool, MAX_DEX_BYTES, problems=dex_problems):
                    row["yara"].extend(_yara(self.rules, data, name))
                if dex_problems:
                    row["note"] = "; ".join([row["note"], *dex_problems]).strip("; ")[:200]
        return row

    # Everything ------------------------------------------------------------------------------------
    def run(self) -> Snapshot:
        """Commands first, slowest first; the deep look at sideloaded apps starts as soon as the user-0
        package list is in, so APK transfers overlap the slow `dumpsys package`."""
        self.snapshot.attempted.update(ANDROID_KINDS)
        workdir = Path(tempfile.mkdtemp(prefix="techcheck-apk-"))  # private (0700), removed below
        pulls: list[Future] = []
        try:
            with (
                ThreadPoolExecutor(max_workers=POOL, thread_name_prefix="adb-cmd") as pool,
                ThreadPoolExecutor(max_workers=PULLS_AT_ONCE, thread_name_prefix="adb-pull") as pull_pool,
            ):
                pending: dict[Future, Job] = {pool.submit(self.run_job, job): job for job in FIRST_JOBS}
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        job = pending.pop(future)
                        self.progress(f"android.{job.kind}")
                        artifact = future.result()
                        if self.disconnected is not None:
                            continue
                        follow = self.follow_ups(job, artifact)
                        for next_job in follow:
                            pending[pool.submit(self.run_job, next_job)] = next_job
                        if job.kind == "pm_packages" and job.params.get("user") == "0" and artifact and not follow:
                            pulls = [
                                pull_pool.submit(self.scan_apk, name, path, workdir) for name, path in self.sideloaded()
                            ]
                self.progress("android.apk_scan")
                rows = [future.result() for future in pulls]
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if self.disconnected is None:
            self.snapshot.add(
                Artifact.make(
                    "apk_scan", "adb sync RECV + sha256 + certificates + YARA", json.dumps(rows), name="apk_scan"
                )
            )
        self.target()
        if self.disconnected is not None:
            self.snapshot.problem(Problem("connection", "failed", "disconnected", self.disconnected.detail, "adb"))
        return self.snapshot

    def target(self) -> None:
        from techcheck.parse import parse_artifact
        from techcheck.parse.android.records import AndroidProps

        props = AndroidProps()
        for artifact in self.snapshot.of_kind("getprop"):
            try:
                found = [r for r in parse_artifact(artifact) if isinstance(r, AndroidProps)]
            except Exception:  # noqa: BLE001 - reported by the parse room
                found = []
            props = found[0] if found else props
        banner = self.connection.banner
        self.snapshot.target = Target(
            kind="android",
            id=clip(props.serial or banner.get("ro.product.name", ""), 64),
            model=clip(
                " ".join(x for x in (props.manufacturer, props.model or banner.get("ro.product.model", "")) if x)
            ),
            os=f"Android {props.android_version}" if props.android_version else "Android",
            patch_level=clip(props.security_patch, 16),
        )


def _reason(exc: AdbError) -> str:
    return {"disconnected": "disconnected", "timeout": "timeout", "too-large": "too-large"}.get(exc.reason, "error")


def _user_ids(artifact: Artifact) -> list[int]:
    from techcheck.parse import parse_artifact

    try:
        records = parse_artifact(artifact)
    except Exception:  # noqa: BLE001 - reported by the parse room
        return []
    ids = []
    for record in records:
        value = getattr(record, "id", record)
        if isinstance(value, int):
            ids.append(value)
    return ids


def _yara(rules: Any, data: bytes, dex_name: str) -> list[dict[str, str]]:
    try:
        found = rules.match(data=data, timeout=YARA_TIMEOUT)
    except Exception:  # noqa: BLE001 - a YARA timeout on one dex file is not the end of the scan
        return []
    return [
        {
            "origin": origin_of(m.namespace),
            "rule": m.rule,
            "name": str((m.meta or {}).get("name", "")),
            "type": str((m.meta or {}).get("type", "")),
            "file": dex_name,
        }
        for m in found
    ]


def collect_android(
    connection: AdbConnection, rules: Any = None, progress: Callable[[str], None] | None = None
) -> AndroidCollection:
    collection = AndroidCollection(connection=connection, rules=rules, progress=progress or (lambda step: None))
    collection.run()
    return collection
