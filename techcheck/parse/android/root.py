"""Signs of root: ``ls -l <su paths>`` and ``which su``.

``ls -l`` (toybox, Android 6+) prints one permissions line per path that exists, ending in the path as
given (``-rwsr-x--- 1 root shell 123 2020-01-01 12:00 /system/xbin/su``, or ``… /system/bin/su ->
/sbin/su`` for a link), and ``ls: /sbin/su: No such file or directory`` for each missing one; its exit
status is 1 whenever one path is missing, so only the text counts. ``Permission denied`` says that a
folder could not be searched, not that ``su`` is there. ``which su`` prints the path, or nothing.
"""

from __future__ import annotations

import re

from techcheck.parse.android.common import check_head, require_text, split_lines, unique
from techcheck.parse.android.records import RootSign
from techcheck.text import clip_path

_PERMISSIONS = re.compile(r"^[-dlcbps][-rwxsStT]{9}[.+@]?\s")
_PATH = re.compile(r"\s(/\S*)(?: -> .*)?$")


def parse_su_paths(text: str) -> list[RootSign]:
    """A RootSign per su path that ``ls -l`` found. Raises ParseError for empty output or a shell error."""
    lines = split_lines(text)
    require_text(lines, "ls -l (su paths)")
    check_head(lines, "ls -l (su paths)")
    out: list[RootSign] = []
    for line in lines:
        stripped = line.strip()
        path = _PATH.search(stripped) if _PERMISSIONS.match(stripped) else None
        if path:
            out.append(RootSign(kind="su", detail=clip_path(path.group(1))))
    return unique(out)


def parse_which_su(text: str) -> list[RootSign]:
    """A RootSign when ``which su`` printed a path; [] when it printed nothing."""
    lines = split_lines(text)
    check_head(lines, "which su")
    paths = (line.strip() for line in lines)
    return unique(RootSign(kind="su", detail=clip_path(p)) for p in paths if p.startswith("/") and " " not in p)
