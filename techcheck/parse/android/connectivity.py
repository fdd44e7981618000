"""``dumpsys connectivity``: connected VPNs, from the ``NetworkAgentInfo{…}`` lines (one line per network).

- Up to 11: ``NetworkAgentInfo{ ni{[type: VPN[], state: CONNECTED/CONNECTED, reason: …, extra: …, …]}
  network{101} … lp{{InterfaceName: tun0 …}} nc{[ Transports: VPN … OwnerUid: 10123 …]} …}``
  (``EstablishingAppUid:`` instead of ``OwnerUid:`` on 10; older dumps have ``nlp{…}``, neither uid).
- 12+: ``NetworkAgentInfo{network{445}  handle{…}  ni{VPN CONNECTED extra: VPN:<pkg>}  lp{{InterfaceName:
  tun0 …}}  nc{[ Transports: WIFI|VPN Capabilities: … OwnerUid: 10405 AdminUids: [10405] …]} …}``.

A VPN runs over another network, so transports read ``CELLULAR|VPN`` or ``WIFI|VPN``. ``NetworkRequest``
lines that mention ``Transports: VPN`` are requests, not connected networks, and are not read.
"""

from __future__ import annotations

import re

from techcheck.parse.android.common import check_head, require_text, split_lines, unique
from techcheck.parse.android.records import VpnConnection
from techcheck.parse.records import ParseError
from techcheck.text import clip

_OLD_INFO = re.compile(r"ni\{\[type: ([^\[\],]*)\[[^\]]*\], state: (\w+)/\w+(?:.*?, extra: ([^,\]]*))?", re.IGNORECASE)
_NEW_INFO = re.compile(r"ni\{([^\s{}]+) (\w+)(?: extra: ([^}]*))?\}")
_TRANSPORTS = re.compile(r"Transports: ([A-Za-z_|]+)")
_OWNER = re.compile(r"(?:OwnerUid|EstablishingAppUid): (\d+)")
_INTERFACE = re.compile(r"InterfaceName: ([^\s}]+)")
_MARKERS = ("NetworkAgentInfo", "Active default network", "Current Networks", "NetworkFactories", "NetworkProvider")


def _info(line: str) -> tuple[str, str, str] | None:
    """(type, state, extra) of the ``ni{…}`` part in either format."""
    for pattern in (_OLD_INFO, _NEW_INFO):
        match = pattern.search(line)
        if match:
            return match.group(1).strip(), match.group(2).upper(), (match.group(3) or "").strip()
    return None


def _is_vpn(kind: str, line: str) -> bool:
    if kind.upper() == "VPN":
        return True
    transports = _TRANSPORTS.search(line)
    return bool(transports) and "VPN" in transports.group(1).upper().split("|")


def _vpn_package(extra: str) -> str:
    if extra.upper().startswith("VPN:"):
        return clip(extra[4:].strip())
    return ""


def vpn_from_line(line: str) -> VpnConnection | None:
    """The connected VPN described by one ``NetworkAgentInfo`` line, or None."""
    info = _info(line)
    if info is None:
        return None
    kind, state, extra = info
    if state != "CONNECTED" or not _is_vpn(kind, line):
        return None
    owner = _OWNER.search(line)
    interface = _INTERFACE.search(line)
    return VpnConnection(
        package=_vpn_package(extra),
        owner_uid=int(owner.group(1)) if owner else None,
        interface=clip(interface.group(1)) if interface else "",
    )


def parse_connectivity(text: str) -> list[VpnConnection]:
    """Every connected VPN network (usually none or one). Raises ParseError for a non-connectivity dump."""
    lines = split_lines(text)
    require_text(lines, "dumpsys connectivity")
    check_head(lines, "dumpsys connectivity")
    if not any(marker in line for line in lines for marker in _MARKERS):
        raise ParseError("dumpsys connectivity: not a connectivity dump")
    out: list[VpnConnection] = []
    for line in lines:
        if "NetworkAgentInfo" not in line or "ni{" not in line or line.lstrip().startswith("NetworkRequest"):
            continue
        vpn = vpn_from_line(line)
        if vpn is not None:
            out.append(vpn)
    return unique(out)
