"""``techcheck checkup``: the guided flow for a survivor at their own computer or an advocate in a clinic.

A short safety screen first (could this computer be watched? you can stop and use another device),
consent in plain words, what to check, the questions (every one can be skipped), the scans with
progress, and the plan saved where the person chooses. Ctrl+C (or closing the input) stops at once.
With ``--no-trace`` nothing is written except the plan file the person asks for: keys and pairing
records live in a throw-away folder, and reports are not saved.

Words come from ``guides/<lang>/messages.yaml`` (``checkup.*``); this module holds only the flow.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from techcheck.plan.answers import QUESTIONS, STAGES, YES_NO, Answers, AnswersError, parse_answers

TARGETS = ("local", "android", "ios")
ATTEMPTS = 3  # how many times a question is asked again after an answer we cannot use


@dataclass
class Ask:
    """Questions at the terminal. Enter alone means "skip" (or "no" for yes/no questions)."""

    console: Any
    t: Any

    def line(self, key: str, **values: object) -> str:
        from rich.text import Text

        try:
            return str(self.console.input(Text(self.t(key, **values) + " "))).strip()
        except EOFError:  # the input was closed: stop, as with Ctrl+C
            raise KeyboardInterrupt from None

    def yes(self, key: str) -> bool:
        from techcheck.cli import _yes

        return _yes(self.line(key, yes_no=self.t("prompt.yes_no")), self.t)

    def say(self, key: str, **values: object) -> None:
        from rich.text import Text

        self.console.print(Text(self.t(key, **values)))

    def menu(self, key: str, options: tuple[str, ...], prefix: str) -> str:
        """A numbered choice; Enter skips. Returns the option, or "" when skipped."""
        self.say(key)
        for number, option in enumerate(options, 1):
            self.say("checkup.menu_item", number=number, text=self.t(f"{prefix}.{option}"))
        for _ in range(ATTEMPTS):
            answer = self.line("checkup.menu_pick", count=len(options))
            if not answer:
                return ""
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return options[int(answer) - 1]
            self.say("checkup.menu_again")
        return ""


def ask_answers(ask: Ask) -> Answers:
    """The questionnaire. Each answer is checked as the answers file would be; an answer we cannot use is
    asked again, then skipped."""
    data: dict[str, Any] = {}

    def typed(key: str) -> str:
        """A typed answer, asked again while it is not one we can use; "" when skipped."""
        for _ in range(ATTEMPTS):
            value = ask.line(f"checkup.q.{key}")
            try:
                parse_answers({key: value}, "answer")
            except AnswersError:
                ask.say(f"checkup.{key}_again")
                continue
            return value
        return ""

    ask.say("checkup.questions_intro")
    data["region"] = typed("region")
    data["stage"] = ask.menu("checkup.q.stage", STAGES, "checkup.stage")
    for key in QUESTIONS:
        data[key] = ask.menu(f"checkup.q.{key}", YES_NO, "checkup.answer")
    data["accounts"] = typed("accounts")
    return parse_answers(data, "answers")


@contextmanager
def no_trace(enabled: bool) -> Any:
    """With --no-trace, what scans must write (adb key, iPhone pairing) goes to a folder removed at the end."""
    if not enabled:
        yield
        return
    folder = tempfile.mkdtemp(prefix="techcheck-")
    old = os.environ.get("TECHCHECK_STATE_DIR")
    os.environ["TECHCHECK_STATE_DIR"] = folder
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TECHCHECK_STATE_DIR", None)
        else:
            os.environ["TECHCHECK_STATE_DIR"] = old
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def stop_at_once(t: Any) -> Any:
    """Ctrl+C ends the checkup at once, even in the middle of a scan (whose worker threads would otherwise
    be waited for). A --no-trace folder is removed first."""
    import signal
    import sys
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        folder = os.environ.get("TECHCHECK_STATE_DIR")
        if folder and Path(folder).name.startswith("techcheck-"):
            shutil.rmtree(folder, ignore_errors=True)
        sys.stderr.write("\n" + t("error.interrupted") + "\n")
        sys.stderr.flush()
        os._exit(130)

    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_scans(targets: list[str], lang: str, err: Any, t: Any) -> list[dict[str, Any]]:
    """Each chosen scan in turn, with the same code as ``techcheck scan``; one that cannot reach its device
    says why and the others go on."""
    from rich.text import Text

    from techcheck.cli import SCANS, ConnectError, _load_indicators, show_summary

    indicators, rules = _load_indicators([])
    reports = []
    for target in targets:
        args = argparse.Namespace(
            target=target, json=None, indicators=[], lang=lang, wait=90, serial=None, tcp=None, udid=None, forget="ask"
        )
        err.print(Text(t("checkup.scanning", target=t(f"checkup.target.{target}"))))
        with ExitStack() as later:
            try:
                result = SCANS[target](args, indicators, rules, err, t, later)
            except ConnectError as exc:
                prefix, reason, detail = exc.args
                err.print(Text(t(f"{prefix}.{reason}", detail=detail)))
                continue
            show_summary(err, result.report, t, "-")
        reports.append(result.report)
    return reports


def _plan_path(ask: Ask) -> Path | None:
    from techcheck.plan import RENDERERS

    for _ in range(ATTEMPTS):
        answer = ask.line("checkup.where")
        if not answer:
            return None
        path = Path(answer).expanduser()
        folder = path.parent if str(path.parent) else Path(".")
        if path.suffix.lower() in RENDERERS and folder.is_dir() and os.access(folder, os.W_OK):
            return path
        ask.say("checkup.where_again")
    return None


def write_plan(reports: list[Any], answers: Answers, lang: str, path: Path | None, out: Any) -> None:
    from techcheck.plan import build_plan, save_plan, show_plan

    plan = build_plan(reports, lang, answers)
    if path is None:
        show_plan(plan, out)
    else:
        save_plan(plan, path)


def run_checkup(lang: str, trace: bool, answers_file: Path | None) -> int:
    from techcheck.messages import Messages

    t = Messages(lang)
    with stop_at_once(t):
        return _checkup(t, trace, answers_file)


def _checkup(t: Any, trace: bool, answers_file: Path | None) -> int:
    from techcheck.cli import _consoles
    from techcheck.plan.answers import load_answers
    from techcheck.report import read_report, report_from_bytes, write_report

    lang = t.lang
    out, err = _consoles()
    ask = Ask(err, t)
    answers = load_answers(answers_file) if answers_file else None  # a bad file stops before anything starts
    ask.say("checkup.safety")
    if not ask.yes("checkup.continue"):
        ask.say("checkup.stopped")
        return 0
    ask.say("checkup.consent")
    if not ask.yes("checkup.consent_ask"):
        ask.say("checkup.stopped")
        return 0
    targets = [target for target in TARGETS if ask.yes(f"checkup.choose.{target}")]
    if answers is None:
        answers = ask_answers(ask)
    with no_trace(not trace):
        reports = run_scans(targets, lang, err, t)
    path = _plan_path(ask)
    loaded = []
    save_reports = trace and path is not None and reports and ask.yes("checkup.save_reports")
    for index, report in enumerate(reports, 1):
        kind = report["target"].get("kind", "device")
        if save_reports:
            report_path = path.with_name(f"{path.stem}-{index}-{kind}-report.json")
            try:
                write_report(report, report_path)
                loaded.append(read_report(report_path))
                continue
            except OSError as exc:  # the report stays in the plan, only not as a file
                ask.say("error.output", path=str(report_path), problem=exc.strerror or str(exc))
        raw = json.dumps(report, ensure_ascii=False).encode("utf-8")
        loaded.append(report_from_bytes(raw, t("checkup.report_not_saved", kind=t(f"checkup.target.{kind}"))))
    try:
        write_plan(loaded, answers, lang, path, out)
    except OSError as exc:  # nothing is lost: the plan is shown here instead
        ask.say("error.output", path=str(path), problem=exc.strerror or str(exc))
        path = None
        write_plan(loaded, answers, lang, None, out)
    ask.say("checkup.done" if path is None else "checkup.saved", path=str(path))
    return 0
