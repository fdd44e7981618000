"""The person's answers to the questionnaire (``--answers FILE``, or asked by ``techcheck checkup``), and
which guided checks they call for.

Every answer is optional: "prefer not to say" is simply leaving it out (or ``null``, ``""``,
``prefer-not-to-say``). The format is documented in README.md ("Answers"). Answers are the person's
own words about their life: they are kept only in the plan they choose to save.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

YES_NO = ("yes", "no", "unsure")
STAGES = ("staying", "planning-to-leave", "left")
QUESTIONS = (  # yes / no / unsure questions, in the order they are asked
    "physical_access",
    "knows_passwords",
    "shared_phone_plan",
    "shared_accounts",
    "children_devices",
    "smart_home",
)
ACCOUNTS = ("google", "apple", "microsoft", "facebook", "instagram", "whatsapp", "snapchat", "life360", "email", "bank")
ACCOUNT_ALIASES = {
    "gmail": "google",
    "youtube": "google",
    "icloud": "apple",
    "apple-id": "apple",
    "outlook": "microsoft",
    "hotmail": "microsoft",
    "meta": "facebook",
    "messenger": "facebook",
    "banking": "bank",
    "yahoo": "email",
    "mail": "email",
}
NOT_SAID = (None, "", "prefer-not-to-say", "prefer not to say")
MAX_ANSWERS_BYTES = 64 * 1024

# Guided checks each answer calls for. "unsure" counts as yes: it is worth a look.
BY_QUESTION: dict[str, tuple[str, ...]] = {
    "physical_access": ("physical-access", "bluetooth-trackers"),
    "knows_passwords": ("passwords",),
    "shared_phone_plan": ("shared-phone-plan",),
    "shared_accounts": ("shared-accounts",),
    "children_devices": ("children-devices",),
    "smart_home": ("smart-home",),
}
BY_ACCOUNT: dict[str, tuple[str, ...]] = {
    "google": ("account-google", "email-forwarding", "google-maps-sharing"),
    "apple": ("ios-apple-account-devices", "ios-trusted-numbers", "ios-find-my", "ios-family-sharing"),
    "microsoft": ("account-microsoft", "email-forwarding"),
    "facebook": ("account-social",),
    "instagram": ("account-social",),
    "whatsapp": ("whatsapp-linked-devices",),
    "snapchat": ("snap-map",),
    "life360": ("life360",),
    "email": ("email-forwarding",),
    "bank": ("bank-accounts",),
}
# Without answers: the checks that matter for most people.
DEFAULT_GUIDED = ("passwords", "email-forwarding", "shared-accounts", "bluetooth-trackers")
STAGE_GUIDES = {stage: f"stage-{stage}" for stage in STAGES}


class AnswersError(Exception):
    """An answers file we cannot use. ``str()`` is one line naming the file and the problem."""


@dataclass(frozen=True)
class Answers:
    region: str = ""  # ISO 3166 code such as US, UK (GB is read as UK), IE, AU, CA
    stage: str = ""
    physical_access: str = ""
    knows_passwords: str = ""
    shared_phone_plan: str = ""
    shared_accounts: str = ""
    children_devices: str = ""
    smart_home: str = ""
    accounts: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}
        if "accounts" in out:
            out["accounts"] = list(out["accounts"])
        return out


def _choice(file: str, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value in NOT_SAID:
        return ""
    if isinstance(value, bool):  # YAML reads a bare yes/no as a boolean
        value = "yes" if value else "no"
    text = str(value).strip().lower().replace("_", "-").replace(" ", "-")
    if text not in allowed:
        raise AnswersError(f"{file}: {key} is {str(value)[:40]!r}; use one of {', '.join(allowed)} (or leave it out)")
    return text


def parse_answers(data: Any, file: str = "answers") -> Answers:
    if data is None:
        return Answers()
    if not isinstance(data, dict):
        raise AnswersError(f"{file}: expected keys and values (like region: US), not {type(data).__name__}")
    known = {f.name for f in fields(Answers)}
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise AnswersError(f"{file}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    region = data.get("region")
    if region not in NOT_SAID:
        code = str(region).strip().upper()
        code = {"GB": "UK"}.get(code, code)
        if not (len(code) == 2 and code.isalpha() and code.isascii()):
            raise AnswersError(
                f"{file}: region is {str(region)[:40]!r}; use a two-letter country code such as US or UK"
            )
        values["region"] = code
    values["stage"] = _choice(file, "stage", data.get("stage"), STAGES)
    for key in QUESTIONS:
        values[key] = _choice(file, key, data.get(key), YES_NO)
    accounts = data.get("accounts")
    if accounts not in NOT_SAID:
        if isinstance(accounts, str):
            accounts = [a for a in accounts.replace(",", " ").split() if a]
        if not isinstance(accounts, list):
            raise AnswersError(f"{file}: accounts is a list, such as [google, whatsapp]")
        names = []
        for item in accounts[:50]:
            name = str(item).strip().lower()
            name = ACCOUNT_ALIASES.get(name, name)
            if name not in ACCOUNTS:
                raise AnswersError(f"{file}: unknown account {str(item)[:40]!r}; known: {', '.join(ACCOUNTS)}")
            names.append(name)
        values["accounts"] = tuple(dict.fromkeys(names))
    return Answers(**values)


def load_answers(path: Path) -> Answers:
    """A YAML or JSON answers file."""
    import yaml

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AnswersError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_ANSWERS_BYTES:
        raise AnswersError(f"{path}: too large for an answers file")
    try:
        text = raw.decode("utf-8-sig")
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise AnswersError(f"{path}: not YAML or JSON we can read ({exc.__class__.__name__})") from None
    return parse_answers(data, str(path))


def guided_for(answers: Answers) -> list[str]:
    """Guided-check guide ids the answers call for, without repeats (order: as the table lists them)."""
    if not answers.given:
        return list(DEFAULT_GUIDED)
    out: list[str] = []
    for key, guides in BY_QUESTION.items():
        if getattr(answers, key) in ("yes", "unsure"):
            out += guides
    for account in answers.accounts:
        out += BY_ACCOUNT.get(account, ())
    return list(dict.fromkeys(out))
