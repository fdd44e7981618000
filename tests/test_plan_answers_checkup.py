"""The questionnaire (answers files and `techcheck checkup`), the plan built from reports + answers, and the
guided checkup flow end to end at a (scripted) terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Terminal

from techcheck.cli import main
from techcheck.plan import build_plan, render_html, render_json, render_markdown
from techcheck.plan.answers import Answers, AnswersError, guided_for, load_answers, parse_answers
from techcheck.report import report_from_bytes


def report(kind: str = "ios", findings: list[dict] | None = None) -> dict:
    return {
        "schema": "techcheck/report-1",
        "tool": {"name": "techcheck", "version": "0.1.0"},
        "created": "2026-11-27T10:00:00Z",
        "target": {"kind": kind, "id": "X1", "model": "iPhone14,5", "os": "iOS 26.1", "patch_level": ""},
        "indicators": [],
        "checks": [{"id": "ios.profiles", "status": "finding", "note": ""}],
        "findings": findings
        if findings is not None
        else [
            {
                "id": "ios.profile",
                "category": "device-security",
                "severity": "high",
                "subject": {"kind": "profile", "profile": "com.x", "name": "<b>Device Management</b>"},
                "matched": [],
                "evidence": [{"artifact": "ios_profiles", "detail": "identifier=com.x"}],
                "guide": "ios-profile",
            }
        ],
        "errors": [],
    }


def loaded(data: dict, name: str = "r.json"):  # noqa: ANN201
    return report_from_bytes(json.dumps(data).encode(), name)


# Answers ------------------------------------------------------------------------------------------
def test_answers_every_key_optional_with_aliases_and_yaml_booleans() -> None:
    assert parse_answers({}) == Answers() and not Answers().given
    answers = parse_answers(
        {
            "region": "gb",
            "stage": "Planning to leave",
            "physical_access": True,  # YAML reads a bare yes as true
            "knows_passwords": "unsure",
            "shared_phone_plan": None,
            "smart_home": "prefer-not-to-say",
            "accounts": ["Gmail", "whatsapp", "google", "iCloud"],
        }
    )
    assert answers.region == "UK" and answers.stage == "planning-to-leave"
    assert (answers.physical_access, answers.knows_passwords, answers.shared_phone_plan) == ("yes", "unsure", "")
    assert answers.accounts == ("google", "whatsapp", "apple")
    assert parse_answers({"accounts": "google, bank"}).accounts == ("google", "bank")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stage": "gone"}, "stage is 'gone'; use one of staying, planning-to-leave, left"),
        ({"region": "United States"}, "two-letter country code"),
        ({"accounts": ["myspace"]}, "unknown account 'myspace'"),
        ({"favourite_colour": "blue"}, "unknown key 'favourite_colour'"),
        (["region", "US"], "expected keys and values"),
        ({"accounts": {"a": 1}}, "accounts is a list"),
    ],
)
def test_bad_answers_say_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(AnswersError, match=message.replace("(", r"\(")):
        parse_answers(data, "answers.yaml")


def test_answers_files_yaml_and_json(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("region: US\nstage: left\naccounts: [google]\n", encoding="utf-8")
    (tmp_path / "a.json").write_text('{"region": "CA", "children_devices": "yes"}', encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("region: [unclosed\n", encoding="utf-8")
    assert load_answers(tmp_path / "a.yaml").stage == "left"
    assert load_answers(tmp_path / "a.json").children_devices == "yes"
    with pytest.raises(AnswersError, match="not YAML or JSON"):
        load_answers(tmp_path / "bad.yaml")
    with pytest.raises(AnswersError, match="cannot be read"):
        load_answers(tmp_path / "missing.yaml")


def test_guided_checks_follow_the_answers() -> None:
    assert guided_for(Answers()) == ["passwords", "email-forwarding", "shared-accounts", "bluetooth-trackers"]
    chosen = guided_for(parse_answers({"children_devices": "unsure", "smart_home": "no", "accounts": ["snapchat"]}))
    assert chosen == ["children-devices", "snap-map"]


# The plan -----------------------------------------------------------------------------------------
def test_plan_from_reports_and_answers_has_every_part_in_order() -> None:
    answers = parse_answers({"region": "US", "stage": "staying", "knows_passwords": "yes", "accounts": ["google"]})
    plan = build_plan([loaded(report())], "en", answers)
    assert plan.safety is not None and plan.safety.id == "safety-first"
    assert [r.code for r in plan.regions] == ["US"] and plan.regions[0].resources[0].phone
    assert plan.stage is not None and plan.stage.id == "stage-staying"
    first = [g.id for g in plan.guided_first]
    assert first[:2] == ["passwords", "account-google"] and "email-forwarding" in first
    assert "ios-safety-check" in first and "ios-passcode" in [g.id for g in plan.guided]  # from the iPhone
    [row] = plan.evidence
    assert row.when == "2026-11-27T10:00:00Z" and row.report == "r.json" and len(row.sha256) == 64
    html = render_html(plan)
    order = [html.index(f'id="{anchor}"') for anchor in ("safety", "stage", "guided-first", "findings", "guided")]
    assert order == sorted(order)
    assert html.index('id="evidence-log"') > html.index('id="not-checked"')
    assert "&lt;b&gt;Device Management&lt;/b&gt;" in html and "<b>Device Management" not in html
    assert "tel:" in html
    data = json.loads(render_json(plan))
    assert data["schema"] == "techcheck/plan-1" and data["answers"]["stage"] == "staying"
    assert data["evidence"][0]["sha256"] == row.sha256
    md = render_markdown(plan)
    assert "\\<b\\>Device Management\\</b\\>" in md and md.index("## ") < md.index(plan.stage.title)


def test_plan_without_answers_lists_every_region_and_no_stage() -> None:
    plan = build_plan([loaded(report("local", findings=[]))], "es")
    assert {r.code for r in plan.regions} >= {"US", "UK", "IE", "AU", "CA"} and plan.elsewhere
    assert plan.stage is None and plan.evidence == []
    assert [g.id for g in plan.guided_first] == ["passwords", "email-forwarding", "shared-accounts"]


def test_plan_command_with_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report()), encoding="utf-8")
    answers = tmp_path / "answers.yaml"
    answers.write_text("stage: left\nregion: AU\n", encoding="utf-8")
    out = tmp_path / "plan.json"
    assert main(["plan", str(path), "--answers", str(answers), "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["stage"]["id"] == "stage-left" and [r["code"] for r in data["regions"]] == ["AU"]
    answers.write_text("stage: maybe\n", encoding="utf-8")
    assert main(["plan", str(path), "--answers", str(answers), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "stage is 'maybe'" in err[0]


# techcheck checkup ----------------------------------------------------------------------------------
def files_under(*folders: Path) -> set[Path]:
    return {p for folder in folders for p in folder.rglob("*") if p.is_file()}


def test_checkup_stops_at_the_safety_screen_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], _isolated_home: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", Terminal("\n"))  # Enter: not "yes"
    assert main(["checkup"]) == 0
    assert "Stopped. Nothing was checked" in capsys.readouterr().err
    assert files_under(tmp_path, _isolated_home) == set()


def test_checkup_closed_input_stops_at_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("y\ny\n"))  # then the input ends, like Ctrl+D
    assert main(["checkup"]) == 130


def test_checkup_of_this_computer_no_trace_writes_only_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], _isolated_home: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    typed = [
        "y",  # go on with this computer
        "y",  # consent
        "y",  # this computer
        "n",  # Android
        "n",  # iPhone
        "US",  # region
        "1",  # stage: staying
        "1",  # physical access: yes
        "",  # passwords: skipped
        "",
        "",
        "2",  # children: no
        "",
        "google, whatsapp",
        "plan.html",
    ]
    monkeypatch.setattr("sys.stdin", Terminal("\n".join(typed) + "\n"))
    before = files_under(tmp_path, _isolated_home)
    assert main(["checkup", "--no-trace"]) == 0
    assert files_under(tmp_path, _isolated_home) - before == {tmp_path / "plan.html"}
    html = (tmp_path / "plan.html").read_text(encoding="utf-8")
    for anchor in ('id="safety"', 'id="stage"', 'id="guided-first"', 'id="evidence-log"'):
        assert anchor in html, anchor
    assert "not saved" in html  # the evidence log says the report itself was not kept
    err = capsys.readouterr().err
    assert "Now checking this computer" in err and "Your plan is saved in plan.html" in err


def test_checkup_with_answers_file_and_saved_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _isolated_home: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    answers = tmp_path / "answers.yaml"
    answers.write_text("region: CA\nsmart_home: yes\n", encoding="utf-8")
    monkeypatch.setattr("sys.stdin", Terminal("y\ny\ny\nn\nn\nout.md\ny\n"))
    assert main(["checkup", "--answers", str(answers), "--lang", "es"]) == 0
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert saved == ["answers.yaml", "out-1-local-report.json", "out.md"]
    text = (tmp_path / "out.md").read_text(encoding="utf-8")
    assert "out-1-local-report.json" in text and "Registro de evidencia" in text


def test_checkup_ctrl_c_stops_at_once(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "TECHCHECK_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "techcheck", "checkup", "--no-trace"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdin is not None
    proc.stdin.write(b"y\ny\n")  # past the safety screen and consent; now it waits at "Check this computer?"
    proc.stdin.flush()
    time.sleep(1.5)
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130 and time.monotonic() - start < 2
    assert "Stopped." in err.decode()
    assert not list(tmp_path.iterdir())  # nothing written, not even TECHCHECK_HOME


def test_every_guide_the_plan_can_offer_exists_in_both_languages() -> None:
    from techcheck.plan.answers import BY_ACCOUNT, BY_QUESTION, DEFAULT_GUIDED, STAGE_GUIDES
    from techcheck.plan.build import GUIDED_FIRST, GUIDED_GUIDES, GUIDED_LATER
    from techcheck.plan.guides import load_guide

    offered = {"safety-first", "evidence-log", "about-this-plan", "what-we-could-not-check", *DEFAULT_GUIDED}
    offered |= {g for table in (BY_QUESTION, BY_ACCOUNT, GUIDED_GUIDES) for ids in table.values() for g in ids}
    offered |= set(STAGE_GUIDES.values()) | set(GUIDED_FIRST) | set(GUIDED_LATER)
    assert set(GUIDED_FIRST) | set(GUIDED_LATER) >= offered - {
        "safety-first",
        "evidence-log",
        "about-this-plan",
        "what-we-could-not-check",
        *STAGE_GUIDES.values(),
    }  # every guided check has its place in the order
    for guide_id in sorted(offered):
        for lang in ("en", "es"):
            guide = load_guide(guide_id, lang)
            assert guide is not None and guide.lang == lang, (guide_id, lang)


def test_checkup_plan_that_cannot_be_written_is_shown_instead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.html").mkdir()  # a folder where the plan file would go: writing it fails
    monkeypatch.setattr("sys.stdin", Terminal("y\ny\nn\nn\nn\n" + "\n" * 9 + "plan.html\n"))
    assert main(["checkup"]) == 0
    captured = capsys.readouterr()
    assert "plan.html" in captured.err and "Nothing was saved" in captured.err
    assert "Your safety comes first" in captured.out  # the plan, shown in the terminal
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.html"]  # no half-written file left
