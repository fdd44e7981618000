"""Guides and messages (both languages, same structure), the plan model, and escaping in renderers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from techcheck.messages import Messages
from techcheck.paths import data_dir
from techcheck.plan import build_plan, render_html, render_markdown
from techcheck.plan.guides import REQUIRED, all_guide_ids, load_guide, parse_guide
from techcheck.plan.render import md_code, md_escape
from techcheck.report import read_report

GUIDES = data_dir("guides")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_guide_exists_in_both_languages_with_the_same_structure() -> None:
    en, es = all_guide_ids("en"), all_guide_ids("es")
    assert en == es and len(en) >= 14
    for guide_id in en:
        a, b = load_guide(guide_id, "en"), load_guide(guide_id, "es")
        assert a and b and a.lang == "en" and b.lang == "es"
        assert a.id == b.id == guide_id
        assert set(a.meta) >= set(REQUIRED)
        assert list(a.sections) == list(b.sections), guide_id
        for key, section in a.sections.items():
            other = b.sections[key]
            assert [(o.key, o.changes) for o in section.options] == [(o.key, o.changes) for o in other.options]
        assert sorted(PLACEHOLDER.findall(a.seen)) == sorted(PLACEHOLDER.findall(b.seen)), guide_id
        assert all(str(s).startswith("https://") for s in a.meta["sources"]), guide_id
        assert a.meta["may_be_noticed"] == b.meta["may_be_noticed"]


def test_finding_guides_offer_options_and_mark_changes() -> None:
    for guide_id in all_guide_ids("en"):
        guide = load_guide(guide_id, "en")
        if not guide.seen:  # not a finding guide
            continue
        options = guide.sections["options"].options
        keys = [o.key for o in options]
        assert "keep" in keys and "help" in keys, guide_id
        assert any(o.changes for o in options), guide_id
        assert guide.meta["may_be_noticed"] is True and guide.meta["evidence_first"] is True


# Words that give orders or promise what no tool can: the plan offers, it does not command.
FORBIDDEN = {
    "en": [r"\byou must\b", r"\byou should\b", r"\bis clean\b", r"\byou are safe\b", r"\bvictim\b"],
    "es": [r"\bdebes\b", r"(?<!no )\btienes que\b", r"\blimpi[oa]\b", r"\bestás a salvo\b", r"\bvíctima\b"],
}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_guides_offer_rather_than_order(lang: str) -> None:
    for path in (GUIDES / lang).glob("*.md"):
        text = path.read_text(encoding="utf-8").lower()
        for pattern in FORBIDDEN[lang]:
            assert not re.search(pattern, text), f"{path.name}: {pattern}"


def _syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower())
    count = len(groups) - (1 if word.lower().endswith("e") and len(groups) > 1 else 0)
    return max(count, 1)


def test_english_guides_are_plain() -> None:
    """Flesch–Kincaid grade of each English guide body at most 8 (the target is 6th–8th grade)."""
    for path in (GUIDES / "en").glob("*.md"):
        body = path.read_text(encoding="utf-8").split("---", 2)[2]
        body = re.sub(r"\{#[^}]*\}|`[^`]*`|\*\*|https?://\S+", " ", body)
        sentences = [s for s in re.split(r"[.!?:\n]+", body) if re.search(r"[A-Za-z]", s)]
        words = re.findall(r"[A-Za-z']+", body)
        grade = 0.39 * len(words) / len(sentences) + 11.8 * sum(map(_syllables, words)) / len(words) - 15.59
        assert grade <= 8, f"{path.name}: grade {grade:.1f}"


def test_messages_have_the_same_keys_and_placeholders() -> None:
    en = yaml.safe_load((GUIDES / "en" / "messages.yaml").read_text(encoding="utf-8"))
    es = yaml.safe_load((GUIDES / "es" / "messages.yaml").read_text(encoding="utf-8"))
    assert en.keys() == es.keys()
    for key in en:
        assert sorted(PLACEHOLDER.findall(en[key])) == sorted(PLACEHOLDER.findall(es[key])), key


def test_every_message_key_used_in_code_exists() -> None:
    root = Path(__file__).resolve().parents[1] / "techcheck"
    used = set()
    for path in root.rglob("*"):
        if path.suffix in (".py", ".j2"):
            used.update(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.\-]+)["']""", path.read_text(encoding="utf-8")))
            used.update(re.findall(r"""\(\s*["'](error\.[a-z_]+)["']""", path.read_text(encoding="utf-8")))
    t = Messages("en")
    missing = sorted(k for k in used if not t.has(k))
    assert missing == []


def test_guide_parser_reads_headings_and_option_flags() -> None:
    text = (
        "---\nid: x\ntitle: T\nplatforms: [any]\nos_version: any\nchecked_on: 2026-11-27\nsources: []\n"
        "may_be_noticed: true\nevidence_first: false\nseen: 'Saw {name}'\n---\n"
        "## Meaning {#meaning}\nBody.\n## Options {#options}\nIntro.\n"
        "### Keep {#keep}\nK.\n### Remove {#remove changes}\nR.\n"
    )
    guide = parse_guide(text, "x.md", "en")
    assert guide.sections["meaning"].body == "Body."
    assert guide.sections["options"].body == "Intro."
    assert [(o.key, o.title, o.body, o.changes) for o in guide.sections["options"].options] == [
        ("keep", "Keep", "K.", False),
        ("remove", "Remove", "R.", True),
    ]


def test_guide_ids_from_reports_cannot_reach_other_files() -> None:
    assert load_guide("../../etc/passwd") is None
    assert load_guide("messages") is None


def test_markdown_escaping() -> None:
    assert md_escape("**x** [a](b) <i> 1. a-b") == r"\*\*x\*\* \[a\](b) \<i\> 1. a-b"
    assert md_code("a `b` c") == "`` a `b` c ``"


HOSTILE = "<script>alert(1)</script>" + "A" * 5000


def _hostile_report(tmp_path: Path) -> Path:
    report = {
        "schema": "techcheck/report-1",
        "tool": {"name": "techcheck", "version": "0.1.0"},
        "created": "2026-11-27T10:00:00Z",
        "target": {"kind": "local", "id": HOSTILE, "model": "", "os": "", "patch_level": ""},
        "indicators": [],
        "checks": [
            {"id": "local.autostart", "status": "finding", "note": ""},
            {"id": "<b>x</b>", "status": "failed", "note": "error: <b>boom</b>"},
        ],
        "findings": [
            {
                "id": "local.autostart",
                "category": "other",
                "severity": "info",
                "subject": {"kind": "path", "name": HOSTILE, "path": "/x/<svg onload=alert(1)>"},
                "matched": [],
                "evidence": [{"artifact": "a", "detail": HOSTILE}],
                "guide": "computer-autostart",
            },
            {
                "id": "bogus",
                "category": "other",
                "severity": "low",
                "subject": {"kind": "x", "name": "y"},
                "matched": [],
                "evidence": [],
                "guide": "../../etc/passwd",
            },
        ],
        "errors": [{"step": "x", "message": HOSTILE}],
        "extra": "ignored",
    }
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def test_hostile_report_text_is_bounded_and_escaped(tmp_path: Path) -> None:
    loaded = read_report(_hostile_report(tmp_path))
    assert "extra" not in loaded.data
    assert len(loaded.data["findings"][0]["subject"]["name"]) <= 1024
    plan = build_plan([loaded], "en")
    html = render_html(plan)
    assert "<script>" not in html and "<svg" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    # The finding with an unknown guide is shown with the general guide, never with another finding's words.
    assert sorted(s.guide.id for s in plan.sections) == ["computer-autostart", "other-finding"]
    markdown = render_markdown(plan)
    seen_line = next(line for line in markdown.splitlines() if "is set to start on its own" in line)
    assert "<script>" not in seen_line and r"\<script\>" in seen_line


def test_plan_orders_accounts_and_location_before_stalkerware(tmp_path: Path) -> None:
    findings = [
        {
            "id": "local.monitoring",
            "category": "stalkerware",
            "severity": "high",
            "guide": "computer-monitoring",
            "subject": {"kind": "process", "name": "Spy"},
            "matched": [],
            "evidence": [],
        },
        {
            "id": "local.browser-location",
            "category": "location",
            "severity": "low",
            "guide": "browser-location",
            "subject": {"kind": "setting", "site": "https://x"},
            "matched": [],
            "evidence": [],
        },
        {
            "id": "local.ssh-key",
            "category": "accounts",
            "severity": "medium",
            "guide": "computer-ssh-key",
            "subject": {"kind": "account", "name": "k", "account": "ana"},
            "matched": [],
            "evidence": [],
        },
    ]
    report = {"schema": "techcheck/report-1", "target": {"kind": "local"}, "checks": [], "findings": findings}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    plan = build_plan([read_report(path)], "en")
    assert [s.category for s in plan.sections] == ["accounts", "location", "stalkerware"]
    assert plan.not_checked == []


def test_every_guide_a_check_can_name_exists_in_both_languages() -> None:
    from techcheck.checks.base import TYPE_FINDINGS
    from techcheck.plan.build import CLOSING_GUIDES, GUIDED_GUIDES

    root = Path(__file__).resolve().parents[1] / "techcheck" / "checks"
    named = set()
    for path in root.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        named.update(re.findall(r'"((?:android|computer|browser)-[a-z-]+)"', text))
        if path.name.startswith("ios"):  # guide = f"ios-{finding}", from _finding("<finding>", …)
            named.update(f"ios-{x}" for x in re.findall(r'_finding\(\s*"([a-z-]+)"', text))
    for prefix in ("android", "computer", "ios"):
        named.update(f"{prefix}-{suffix}" for _, _, suffix in TYPE_FINDINGS.values())
    named.update(CLOSING_GUIDES.values())
    named.update(g for ids in GUIDED_GUIDES.values() for g in ids)
    assert len(named) > 45 and {"ios-profile", "ios-jailbreak", "ios-safety-check"} <= named
    for guide_id in sorted(named):
        for lang in ("en", "es"):
            guide = load_guide(guide_id, lang)
            assert guide is not None and guide.lang == lang, (guide_id, lang)
