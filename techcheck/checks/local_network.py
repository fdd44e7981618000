"""Network: connections to addresses known to belong to stalkerware, and services that let other
computers sign in or take control (SSH, RDP, VNC) listening on this one."""

from __future__ import annotations

import ipaddress

from techcheck.checks.base import Check, matches
from techcheck.indicators import IndicatorSet
from techcheck.model import Evidence, Finding
from techcheck.parse import Facts
from techcheck.parse.records import Connection

# port → service label; and process names that are remote sign-in or desktop servers.
REMOTE_PORTS = {22: "SSH", 3389: "RDP", 5800: "VNC", **{p: "VNC" for p in range(5900, 5911)}}
REMOTE_PROCESSES = {
    "sshd": "SSH",
    "xrdp": "RDP",
    "x11vnc": "VNC",
    "xvnc": "VNC",
    "xtigervnc": "VNC",
    "x0vncserver": "VNC",
    "vino-server": "VNC",
    "wayvnc": "VNC",
    "krfb": "VNC",
    "winvnc.exe": "VNC",
    "tvnserver.exe": "VNC",
}
_SEVERITY = {"stalkerware": "high", "monitoring": "high"}


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def check_connections(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for conn in facts.of(Connection):
        if not conn.raddr:
            continue
        entries = ind.ip(conn.raddr)
        for entry in entries:
            out.append(
                Finding(
                    id="local.network",
                    category="network",
                    severity=_SEVERITY.get(entry.type, "medium"),
                    subject={"kind": "process", "name": entry.name, "process": conn.process, "host": conn.raddr},
                    guide="computer-network",
                    matched=tuple(matches([entry], "ip", conn.raddr)),
                    evidence=(
                        Evidence(
                            conn.artifact,
                            f"{conn.status} {conn.laddr}:{conn.lport} -> {conn.raddr}:{conn.rport} "
                            f"pid {conn.pid} {conn.process}",
                        ),
                    ),
                )
            )
    return out


def check_remote_services(facts: Facts, ind: IndicatorSet) -> list[Finding]:
    out = []
    for conn in facts.of(Connection):
        if conn.status != "LISTEN" or _is_loopback(conn.laddr):
            continue
        label = REMOTE_PROCESSES.get(conn.process.lower()) or REMOTE_PORTS.get(conn.lport)
        if not label:
            continue
        out.append(
            Finding(
                id="local.remote-desktop-service",
                category="remote-access",
                severity="medium",
                subject={"kind": "setting", "name": label, "setting": f"{conn.lport}/tcp", "process": conn.process},
                guide="computer-remote-desktop",
                matched=(),
                evidence=(Evidence(conn.artifact, f"LISTEN {conn.laddr}:{conn.lport} pid {conn.pid} {conn.process}"),),
            )
        )
    return out


CHECKS = [
    Check("local.network", ("connections",), check_connections),
    Check("local.remote-services", ("connections",), check_remote_services),
]
