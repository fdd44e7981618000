"""The command line. Thin: parse arguments, run the pipeline, show progress and a summary.

Heavy libraries (psutil, yara, rich, jinja2, pymobiledevice3, adb-shell) are imported inside the
commands, so ``techcheck --help`` starts at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from techcheck import __version__

EXIT_OK, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_PARTIAL = 0, 2, 3, 4


class UsageError(Exception):
    """An expected problem with what the person asked for: shown as one line, exit code 2."""


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("en", "es"), default="en", help="language of the text shown (default: en)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="techcheck",
        description="A technology safety checkup. It looks, it never changes anything.",
    )
    parser.add_argument("--version", action="version", version=f"techcheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = commands.add_parser("scan", help="check a device and write a report")
    targets = scan.add_subparsers(dest="target", metavar="TARGET")
    local = targets.add_parser("local", help="check this computer")
    android = targets.add_parser("android", help="check an Android phone over USB or Wi-Fi (adb)")
    ios = targets.add_parser("ios", help="check an iPhone over USB")
    androidqf = targets.add_parser("androidqf", help="check an existing AndroidQF acquisition (folder or .zip)")
    androidqf.add_argument("path", metavar="PATH", type=Path)
    where = android.add_mutually_exclusive_group()
    where.add_argument("--serial", metavar="SERIAL", help="the phone's USB serial (default: the only phone attached)")
    where.add_argument("--tcp", metavar="HOST:PORT", help="a phone with wireless or TCP debugging at HOST:PORT")
    ios.add_argument("--udid", metavar="UDID", help="the iPhone's UDID (default: the only iPhone attached)")
    for phone, what in (
        (android, "'Allow USB debugging?' to be accepted"),
        (ios, "'Trust This Computer?' to be answered, or the iPhone to be unlocked"),
    ):
        phone.add_argument(
            "--wait", metavar="SECONDS", type=int, default=90, help=f"how long to wait for {what} (default: 90)"
        )
    ios.add_argument(
        "--forget",
        choices=("ask", "yes", "no"),
        default="ask",
        help="at the end, make the iPhone and this computer forget each other: ask (default), yes or no",
    )
    for target in (local, android, ios, androidqf):
        target.add_argument("--json", metavar="FILE", help="save the report as JSON in FILE ('-' for standard output)")
        target.add_argument(
            "--indicators",
            metavar="FILE",
            action="append",
            default=[],
            type=Path,
            help="extra indicator file for this scan (own YAML, Echap YAML, STIX 2, YARA or ISDi CSV); repeatable",
        )
        _add_lang(target)

    plan = commands.add_parser("plan", help="turn reports into a plain-language safety plan")
    plan.add_argument("reports", metavar="REPORT.json", nargs="+", type=Path)
    plan.add_argument("-o", "--output", metavar="FILE", help="plan.html, plan.md or plan.json (default: show it here)")
    plan.add_argument(
        "--answers", metavar="FILE", type=Path, help="your answers to the questions (YAML or JSON; see README)"
    )
    _add_lang(plan)

    checkup = commands.add_parser(
        "checkup", help="a guided checkup: a few questions, the scans you choose, and your safety plan"
    )
    checkup.add_argument(
        "--no-trace", action="store_true", help="write nothing except the plan file you ask for (no keys, no reports)"
    )
    checkup.add_argument("--answers", metavar="FILE", type=Path, help="answers to the questions, instead of asking")
    _add_lang(checkup)

    sigs = commands.add_parser("signatures", help="manage the indicators of known spying tools")
    sig_commands = sigs.add_subparsers(dest="sig_command", metavar="ACTION")
    update = sig_commands.add_parser("update", help="download or import indicators (the only network use)")
    update.add_argument(
        "--from", dest="source", metavar="PATH_OR_URL", help="a file, a folder or a URL (default: Echap)"
    )
    _add_lang(update)
    status = sig_commands.add_parser("status", help="show which indicators are installed")
    _add_lang(status)
    return parser


def _consoles() -> tuple[Any, Any]:
    from rich.console import Console

    # soft_wrap: long lines (paths, commands) are not cut by inserted line breaks, so they stay copyable.
    return Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)


# scan ----------------------------------------------------------------------------------------------
def _load_indicators(paths: list[Path]) -> tuple[Any, Any]:
    from techcheck.indicators import IndicatorError, load_indicators
    from techcheck.indicators.yara_rules import compile_rules

    try:
        indicators = load_indicators(paths)
        rules = compile_rules(indicators.yara)
    except IndicatorError as exc:
        raise UsageError(("error.indicators", {"problem": str(exc)})) from None
    return indicators, rules


def _with_progress(err: Any, t: Any, total: int | None, work: Any) -> Any:
    """Run ``work(advance)`` under a progress display; ``advance(step_key)`` moves it on."""
    from rich.progress import BarColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}"))
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("", total=total)

        def advance(step: str) -> None:
            progress.update(task, description=t(step), advance=1)

        return work(advance)


class ConnectError(Exception):
    """The phone could not be reached or did not allow this computer: exit code 3.

    ``args``: the message prefix ("adb", "ios"), the reason key and a technical detail."""


def _scan_android(args: argparse.Namespace, indicators: Any, rules: Any, err: Any, t: Any, later: ExitStack) -> Any:
    from rich.text import Text

    from techcheck.collect.adb.connection import AdbError
    from techcheck.collect.adb.device import open_connection, parse_host_port
    from techcheck.collect.adb.keys import ensure_key, fingerprint
    from techcheck.collect.android import FIRST_JOBS
    from techcheck.paths import state_home
    from techcheck.pipeline import scan_android

    if args.tcp:
        try:
            parse_host_port(args.tcp)
        except ValueError:
            raise UsageError(("error.tcp", {"value": args.tcp})) from None
    home = state_home()
    key = ensure_key(home)
    print_fingerprint = fingerprint(Path(f"{key}.pub").read_text(encoding="ascii", errors="replace"))
    err.print(Text(t("adb.fingerprint", fingerprint=print_fingerprint)))
    try:
        connection = open_connection(home, serial=args.serial, tcp=args.tcp)
        with err.status(t("adb.connecting")) as status:

            def waiting(seconds_left: float) -> None:
                status.update(t("adb.waiting", seconds=int(seconds_left), fingerprint=print_fingerprint))

            connection.connect(auth_timeout=float(args.wait), waiting=waiting)
    except AdbError as exc:
        raise ConnectError("adb", exc.reason, exc.detail) from None
    err.print(Text(t("adb.connected", model=connection.banner.get("ro.product.model", "?"))))
    with connection:
        return _with_progress(
            err, t, len(FIRST_JOBS) + 2, lambda advance: scan_android(connection, indicators, rules, progress=advance)
        )


def _scan_local(args: argparse.Namespace, indicators: Any, rules: Any, err: Any, t: Any, later: ExitStack) -> Any:
    from techcheck.collect.local import step_count
    from techcheck.pipeline import scan_local

    return _with_progress(err, t, step_count() + 1, lambda advance: scan_local(indicators, rules, progress=advance))


def _scan_androidqf(args: argparse.Namespace, indicators: Any, rules: Any, err: Any, t: Any, later: ExitStack) -> Any:
    from techcheck.collect.androidqf import AcquisitionError
    from techcheck.pipeline import scan_androidqf

    try:
        return scan_androidqf(args.path, indicators)
    except AcquisitionError as exc:
        raise UsageError(("error.acquisition", {"problem": str(exc)})) from None


def _scan_ios(args: argparse.Namespace, indicators: Any, rules: Any, err: Any, t: Any, later: ExitStack) -> Any:
    """Connect (the iPhone may ask "Trust This Computer?"), scan, and after the summary offer to make the
    iPhone and this computer forget each other (``later`` runs once the summary is shown)."""
    from rich.text import Text

    from techcheck.collect.ios import JOBS, IosError, IphoneSession
    from techcheck.paths import state_home
    from techcheck.pipeline import scan_ios

    session = IphoneSession(home=state_home(), udid=args.udid)
    try:
        with err.status(t("ios.connecting")) as status:

            def waiting(what: str, seconds_left: float) -> None:
                status.update(t(f"ios.waiting.{what}", seconds=int(seconds_left)))

            session.connect(wait=float(args.wait), waiting=waiting)
    except IosError as exc:
        raise ConnectError("ios", exc.reason, exc.detail) from None
    later.enter_context(session)
    target = session.target()
    err.print(Text(t("ios.connected", model=target.model or "iPhone", os=target.os)))
    if session.paired_now:
        err.print(Text(t("ios.trusted_now")))

    def offer(exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is None:
            _offer_forget(session, args.forget, err, t)

    later.push(offer)
    return _with_progress(err, t, len(JOBS) + 1, lambda advance: scan_ios(session, indicators, progress=advance))


def _offer_forget(session: Any, choice: str, err: Any, t: Any) -> None:
    """Never silent: forget only when the person says yes now, or asked for it with --forget yes."""
    from rich.text import Text

    if choice == "ask" and sys.stdin.isatty():
        err.print(Text(t("ios.forget.why")))
        choice = "yes" if _yes(err.input(f"{t('ios.forget.ask')} {t('prompt.yes_no')} "), t) else "no"
    if choice != "yes":
        err.print(Text(t("ios.forget.later")))
        return
    failed = session.forget()
    err.print(Text(t("ios.forget.done") if not failed else t("ios.forget.failed", detail="; ".join(failed))))


def _yes(answer: str, t: Any) -> bool:
    """A yes in the person's language ("y", "yes"; "s", "sí"); anything else, or nothing, is no."""
    words = {w.strip().lower() for w in t("prompt.yes_words").split(",")}
    return answer.strip().lower() in words


SCANS = {"local": _scan_local, "android": _scan_android, "ios": _scan_ios, "androidqf": _scan_androidqf}


def cmd_scan(args: argparse.Namespace) -> int:
    from techcheck.messages import Messages

    t = Messages(args.lang)
    out, err = _consoles()
    if args.json and args.json != "-":
        _check_writable(Path(args.json).expanduser())  # before the scan, not after it
    indicators, rules = _load_indicators(args.indicators)
    for warning in indicators.warnings:
        err.print(t("signatures.warning", warning=warning), markup=False, highlight=False)
    with ExitStack() as later:
        try:
            result = SCANS[args.target](args, indicators, rules, err, t, later)
        except ConnectError as exc:
            from rich.text import Text

            prefix, reason, detail = exc.args
            err.print(Text(t(f"{prefix}.{reason}", detail=detail)))
            return EXIT_UNREACHABLE
        saved = _save_report(result.report, args.json, err, t) if args.json else None
        summary_console = err if args.json == "-" else out
        show_summary(summary_console, result.report, t, saved)
    if args.json and saved is None:
        return EXIT_USAGE
    return EXIT_PARTIAL if result.partial else EXIT_OK


def _check_writable(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise UsageError(("error.output_folder", {"path": str(path)}))


def _save_report(report: dict[str, Any], target: str, err: Any, t: Any) -> str | None:
    """Write the report; on failure say so, and still show the summary (the scan is not lost)."""
    import json

    from rich.text import Text

    from techcheck.report import write_report

    if target == "-":
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        return target
    path = Path(target).expanduser()
    try:
        write_report(report, path)
    except OSError as exc:
        err.print(Text(t("error.output", path=str(path), problem=exc.strerror or str(exc))))
        return None
    return target


def show_summary(console: Any, report: dict[str, Any], t: Any, saved: str | None) -> None:
    from rich.table import Table
    from rich.text import Text

    from techcheck.plan.build import seen_item
    from techcheck.plan.guides import load_guide

    target = report["target"]
    name = target.get("model") if target.get("kind") != "local" else ""
    console.print(Text(t("summary.title", target=name or target.get("id") or target.get("kind")), style="bold"))
    findings = report["findings"]
    if findings:
        table = Table(title=t("summary.found", count=len(findings)), title_justify="left")
        for column in ("summary.col.level", "summary.col.what", "summary.col.detail"):
            table.add_column(t(column))
        for finding in findings:
            guide = load_guide(finding["guide"], t.lang)
            detail = seen_item(guide, finding["subject"], t).text if guide else finding["subject"].get("name", "")
            table.add_row(
                Text(t(f"severity.{finding['severity']}")), Text(t(f"category.{finding['category']}")), Text(detail)
            )
        console.print(table)
    else:
        console.print(Text(t("summary.none")))
    checks = report["checks"]
    done = [c for c in checks if c["status"] in ("ok", "finding")]
    missed = [c for c in checks if c["status"] in ("skipped", "failed")]
    console.print(Text(t("summary.checked", count=len(done))))
    if missed:
        console.print(Text(t("summary.not_checked", count=len(missed))))
        for check in missed:
            reason_key = check["note"].split(":", 1)[0].strip()
            reason = t(f"reason.{reason_key}") if t.has(f"reason.{reason_key}") else check["note"]
            name = t(f"check.{check['id']}") if t.has(f"check.{check['id']}") else check["id"]
            console.print(Text("  • " + t("summary.not_checked_item", check=name, reason=reason)))
    if any(c["status"] == "failed" for c in checks):
        console.print(Text(t("summary.partial")))
    no_change = {"local": "summary.no_change", "ios": "summary.no_change_iphone"}.get(target.get("kind", ""))
    console.print(Text(t(no_change or "summary.no_change_phone")))
    if saved and saved != "-":
        console.print(Text(t("summary.saved", path=saved)))
        console.print(Text(t("summary.next", path=saved)))
    elif not saved:
        console.print(Text(t("summary.not_saved")))


# plan ----------------------------------------------------------------------------------------------
def cmd_plan(args: argparse.Namespace) -> int:
    from techcheck.plan import RENDERERS, build_plan, save_plan, show_plan
    from techcheck.plan.answers import Answers, AnswersError, load_answers
    from techcheck.report import ReportError, read_report

    try:
        reports = [read_report(path) for path in args.reports]
    except ReportError as exc:
        raise UsageError(("error.report", {"problem": str(exc)})) from None
    try:
        answers = load_answers(args.answers) if args.answers else Answers()
    except AnswersError as exc:
        raise UsageError(("error.answers", {"problem": str(exc)})) from None
    plan = build_plan(reports, args.lang, answers)
    if not args.output:
        show_plan(plan, _consoles()[0])
        return EXIT_OK
    path = Path(args.output).expanduser()
    if path.suffix.lower() not in RENDERERS:
        raise UsageError(("error.plan_format", {"path": str(path)}))
    try:
        save_plan(plan, path)
    except OSError as exc:
        raise UsageError(("error.output", {"path": str(path), "problem": exc.strerror or str(exc)})) from None
    return EXIT_OK


# signatures ----------------------------------------------------------------------------------------
def cmd_signatures(args: argparse.Namespace) -> int:
    from rich.text import Text

    from techcheck.indicators import Store, UpdateError
    from techcheck.messages import Messages

    t = Messages(args.lang)
    out, err = _consoles()
    store = Store()
    if args.sig_command == "update":
        try:
            meta = store.update(args.source)
        except UpdateError as exc:
            err.print(Text(t("signatures.kept", problem=str(exc))))
            return EXIT_UNREACHABLE if exc.unreachable else EXIT_USAGE
        entries = sum(int(f.get("entries", 0)) for f in meta["files"])
        out.print(Text(t("signatures.updated", source=meta["source"], entries=entries)))
        for item in meta["files"]:
            for warning in item.get("warnings", []):
                err.print(Text(t("signatures.warning", warning=warning)))
        return EXIT_OK
    if args.sig_command == "status":
        status = store.status()
        shipped = status["shipped"]
        out.print(
            Text(
                t(
                    "signatures.status.shipped",
                    version=shipped["version"],
                    entries=shipped["entries"],
                    yara=status["yara_shipped"],
                )
            )
        )
        imported = status["imported"]
        if not imported:
            out.print(Text(t("signatures.status.none")))
            return EXIT_OK
        out.print(
            Text(
                t(
                    "signatures.status.imported",
                    source=imported["source"],
                    updated=imported["updated"][:10],
                    age=imported["age_days"] if imported["age_days"] is not None else "?",
                )
            )
        )
        for item in imported["files"]:
            out.print(Text(t("signatures.status.file", **{k: item.get(k, "") for k in ("name", "format", "entries")})))
    return EXIT_OK


def cmd_checkup(args: argparse.Namespace) -> int:
    from techcheck.checkup import run_checkup
    from techcheck.plan.answers import AnswersError

    try:
        return run_checkup(args.lang, trace=not args.no_trace, answers_file=args.answers)
    except AnswersError as exc:
        raise UsageError(("error.answers", {"problem": str(exc)})) from None


COMMANDS = {"scan": cmd_scan, "plan": cmd_plan, "checkup": cmd_checkup, "signatures": cmd_signatures}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = COMMANDS.get(args.command or "")
    if (
        command is None
        or (args.command == "scan" and not args.target)
        or (args.command == "signatures" and not args.sig_command)
    ):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return command(args)
    except UsageError as exc:
        from techcheck.messages import Messages

        key, values = exc.args[0]
        print(Messages(getattr(args, "lang", "en"))(key, **values), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        from techcheck.messages import Messages

        print(Messages(getattr(args, "lang", "en"))("error.interrupted"), file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
