"""The types that flow through the pipeline: collect → Snapshot → parse → facts → checks → Findings."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

Status = Literal["ok", "finding", "skipped", "failed"]
Severity = Literal["high", "medium", "low", "info"]

CATEGORIES = (
    "stalkerware",
    "watchware",
    "remote-access",
    "permissions",
    "location",
    "accounts",
    "device-security",
    "network",
    "other",
)
SEVERITIES = ("high", "medium", "low", "info")
STATUSES = ("ok", "finding", "skipped", "failed")
MATCH_KINDS = (
    "package",
    "bundle_id",
    "certificate",
    "sha256",
    "yara",
    "process",
    "path",
    "domain",
    "ip",
    "heuristic",
    "extension",
    "profile",
)


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Artifact:
    """One raw piece of evidence as received: a command's output, a file, or an API answer."""

    name: str  # unique within a snapshot, e.g. "xdg_autostart:/home/a/.config/autostart/x.desktop"
    kind: str  # which parser reads it
    source: str  # the command, file or API it came from
    content: bytes
    collected: str
    sha256: str
    meta: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def make(
        cls, kind: str, source: str, content: bytes | str, name: str = "", meta: Mapping[str, str] | None = None
    ) -> Artifact:
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        return cls(
            name=name or kind,
            kind=kind,
            source=source,
            content=data,
            collected=utc_now(),
            sha256=hashlib.sha256(data).hexdigest(),
            meta=dict(meta or {}),
        )

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Problem:
    """Something that could not be collected or read.

    ``reason`` is a short key (``needs-admin``, ``not-readable``, ``not-available``, ``not-supported``,
    ``timeout``, ``malformed``, ``error``) that the plan translates; ``detail`` is technical.
    """

    kind: str
    status: Literal["skipped", "failed"]
    reason: str
    detail: str = ""
    step: str = ""


@dataclass(frozen=True)
class Target:
    kind: str
    id: str = ""
    model: str = ""
    os: str = ""
    patch_level: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "model": self.model, "os": self.os, "patch_level": self.patch_level}


@dataclass
class Snapshot:
    """Everything one collection produced. Raw, hashed, and enough to run the checks again later."""

    target: Target
    artifacts: list[Artifact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    attempted: set[str] = field(default_factory=set)  # artifact kinds the collector looked for
    started: str = field(default_factory=utc_now)

    def add(self, artifact: Artifact) -> None:
        self.attempted.add(artifact.kind)
        self.artifacts.append(artifact)

    def problem(self, problem: Problem) -> None:
        self.attempted.add(problem.kind)
        self.problems.append(problem)

    def of_kind(self, kind: str) -> list[Artifact]:
        return [a for a in self.artifacts if a.kind == kind]


@dataclass(frozen=True)
class Match:
    by: str
    value: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {"by": self.by, "value": self.value, "source": self.source}


@dataclass(frozen=True)
class Evidence:
    artifact: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"artifact": self.artifact, "detail": self.detail}


@dataclass(frozen=True)
class Finding:
    id: str
    category: str
    severity: str
    subject: Mapping[str, str]
    guide: str
    matched: tuple[Match, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if "kind" not in self.subject:
            raise ValueError("a finding subject needs a kind")
        unknown = [m.by for m in self.matched if m.by not in MATCH_KINDS]
        if unknown:
            raise ValueError(f"unknown match kind {unknown[0]!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "severity": self.severity,
            "subject": dict(self.subject),
            "matched": [m.to_dict() for m in self.matched],
            "evidence": [e.to_dict() for e in self.evidence],
            "guide": self.guide,
        }


@dataclass(frozen=True)
class CheckResult:
    id: str
    status: str
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "note": self.note}
