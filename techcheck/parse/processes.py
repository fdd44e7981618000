"""Running processes and network connections, as the collector wrote them from psutil."""

from __future__ import annotations

from techcheck.parse.common import as_int, json_list
from techcheck.parse.records import Connection, ProcessRecord
from techcheck.text import clip, clip_line, clip_path


def parse_processes(raw: bytes) -> list[ProcessRecord]:
    out = []
    for item in json_list(raw, "process list"):
        if not isinstance(item, dict):
            continue
        cmdline = item.get("cmdline") or []
        if isinstance(cmdline, list):
            cmdline = " ".join(str(part) for part in cmdline)
        out.append(
            ProcessRecord(
                pid=as_int(item.get("pid")),
                name=clip(item.get("name")),
                exe=clip_path(item.get("exe")),
                cmdline=clip_line(cmdline),
                username=clip(item.get("username")),
            )
        )
    return out


def _addr(value: object) -> tuple[str, int]:
    if isinstance(value, (list, tuple)) and len(value) >= 2:
        return clip(value[0], 64), as_int(value[1])
    return "", 0


def parse_connections(raw: bytes) -> list[Connection]:
    out = []
    for item in json_list(raw, "connection list"):
        if not isinstance(item, dict):
            continue
        laddr, lport = _addr(item.get("laddr"))
        raddr, rport = _addr(item.get("raddr"))
        pid = item.get("pid")
        out.append(
            Connection(
                laddr=laddr,
                lport=lport,
                raddr=raddr,
                rport=rport,
                status=clip(item.get("status"), 32),
                pid=as_int(pid) if pid is not None else None,
                process=clip(item.get("process")),
            )
        )
    return out
