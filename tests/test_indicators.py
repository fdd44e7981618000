"""Indicator formats: own YAML, Echap, STIX 2, YARA; format detection; lookups; refusing bad files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, shared_path

from techcheck.indicators import IndicatorError, IndicatorSet, load_indicators
from techcheck.indicators.files import MAX_FILE_BYTES, parse_indicator_bytes, read_indicator_file

IND = FIXTURES / "indicators"


def load_set(*names: str) -> IndicatorSet:
    entries = []
    for name in names:
        entries.extend(read_indicator_file(IND / name).entries)
    return IndicatorSet(entries)


# Own format -----------------------------------------------------------------------------------------
def test_own_format_loads_every_field() -> None:
    loaded = read_indicator_file(IND / "own-valid.yaml")
    assert loaded.format == "own"
    spy = next(e for e in loaded.entries if e.name == "TestSpy")
    assert spy.type == "stalkerware"
    assert spy.packages == ("com.test.spy",)
    assert spy.ips == ("192.0.2.10", "2001:DB8::10")
    assert spy.sources == ("https://example.org/testspy",)


def test_lookups_are_normalised() -> None:
    ind = load_set("own-valid.yaml")
    assert [e.name for e in ind.package("com.test.spy")] == ["TestSpy"]
    assert [e.name for e in ind.package("COM.TEST.SPY")] == ["TestSpy"]
    assert ind.package("com.test.spyx") == ()
    assert ind.certificate("01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67")[0].name == "TestSpy"
    assert ind.sha256("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08")[0].name == "TestSpy"
    assert ind.process("TESTSPYD")[0].name == "TestSpy"
    assert ind.process("testspy.exe")[0].name == "TestSpy"
    assert ind.ip("2001:db8:0:0::10")[0].name == "TestSpy"
    assert ind.ip("192.0.2.11") == ()
    assert ind.extension("ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP")[0].name == "TestSpy"
    assert ind.bundle_id("com.family.finder.ios")[0].type == "watchware"


def test_linux_truncated_process_name_matches_prefix() -> None:
    ind = load_set("own-valid.yaml")
    assert ind.process("averyveryverylo")[0].name == "TestSpy"  # 15 characters, as /proc/comm shows
    assert ind.process("averyveryveryl") == ()  # 14 characters is a different name


def test_domains_match_subdomains_only() -> None:
    ind = load_set("own-valid.yaml")
    assert ind.domain("testspy.example")[0].name == "TestSpy"
    assert ind.domain("API.Testspy.Example.")[0].name == "TestSpy"
    assert ind.domain("https://c2.testspy.example:8443/x")[0].name == "TestSpy"
    assert ind.domain("nottestspy.example") == ()
    assert ind.domain("example") == ()


def test_paths_match_folders_home_and_patterns() -> None:
    ind = load_set("own-valid.yaml")
    assert ind.path("/opt/testspy/bin/testspyd")[0].name == "TestSpy"
    assert ind.path("/opt/testspy")[0].name == "TestSpy"
    assert ind.path("/opt/testspyware/x") == ()
    assert ind.path("/home/ana/.local/share/testspy/agent")[0].name == "TestSpy"
    assert ind.path(r"c:\program files\testspy\ts.exe")[0].name == "TestSpy"
    assert ind.path(r"C:\Users\ana\AppData\Local\TestSpy\run.exe")[0].name == "TestSpy"
    assert ind.path(r"C:\Users\ana\AppData\Local\TestSpy\notes.txt") == ()


def test_lookup_time_does_not_grow_with_the_set() -> None:
    """Lookups are dictionary lookups: 100,000 extra entries do not slow them down noticeably."""
    from techcheck.indicators import Entry

    small = load_set("own-valid.yaml")
    big = load_set("own-valid.yaml")
    big.extend(Entry(name=f"N{i}", type="stalkerware", origin="t", packages=(f"com.n{i}",)) for i in range(100_000))

    def cost(ind: IndicatorSet) -> float:
        start = time.perf_counter()
        for _ in range(20_000):
            ind.package("com.test.spy")
        return time.perf_counter() - start

    assert big.package("com.n99999")[0].name == "N99999"
    assert cost(big) < cost(small) * 5 + 0.05


# Refusing bad files ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("- name: X\n  type: spyware\n", "type must be one of"),
        ("- name: X\n  type: stalkerware\n  packages: com.x\n", "packages must be a list"),
        ("- name: X\n  type: stalkerware\n  packages: [[a]]\n", "must hold only text"),
        ("- name: X\n  type: stalkerware\n  colour: red\n", "unknown key 'colour'"),
        ("- name: X\n  type: stalkerware\n  certificates: [ABC]\n", "not a 40-character SHA-1"),
        ("- name: X\n  type: stalkerware\n  sha256: [xyz]\n", "not a 64-character SHA-256"),
        ("- name: X\n  type: stalkerware\n  platforms: [symbian]\n", "unknown platform"),
        ("- name: X\n  type: stalkerware\n  sources: [ftp://x]\n", "web address"),
        ("- type: stalkerware\n", "has no name"),
        ("- name: X\n  type: [stalkerware\n", "invalid YAML at line"),
        ("- &a name: X\n  type: stalkerware\n- *a\n", "anchors and aliases"),
        ("just text\n", "not an indicator file we know"),
        ('{"type": "bundle"}', "not a STIX 2 bundle"),
        (
            '{"type": "bundle", "objects": [{"type": "indicator", "pattern": "[x:y = \'z\']"}]}',
            "no indicator with a pattern we support",
        ),
        ("{nope", "invalid JSON"),
        ("", "empty"),
    ],
)
def test_bad_files_are_refused_with_one_clear_line(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IndicatorError) as info:
        read_indicator_file(path)
    message = str(info.value)
    assert message.startswith(str(path) + ": ")
    assert problem in message
    assert "\n" not in message


def test_non_utf8_and_huge_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"- name: \xe9\xe9\n")
    with pytest.raises(IndicatorError, match="not UTF-8"):
        read_indicator_file(path)
    with pytest.raises(IndicatorError, match="too large"):
        parse_indicator_bytes(b" " * (MAX_FILE_BYTES + 1), "huge.yaml", "huge")
    with pytest.raises(IndicatorError, match="file not found"):
        read_indicator_file(tmp_path / "missing.yaml")


def test_shipped_signatures_require_sources(tmp_path: Path) -> None:
    path = tmp_path / "nosource.yaml"
    path.write_text("- name: X\n  type: remote-access\n  processes: [x]\n", encoding="utf-8")
    assert read_indicator_file(path).entries[0].name == "X"  # fine for a person's own file
    with pytest.raises(IndicatorError, match="has no sources"):
        read_indicator_file(path, require_sources=True)


# Echap ------------------------------------------------------------------------------------------------
def test_echap_format_is_detected_and_quirks_handled() -> None:
    loaded = read_indicator_file(IND / "echap-small.yaml", origin="echap")
    assert loaded.format == "echap"
    by_name = {e.name: e for e in loaded.entries}
    assert by_name["SpyTwo"].ips == ("198.51.100.2",)  # the `c2: ip:` typo
    assert by_name["SpyOne"].names == ("SpyOne", "SpyUno")
    assert set(by_name["SpyOne"].domains) == {
        "spyone.example",
        "http://dl.spyone.example/app.apk",
        "api.spyone.example",
    }
    assert by_name["Kidwatch"].type == "watchware"
    assert by_name["Kidwatch"].platforms == ("android", "ios")
    ind = IndicatorSet(loaded.entries)
    assert sorted(e.name for e in ind.package("com.shared.pkg")) == ["SpyOne", "SpyTwo"]
    assert ind.domain("dl.spyone.example")[0].name == "SpyOne"
    assert ind.bundle_id("com.kid.watch.ios")[0].name == "Kidwatch"


def _echap_expected(*paths: Path) -> dict[str, set[str]]:
    """Counts computed straight from the YAML, independently of our importer."""
    out: dict[str, set[str]] = {"packages": set(), "certificates": set(), "domains": set(), "ips": set()}
    for path in paths:
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            out["packages"].update(p.lower() for p in entry.get("packages") or [])
            out["certificates"].update(c.lower() for c in entry.get("certificates") or [])
            c2 = entry.get("c2") or {}
            out["ips"].update(c2.get("ips") or [])
            out["ips"].update(c2.get("ip") or [])
            for key in ("websites", "distribution"):
                for value in entry.get(key) or []:
                    out["domains"].add(value)
            out["domains"].update(c2.get("domains") or [])
    return out


def test_real_echap_data_counts_match_the_files() -> None:
    ioc = shared_path("data", "echap", "ioc.yaml")
    watch = shared_path("data", "echap", "watchware.yaml")
    start = time.perf_counter()
    entries = read_indicator_file(ioc).entries + read_indicator_file(watch).entries
    ind = IndicatorSet(entries)
    elapsed = time.perf_counter() - start
    raw_ioc = yaml.safe_load(ioc.read_text(encoding="utf-8"))
    raw_watch = yaml.safe_load(watch.read_text(encoding="utf-8"))
    assert len(entries) == len(raw_ioc) + len(raw_watch)
    assert sum(e.type == "watchware" for e in entries) == sum(e.get("type") == "watchware" for e in raw_ioc + raw_watch)
    expected = _echap_expected(ioc, watch)
    assert ind.count("packages") == len(expected["packages"])
    assert ind.count("certificates") == len(expected["certificates"])
    assert ind.count("ips") == len(expected["ips"])
    from techcheck.indicators.index import norm_domain

    assert ind.count("domains") == len({norm_domain(d) for d in expected["domains"]} - {""})
    for entry in raw_ioc:
        for package in entry.get("packages") or []:
            assert entry["name"] in {e.name for e in ind.package(package)}
    assert elapsed < 5  # the 1 s target is measured in bench/, not asserted here


# STIX 2 -----------------------------------------------------------------------------------------------
def test_stix2_bundle_groups_by_malware_and_skips_unsupported() -> None:
    loaded = read_indicator_file(IND / "bundle.stix2")
    assert loaded.format == "stix2"
    by_name = {e.name: e for e in loaded.entries}
    spy = by_name["StixSpy"]
    assert spy.type == "stalkerware"
    assert spy.packages == ("com.stix.spy",) and spy.bundle_ids == ("com.stix.spy",)
    assert spy.domains == ("c2.stixspy.example",)
    assert spy.certificates == ("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",)
    assert spy.sha256 == ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",)
    assert spy.processes == ("stixspyd",)
    assert by_name["StixWatch"].type == "watchware"
    assert by_name["bundle.stix2"].ips == ("203.0.113.99",)  # no malware link: grouped under the file
    assert len(loaded.warnings) == 1 and "2 patterns not supported" in loaded.warnings[0]


@pytest.mark.parametrize("name", ["cytrox.stix2", "638cd3ee5e5f019f84f9e0ea.json"])
def test_real_mvt_stix2_files_load(name: str) -> None:
    path = shared_path("data", "mvt-artifacts", "tests", "artifacts", "stix2", name)
    loaded = read_indicator_file(path)
    assert loaded.format == "stix2"
    assert sum(len(e.domains) + len(e.packages) + len(e.processes) + len(e.sha256) for e in loaded.entries) > 0


def test_old_echap_stix2_export_loads() -> None:
    path = shared_path("data", "echap", "generated", "stalkerware.stix2.2023-05-31-8c70e6f")
    loaded = read_indicator_file(path)
    assert len(loaded.entries) == 137  # one per malware object (PROVENANCE.md)
    assert sum(len(e.certificates) for e in loaded.entries) == 99


# YARA and the combined set ------------------------------------------------------------------------------
def test_yara_files_are_detected_and_given_files_are_added(tmp_path: Path) -> None:
    rule = tmp_path / "mine.yar"
    rule.write_text('rule mine { meta: name = "Mine" strings: $a = "techcheck-test-marker" condition: $a }\n')
    ind = load_indicators([IND / "own-valid.yaml", rule, IND / "echap-small.yaml"])
    assert ind.process("testspyd")[0].origin == "own-valid"
    assert ind.package("com.spy.one")[0].origin == "echap"
    assert any(y.name == "mine.yar" for y in ind.yara)
    sources = {s.source: s for s in ind.sources}
    assert sources["techcheck"].entries > 0
    assert sources["own-valid"].version == "given for this scan"
    assert sources["echap"].licence.startswith("CC BY 4.0")


def test_broken_yara_file_names_the_file(tmp_path: Path) -> None:
    from techcheck.indicators.yara_rules import compile_rules

    rule = tmp_path / "broken.yar"
    rule.write_text('rule broken { strings: $a = "x" condition: $b }\n')
    ind = load_indicators([rule])
    with pytest.raises(IndicatorError, match="broken.yar: YARA rules do not compile"):
        compile_rules(ind.yara)


# ISDi's app list -------------------------------------------------------------------------------------
ISDI_SAMPLE = """appId,store,flag,title
com.example.tracker,appstore,dual-use,Example Tracker
com.example.spy,playstore,stalkerware,Example Spy
spy.offstore.app,offstore,spyware,Off Store Spy
com.example.fine,playstore,safe,Fine App
com.example.odd,elsewhere,dual-use,Odd Store
"""


def test_isdi_csv_is_detected_and_mapped_by_store_and_flag(tmp_path: Path) -> None:
    from techcheck.indicators import load_indicators

    path = tmp_path / "app-flags.csv"
    path.write_text(ISDI_SAMPLE, encoding="utf-8")
    indicators = load_indicators([path])
    [tracker] = indicators.bundle_id("com.example.tracker")
    assert (tracker.type, tracker.origin, tracker.platforms) == ("dual-use", "isdi", ("ios",))
    assert indicators.package("com.example.spy")[0].type == "stalkerware"
    assert indicators.package("spy.offstore.app")[0].type == "stalkerware"
    assert not indicators.package("com.example.fine") and not indicators.package("com.example.odd")
    assert indicators.warnings == [f"{path}: 1 rows with an unknown store or flag were skipped"]
    source = [s for s in indicators.sources if s.source == "isdi"][0]
    assert source.entries == 3 and "stopipv/isdi" in source.licence


def test_isdi_csv_broken_row_is_refused(tmp_path: Path) -> None:
    from techcheck.indicators import IndicatorError, load_indicators

    path = tmp_path / "app-flags.csv"
    path.write_text("appId,store,flag,title\ncom.only.two,appstore\n", encoding="utf-8")
    with pytest.raises(IndicatorError, match="line 2: expected appId,store,flag,title"):
        load_indicators([path])


def test_real_isdi_list_loads_fast_and_flags_few_common_apps() -> None:
    import time

    from techcheck.indicators import load_indicators

    path = shared_path("data", "isdi", "app-flags.main.csv")
    start = time.perf_counter()
    indicators = load_indicators([path])
    assert time.perf_counter() - start < 2.0
    isdi = [e for e in indicators.entries if e.origin == "isdi"]
    assert len(isdi) > 5000 and {e.type for e in isdi} == {"dual-use", "stalkerware"}
    assert sum(1 for e in isdi if e.bundle_ids) > 600
