"""Reports + guides → a Plan: what was seen, what it can mean, the options, what was and was not checked.

Pure: no I/O beyond reading guides. Renderers (html.py, markdown.py) turn a Plan into a file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from string import Formatter

from techcheck.messages import Messages
from techcheck.model import utc_now
from techcheck.plan.answers import STAGE_GUIDES, Answers, guided_for
from techcheck.plan.guides import Guide, load_guide
from techcheck.report import LoadedReport
from techcheck.text import clip

# Most likely first (safety-plan guidance P8): accounts and location before device findings,
# stalkerware last. Within a category, stronger signs first.
CATEGORY_ORDER = (
    "accounts",
    "location",
    "watchware",
    "remote-access",
    "network",
    "permissions",
    "device-security",
    "other",
    "stalkerware",
)
SEVERITY_ORDER = ("high", "medium", "low", "info")
MAX_ITEMS_PER_GUIDE = 200


@dataclass
class SeenItem:
    """One thing seen: the guide's ``seen`` sentence and the device values that fill it. The values are
    kept apart so each renderer escapes only them, never the guide's own words."""

    template: str
    values: dict[str, str]
    device: str
    severity: str
    details: list[str] = field(default_factory=list)

    def render(self, escape: Callable[[str], str] = str, missing: str = "?") -> str:
        values = {k: escape(v) for k, v in self.values.items()}
        try:
            return Formatter().vformat(self.template, (), _Values(values, missing))
        except (ValueError, IndexError, KeyError):
            return escape(self.values.get("name") or missing)

    @property
    def text(self) -> str:
        return self.render(missing=self.values.get("_missing", "?"))


@dataclass
class PlanSection:
    guide: Guide
    category: str
    severity: str
    items: list[SeenItem] = field(default_factory=list)
    hidden: int = 0  # items over MAX_ITEMS_PER_GUIDE


@dataclass
class CheckLine:
    device: str
    title: str
    status: str
    reason: str = ""
    detail: str = ""


@dataclass
class ReportRef:
    path: str
    sha256: str
    created: str
    device: str


@dataclass
class EvidenceRow:
    """One line of the evidence log: what was seen, on which device, when, in which saved report."""

    when: str
    device: str
    what: SeenItem
    category: str
    report: str
    sha256: str


@dataclass
class Resource:
    name: str
    phone: str = ""
    text: str = ""
    web: str = ""
    web_es: str = ""  # the same service's page in Spanish, where it has one
    note: str = ""
    source: str = ""


@dataclass
class Region:
    code: str
    name: str
    resources: list[Resource]


@dataclass
class Plan:
    lang: str
    created: str
    intro: Guide | None
    not_checked_guide: Guide | None
    devices: list[str]
    sections: list[PlanSection]
    checked: list[CheckLine]
    not_checked: list[CheckLine]
    credits: list[str]
    reports: list[ReportRef]
    closing: list[Guide] = field(default_factory=list)  # shown last, e.g. turning USB debugging off
    guided: list[Guide] = field(default_factory=list)  # checks the person can do where no scan can read
    guided_first: list[Guide] = field(default_factory=list)  # the same, about accounts and sharing: before findings
    safety: Guide | None = None  # shown first in every plan
    regions: list[Region] = field(default_factory=list)  # where to get help: the person's region, or all
    elsewhere: str = ""
    stage: Guide | None = None  # only when the person chose to say where they are
    evidence: list[EvidenceRow] = field(default_factory=list)
    evidence_guide: Guide | None = None
    answers: dict[str, object] = field(default_factory=dict)


# Guided checks, most likely first. Those about accounts, location and sharing come before the device
# findings (safety-plan guidance: the most likely ways in first, stalkerware last); the rest after them.
GUIDED_FIRST = (
    "passwords",
    "account-google",
    "account-microsoft",
    "ios-apple-account-devices",
    "ios-trusted-numbers",
    "email-forwarding",
    "account-social",
    "whatsapp-linked-devices",
    "ios-safety-check",
    "google-maps-sharing",
    "ios-find-my",
    "life360",
    "snap-map",
    "shared-phone-plan",
    "shared-accounts",
    "ios-family-sharing",
)
GUIDED_LATER = (
    "physical-access",
    "ios-passcode",
    "ios-icloud-backup",
    "ios-significant-locations",
    "bluetooth-trackers",
    "children-devices",
    "smart-home",
    "bank-accounts",
)
# Guides shown at the end of a plan when it includes a device of that kind.
CLOSING_GUIDES = {"android": "android-after-checkup", "ios": "ios-after-checkup"}
# Guided checks for what a scan of that kind of device cannot read, most likely first: a USB checkup
# of an iPhone cannot see Apple Account devices, Find My sharing or Family Sharing.
GUIDED_GUIDES: dict[str, tuple[str, ...]] = {
    "ios": (
        "ios-safety-check",
        "ios-apple-account-devices",
        "ios-find-my",
        "ios-family-sharing",
        "ios-trusted-numbers",
        "ios-passcode",
        "ios-icloud-backup",
        "ios-significant-locations",
    ),
}


class _Values(dict):
    def __init__(self, values: dict[str, str], missing: str) -> None:
        super().__init__(values)
        self.missing = missing

    def __missing__(self, key: str) -> str:
        return self.missing


def seen_item(guide: Guide, subject: dict[str, str], t: Messages, device: str = "", severity: str = "") -> SeenItem:
    values = {k: clip(v) for k, v in subject.items() if v and not k.startswith("_")}
    values["_missing"] = t("plan.something")
    return SeenItem(guide.seen or "{name}", values, device, severity)


def device_label(target: dict[str, str], t: Messages) -> str:
    kind = target.get("kind", "")
    kind_text = t(f"plan.device_kind.{kind}") if t.has(f"plan.device_kind.{kind}") else kind
    name = " ".join(x for x in (target.get("model", ""), target.get("id", "")) if x) or "?"
    return t("plan.device", kind=kind_text, name=name)


def _reason(note: str, t: Messages) -> tuple[str, str]:
    key, _, detail = note.partition(":")
    if t.has(f"reason.{key.strip()}"):
        return t(f"reason.{key.strip()}"), detail.strip()
    return t("reason.error"), note


def _check_title(check_id: str, t: Messages) -> str:
    return t(f"check.{check_id}") if t.has(f"check.{check_id}") else check_id


def load_regions(lang: str, region: str = "") -> tuple[list[Region], str]:
    """Where to get help, from ``guides/<lang>/resources.yaml``: the person's region when we have it,
    otherwise every region we list (and the words for anywhere else)."""
    import yaml

    from techcheck.paths import data_dir

    path = data_dir("guides") / lang / "resources.yaml"
    if not path.is_file():
        path = data_dir("guides") / "en" / "resources.yaml"
    if not path.is_file():
        return [], ""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    listed = data.get("regions") or {}
    codes = [region] if region in listed else list(listed)

    def resource(raw: dict) -> Resource:
        item = Resource(**{k: str(v) for k, v in raw.items() if k in Resource.__dataclass_fields__})
        if lang == "es" and item.web_es:
            item.web = item.web_es
        return item

    regions = [
        Region(
            code,
            str(listed[code].get("name", code)),
            [resource(r) for r in listed[code].get("resources") or []],
        )
        for code in codes
    ]
    return regions, str(data.get("elsewhere", ""))


def build_plan(reports: list[LoadedReport], lang: str = "en", answers: Answers | None = None) -> Plan:
    t = Messages(lang)
    evidence: list[EvidenceRow] = []
    sections: dict[str, PlanSection] = {}
    checked: list[CheckLine] = []
    not_checked: list[CheckLine] = []
    credits: list[str] = []
    devices: list[str] = []
    refs: list[ReportRef] = []
    for report in reports:
        data = report.data
        device = device_label(data["target"], t)
        devices.append(device)
        refs.append(ReportRef(report.path, report.sha256, data.get("created", ""), device))
        for source in data["indicators"]:
            if source.get("licence"):
                line = t("plan.credit", source=source.get("source", ""), licence=source["licence"])
                if line not in credits:
                    credits.append(line)
        for check in data["checks"]:
            line = CheckLine(device, _check_title(check["id"], t), check["status"])
            if check["status"] in ("skipped", "failed"):
                line.reason, line.detail = _reason(check["note"], t)
                not_checked.append(line)
            else:
                checked.append(line)
        for finding in data["findings"]:
            # A finding whose guide we do not have (an older or newer report) is still shown, with
            # general words: a plan must not lose anything the scan saw.
            guide = load_guide(finding["guide"], lang) or load_guide("other-finding", lang)
            if guide is None:
                continue
            section = sections.get(guide.id)
            if section is None:
                section = sections[guide.id] = PlanSection(guide, finding["category"], finding["severity"])
            if SEVERITY_ORDER.index(finding["severity"]) < SEVERITY_ORDER.index(section.severity):
                section.severity = finding["severity"]
            if len(section.items) >= MAX_ITEMS_PER_GUIDE:
                section.hidden += 1
                continue
            details = [e.get("detail", "") for e in finding["evidence"] if e.get("detail")]
            details += [f"{m.get('by', '')}: {m.get('value', '')} ({m.get('source', '')})" for m in finding["matched"]]
            item = seen_item(guide, finding["subject"], t, device, finding["severity"])
            item.details = details
            section.items.append(item)
            evidence.append(
                EvidenceRow(data.get("created", ""), device, item, finding["category"], report.path, report.sha256)
            )
    ordered = sorted(
        sections.values(),
        key=lambda s: (
            CATEGORY_ORDER.index(s.category) if s.category in CATEGORY_ORDER else len(CATEGORY_ORDER),
            SEVERITY_ORDER.index(s.severity),
        ),
    )
    kinds = dict.fromkeys(r.data["target"].get("kind", "") for r in reports)
    closing = [g for g in (load_guide(CLOSING_GUIDES[k], lang) for k in kinds if k in CLOSING_GUIDES) if g]
    answers = answers or Answers()
    wanted = set(guided_for(answers)) | {g for k in kinds for g in GUIDED_GUIDES.get(k, ())}
    first = [g for g in (load_guide(i, lang) for i in GUIDED_FIRST if i in wanted) if g]
    later_ids = [i for i in GUIDED_LATER if i in wanted] + sorted(wanted - set(GUIDED_FIRST) - set(GUIDED_LATER))
    later = [g for g in (load_guide(i, lang) for i in later_ids) if g]
    regions, elsewhere = load_regions(lang, answers.region)
    return Plan(
        closing=closing,
        guided=later,
        guided_first=first,
        safety=load_guide("safety-first", lang),
        regions=regions,
        elsewhere=elsewhere,
        stage=load_guide(STAGE_GUIDES[answers.stage], lang) if answers.stage else None,
        evidence=evidence,
        evidence_guide=load_guide("evidence-log", lang),
        answers=answers.to_dict(),
        lang=t.lang,
        created=utc_now(),
        intro=load_guide("about-this-plan", lang),
        not_checked_guide=load_guide("what-we-could-not-check", lang),
        devices=list(dict.fromkeys(devices)),
        sections=ordered,
        checked=checked,
        not_checked=not_checked,
        credits=credits,
        reports=refs,
    )
