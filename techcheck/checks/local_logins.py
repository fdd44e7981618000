"""Sign-ins: who is signed in from another computer now, remote sign-ins in the history, and SSH keys
that let someone sign in without a password."""

from __future__ import annotations

from techcheck.checks.base import Check
from techcheck.indicators import IndicatorSet
from techcheck.model import Evidence, Finding
from techcheck.parse import Facts
from techcheck.parse.records import AuthorizedKey, LoginEvent, LoginSession

SESSION_KINDS = ("utmp_users", "loginctl_session")
HISTORY_KINDS = ("wtmp", "wtmpdb", "macos_last", "win_login_history")


def check_sessions(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for session in facts.of(LoginSession):
        if not session.remote:
            continue
        where = f"on {session.tty or '?'} from {session.host or '?'} since {session.started or '?'}"
        detail = f"{session.source}: {session.user} {where}"
        out.append(
            Finding(
                id="local.remote-login",
                category="accounts",
                severity="medium",
                subject={"kind": "account", "account": session.user, "host": session.host, "when": "now"},
                guide="computer-remote-login",
                evidence=(Evidence(session.artifact, detail),),
            )
        )
    return out


def check_history(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    """One finding per account and remote host, with how many times and when last."""
    groups: dict[tuple[str, str], list[LoginEvent]] = {}
    for event in facts.of(LoginEvent):
        if event.remote:
            groups.setdefault((event.user, event.host), []).append(event)
    out = []
    for (user, host), events in groups.items():
        last = max((e.time for e in events), default="")
        detail = f"{events[0].source}: {len(events)} sign-ins by {user} from {host}, last {last or '?'}"
        out.append(
            Finding(
                id="local.remote-login",
                category="accounts",
                severity="low",
                subject={"kind": "account", "account": user, "host": host, "when": last},
                guide="computer-remote-login",
                evidence=(Evidence(events[-1].artifact, detail),),
            )
        )
    return out


def _key_account(path: str) -> str:
    """The account a key file lets people into: the owner of the home folder it is in."""
    parts = path.replace("\\", "/").rstrip("/").split("/")
    if parts[-1] == "administrators_authorized_keys":
        return "Administrators"
    return parts[-3] if len(parts) >= 3 else ""


def check_ssh_keys(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for key in facts.of(AuthorizedKey):
        detail = f"{key.file}:{key.line} {key.algorithm} {key.fingerprint} {key.comment}".strip()
        out.append(
            Finding(
                id="local.ssh-key",
                category="accounts",
                severity="medium",
                subject={
                    "kind": "account",
                    "account": _key_account(key.file),
                    "name": key.comment or key.fingerprint,
                    "fingerprint": key.fingerprint,
                    "path": key.file,
                },
                guide="computer-ssh-key",
                evidence=(Evidence(key.artifact, detail),),
            )
        )
    return out


CHECKS = [
    Check("local.sessions", SESSION_KINDS, check_sessions),
    Check("local.login-history", HISTORY_KINDS, check_history),
    Check("local.ssh-keys", ("authorized_keys",), check_ssh_keys),
]
