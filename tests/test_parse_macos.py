"""macOS parsers on fixtures in the real formats: launchd plists (binary and XML) and ``last`` output."""

from __future__ import annotations

import plistlib
from dataclasses import replace
from pathlib import Path

import pytest

from techcheck.model import Artifact, Snapshot, Target
from techcheck.parse import PARSERS, parse_snapshot
from techcheck.parse.macos import infer_date, launchd_auto_runs, parse_last, parse_launchd_plist
from techcheck.parse.records import AutostartEntry, LoginEvent, ParseError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "macos"
LAUNCHD = FIXTURES / "launchd"
COLLECTED = "2026-11-27T10:00:00Z"


def plist(name: str, scope: str = "user") -> list[AutostartEntry]:
    path = LAUNCHD / name
    return parse_launchd_plist(path.read_bytes(), f"/Users/alex/Library/LaunchAgents/{name}", scope)


# launchd ---------------------------------------------------------------------------------------------


def test_binary_plist_with_run_at_load() -> None:
    assert (LAUNCHD / "com.example.agent.plist").read_bytes().startswith(b"bplist00")
    [entry] = plist("com.example.agent.plist")
    assert entry == AutostartEntry(
        mechanism="launchd",
        name="com.example.agent",
        command="'/Users/alex/Library/Application Support/Example Agent/agent' --background --interval=60",
        target="/Users/alex/Library/Application Support/Example Agent/agent",
        location="/Users/alex/Library/LaunchAgents/com.example.agent.plist",
        scope="user",
        enabled=True,
    )


def test_xml_plist_with_program_and_run_at_load() -> None:
    [entry] = plist("com.example.updater.plist", "system")
    assert entry.name == "com.example.updater"
    assert entry.target == "/Library/Application Support/Example/Updater.app/Contents/MacOS/Updater"
    assert entry.command == entry.target
    assert entry.scope == "system"
    assert entry.enabled is True


def test_keep_alive_dictionary_counts_as_auto_run() -> None:
    [entry] = plist("com.example.sync.keepalive.plist")
    assert entry.enabled is True
    assert entry.target == "/Users/alex/Library/Application Support/.sync/syncd"
    assert entry.command.endswith("--quiet --upload-to https://collect.example.net/u/alex")


def test_disabled_plist_is_not_enabled_even_with_run_at_load() -> None:
    [entry] = plist("com.example.disabled.plist")
    assert entry.name == "com.example.oldhelper"
    assert entry.target == "/usr/local/bin/oldhelper"
    assert entry.enabled is False


def test_calendar_schedule_counts_as_auto_run() -> None:
    [entry] = plist("com.example.backup.scheduled.plist")
    assert (entry.name, entry.command, entry.enabled) == (
        "com.example.backup",
        "/usr/local/bin/backup-tool run",
        True,
    )


def test_on_demand_job_does_not_run_by_itself() -> None:
    [entry] = plist("com.example.ondemand.plist")
    assert entry.enabled is False


def test_malformed_plist_raises_parse_error() -> None:
    with pytest.raises(ParseError, match="not a readable property list"):
        plist("com.example.broken.plist")


def test_malformed_plist_becomes_a_could_not_check_entry() -> None:
    snapshot = Snapshot(Target("local"))
    for name in ("com.example.broken.plist", "com.example.agent.plist"):
        snapshot.add(
            Artifact.make(
                "launchd_plist",
                f"file:{name}",
                (LAUNCHD / name).read_bytes(),
                name=f"launchd_plist:{name}",
                meta={"path": name, "scope": "user"},
            )
        )
    facts = parse_snapshot(snapshot)
    assert [e.name for e in facts.of(AutostartEntry)] == ["com.example.agent"]
    assert [(p.kind, p.status, p.reason, p.step) for p in facts.problems] == [
        ("launchd_plist", "failed", "malformed", "launchd_plist:com.example.broken.plist")
    ]


def test_xml_entity_declarations_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b'<plist version="1.0"><dict><key>Label</key><string>&b;</string></dict></plist>'
    )
    with pytest.raises(ParseError):
        parse_launchd_plist(bomb, "bomb.plist")


@pytest.mark.parametrize("data", [["a", "list"], "just a string"])
def test_top_level_that_is_not_a_dictionary_raises(data: object) -> None:
    with pytest.raises(ParseError, match="not a dictionary"):
        parse_launchd_plist(plistlib.dumps(data), "odd.plist")


def test_plist_without_a_program_gives_nothing() -> None:
    assert parse_launchd_plist(plistlib.dumps({"Label": "x", "RunAtLoad": True}), "x.plist") == []


def test_label_from_the_file_name_and_hostile_text_clipped() -> None:
    data = {"ProgramArguments": ["/tmp/\u202eexe.gpj\x07" + "A" * 5000], "KeepAlive": True}
    raw = plistlib.dumps(data, fmt=plistlib.FMT_BINARY)  # XML cannot hold control characters; binary can
    [entry] = parse_launchd_plist(raw, "/Library/LaunchDaemons/com.evil.plist", "system")
    assert entry.name == "com.evil"
    assert "\u202e" not in entry.target and "\x07" not in entry.target
    assert len(entry.target) == 1024 and entry.target.endswith("…")
    assert entry.enabled is True


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"runatload": True}, True),
        ({"runatload": False}, False),
        ({"keepalive": True}, True),
        ({"keepalive": {"SuccessfulExit": False}}, True),
        ({"keepalive": {}}, False),
        ({"startinterval": 3600}, True),
        ({"startcalendarinterval": [{"Hour": 3}]}, True),
        ({"ondemand": False}, True),
        ({"ondemand": False, "runatload": False}, False),
        ({"disabled": True, "runatload": True, "keepalive": True}, False),
        ({"disabled": False, "runatload": True}, True),
        ({}, False),
    ],
)
def test_knockknock_auto_run_rule(keys: dict, expected: bool) -> None:
    assert launchd_auto_runs(keys) is expected


def test_parsers_are_registered() -> None:
    assert {"launchd_plist", "macos_last"} <= set(PARSERS)


# last ------------------------------------------------------------------------------------------------


def last_events() -> list[LoginEvent]:
    return parse_last((FIXTURES / "last.txt").read_text(), COLLECTED)


def test_last_lists_logins_without_reboots_shutdowns_or_the_footer() -> None:
    events = last_events()
    assert [(e.user, e.tty) for e in events] == [
        ("alex", "ttys002"),
        ("alex", "ttys001"),
        ("alex", "console"),
        ("jordan", "ttys000"),
        ("alex", "console"),
        ("jordan", "ttys003"),
        ("alex", "ttys000"),
        ("alex", "console"),
    ]
    assert {e.source for e in events} == {"last"}


def test_last_marks_logins_from_another_computer_as_remote() -> None:
    remote = [(e.user, e.host, e.time) for e in last_events() if e.remote]
    assert remote == [
        ("jordan", "203.0.113.45", "2026-11-26T22:10:00"),
        ("jordan", "mbp-jordan.local", "2026-11-20T19:05:00"),
    ]
    assert all(e.host == "" for e in last_events() if not e.remote)


def test_last_dates_get_their_year_from_weekday_and_order() -> None:
    times = [e.time for e in last_events()]
    assert times[0] == "2026-11-27T09:58:00"
    assert times[-2:] == ["2026-01-02T10:30:00", "2025-12-31T09:00:00"]


def test_last_through_the_parser_table() -> None:
    artifact = replace(
        Artifact.make("macos_last", "command:last", (FIXTURES / "last.txt").read_bytes()), collected=COLLECTED
    )
    events = PARSERS["macos_last"](artifact)
    assert len(events) == 8 and events[3].remote is True


def test_freebsd_style_pseudo_lines_are_not_logins() -> None:
    text = (
        "boot time                                  Fri Nov 27 08:01\n"
        "shutdown time                              Thu Nov 26 23:40\n"
        "alex       ttys000  192.0.2.10             Thu Nov 26 20:00 - 20:30  (00:30)\n"
        "\nutx.log begins Mon Nov  3 08:57:12 UTC 2026\n"
    )
    [event] = parse_last(text, COLLECTED)
    assert (event.user, event.host, event.remote, event.time) == (
        "alex",
        "192.0.2.10",
        True,
        "2026-11-26T20:00:00",
    )


def test_empty_last_output_is_no_logins() -> None:
    assert parse_last("", COLLECTED) == []
    assert parse_last("\nwtmp begins Thu Nov 27 08:01 \n", COLLECTED) == []


def test_output_that_is_not_last_raises() -> None:
    with pytest.raises(ParseError):
        parse_last("last: illegal option -- z\nusage: last [-swy] ...\n", COLLECTED)


def test_the_weekday_picks_the_year_and_an_impossible_date_has_no_time() -> None:
    # 30 November 2026 is after the collection; the newest earlier Monday 30 November is in 2020.
    [event] = parse_last(
        "alex      console                   Mon Nov 30 08:02   still logged in\n", COLLECTED
    )
    assert event.user == "alex" and event.time == "2020-11-30T08:02:00"
    [event] = parse_last(
        "alex      console                   Sun Feb 30 08:02   still logged in\n", COLLECTED
    )
    assert event.time == ""


def test_infer_date_handles_leap_days() -> None:
    from datetime import date

    assert infer_date(2, 29, 3, date(2026, 11, 27)) == date(2024, 2, 29)  # a Thursday
