"""What the fake phone is like: its properties, its answers to shell commands, its files, and its person.

A Scenario is plain data; the FakeAdbd server keeps everything that changes while it runs (command_log,
sync_log, max_concurrent, the keys the person has allowed), so one scenario can serve several servers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import rsa

from .protocol import SYNC_PATH_MAX

# Features this fake implements. "cmd" only says that the phone has the `cmd` binary (answered from `commands`
# like any other command); "stat_v2" is the LST2/STA2 sync requests. Not "shell_v2": its framing (stdout, stderr
# and exit code in packets) is not implemented, and without it every client falls back to plain "shell:".
SUPPORTED_FEATURES = frozenset({"cmd", "stat_v2"})

DEFAULT_BANNER = {"ro.product.name": "oriole", "ro.product.model": "Pixel 6", "ro.product.device": "oriole"}


@dataclass(frozen=True)
class Response:
    """The answer to one shell command: its output (stdout and stderr together, as shell v1 merges them), how long
    the command takes before printing anything, and optionally the largest WRTE the device sends for it."""

    output: bytes | str = b""
    delay: float = 0.0
    chunk: int | None = None

    @property
    def data(self) -> bytes:
        return self.output.encode() if isinstance(self.output, str) else self.output


def not_found(command: str) -> Response:
    """What Android's shell (mksh) prints for a command that does not exist."""
    first_word = command.split()[0] if command.split() else command
    return Response(f"/system/bin/sh: {first_word}: inaccessible or not found\n")


@dataclass
class Scenario:
    """A fake phone.

    banner: the three properties adbd puts in its CNXN banner (also answered by ``getprop``).
    props: more properties for ``getprop <name>`` / ``getprop``.
    commands: exact command text -> Response (a bytes or str value is turned into Response(value)).
        A command not listed here: ``getprop`` answers from banner and props, anything else gets the shell's
        "inaccessible or not found" line.
    files: path -> content, for the sync service; the value None is a file that exists but cannot be read.
    trusted_keys: adb public keys (``adbkey.pub`` contents or RSAPublicKey) the phone already trusts.
    accept_new_keys: a host offering an unknown key (AUTH RSAPUBLICKEY) is accepted, as if the person tapped
        Allow after ``allow_delay`` seconds; False: the dialog is never answered and the host waits forever.
    close_after_cnxn: the phone closes the TCP connection right after the host's CNXN (USB debugging off, busy).
    disconnect_after_commands: drop the connection abruptly (no CLSE, TCP reset) when the Nth shell command of
        this server arrives, before answering it: the phone was unplugged.
    features: the features advertised in the banner, a subset of SUPPORTED_FEATURES.
    """

    name: str = "pixel"
    banner: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_BANNER))
    props: dict[str, str] = field(default_factory=dict)
    commands: dict[str, Response | bytes | str] = field(default_factory=dict)
    files: dict[str, bytes | None] = field(default_factory=dict)
    trusted_keys: list[bytes | str | rsa.RSAPublicKey] = field(default_factory=list)
    accept_new_keys: bool = True
    allow_delay: float = 0.0
    close_after_cnxn: bool = False
    disconnect_after_commands: int | None = None
    features: tuple[str, ...] = ("cmd", "stat_v2")
    file_mtime: int = 1_700_000_000

    def __post_init__(self) -> None:
        self.commands = {cmd: r if isinstance(r, Response) else Response(r) for cmd, r in self.commands.items()}
        unsupported = set(self.features) - SUPPORTED_FEATURES
        if unsupported:
            raise ValueError(f"the fake adbd does not implement {sorted(unsupported)}; it must not advertise them")
        too_long = [path for path in self.files if len(path.encode()) > SYNC_PATH_MAX]
        if too_long:
            raise ValueError(f"sync paths are limited to {SYNC_PATH_MAX} bytes: {too_long[0][:60]}...")

    def response(self, command: str) -> Response:
        """The answer to ``shell:<command>``."""
        if command in self.commands:
            return self.commands[command]  # type: ignore[return-value]  # normalised in __post_init__
        words = command.split()
        if words and words[0] == "getprop" and len(words) <= 2:
            props = {**self.banner, **self.props}
            if len(words) == 2:
                return Response(props.get(words[1], "") + "\n")  # an unset property prints an empty line
            return Response("".join(f"[{key}]: [{value}]\n" for key, value in sorted(props.items())))
        if not words:
            return Response(b"")  # "shell:" alone would be an interactive shell; here it just ends
        return not_found(command)
