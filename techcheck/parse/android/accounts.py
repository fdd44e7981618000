"""``dumpsys account``: the accounts on the phone, per user.

Every version prints, per user, ``User UserInfo{id:name:flags}:`` (the name localised, ``擁有者``, or
chosen by a person), ``  Accounts: N`` and N lines ``    Account {name=…, type=…}``; then the history,
``Active Sessions:`` (whose ``Session: … Account {name=…, type=…}`` lines must not be counted again),
``RegisteredServicesCache`` and (8.0+) ``Account visibility:``. Blank lines hold indentation spaces.
"""

from __future__ import annotations

import re

from techcheck.parse.android.common import check_head, require_text, split_lines
from techcheck.parse.android.records import AndroidAccount
from techcheck.parse.records import ParseError
from techcheck.text import clip

_USER = re.compile(r"^User UserInfo\{(-?\d+):.*\}:$")
_COUNT = re.compile(r"^Accounts: (\d+)$")
# The name is whatever the app that added the account chose: take the type after the LAST ", type=".
_ACCOUNT = re.compile(r"^Account \{name=(.*), type=([^,{}]*)\}$")


def parse_accounts(text: str) -> list[AndroidAccount]:
    """Every account of every user, read only from the ``Accounts: N`` blocks.

    A block ends once N accounts are read: an account name with a line break in it (names are chosen by
    the app that adds the account) cannot end the list early and hide the accounts after it.
    Raises ParseError when no ``User UserInfo{…}:`` line is found (not an account dump).
    """
    lines = split_lines(text)
    require_text(lines, "dumpsys account")
    check_head(lines, "dumpsys account")
    out: list[AndroidAccount] = []
    user: int | None = None
    remaining = 0  # accounts of the current "Accounts: N" block still to read
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue  # blank lines (holding spaces) do not end the block
        header = _USER.match(stripped)
        count = _COUNT.match(stripped)
        account = _ACCOUNT.match(stripped) if remaining else None
        if header:
            user, remaining = int(header.group(1)), 0
        elif count:
            remaining = int(count.group(1)) if user is not None else 0
        elif account and user is not None:
            out.append(AndroidAccount(type=clip(account.group(2)), name=clip(account.group(1)), user=user))
            remaining -= 1
    if user is None:
        raise ParseError("dumpsys account: no 'User UserInfo{…}:' line")
    return out
