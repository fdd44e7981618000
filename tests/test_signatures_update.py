"""`techcheck signatures update/status`: validation, atomic replace, previous set kept on failure."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, shared_path

from techcheck.cli import main
from techcheck.indicators import Store, UpdateError, load_indicators

IND = FIXTURES / "indicators"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A web server on 127.0.0.1 serving a folder: the update's URL path, without the internet."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()


def test_update_from_a_file_then_scan_uses_it(tmp_path: Path, _isolated_home: Path) -> None:
    store = Store(_isolated_home)
    meta = store.update(str(IND / "echap-small.yaml"))
    assert [f["format"] for f in meta["files"]] == ["echap"]
    ind = load_indicators(home=_isolated_home)
    assert ind.package("com.spy.one")[0].origin == "echap"
    echap = next(s for s in ind.sources if s.source == "echap")
    assert echap.entries == 3 and "CC BY 4.0" in echap.licence


def test_update_from_a_folder_holding_both_echap_files(tmp_path: Path, _isolated_home: Path) -> None:
    folder = tmp_path / "echap"
    folder.mkdir()
    shutil.copy(shared_path("data", "echap", "ioc.yaml"), folder / "ioc.yaml")
    shutil.copy(shared_path("data", "echap", "watchware.yaml"), folder / "watchware.yaml")
    shutil.copy(shared_path("data", "echap", "rules.yar"), folder / "rules.yar")
    meta = Store(_isolated_home).update(str(folder))
    formats = {f["name"]: f["format"] for f in meta["files"]}
    assert formats == {"ioc.yaml": "echap", "rules.yar": "yara", "watchware.yaml": "echap"}
    ind = load_indicators(home=_isolated_home)
    assert len([e for e in ind.entries if e.origin == "echap"]) == sum(f["entries"] for f in meta["files"])
    assert any(y.name == "rules.yar" for y in ind.yara)


def test_update_from_a_url(server: tuple[str, Path], _isolated_home: Path) -> None:
    base, root = server
    shutil.copy(IND / "bundle.stix2", root / "bundle.stix2")
    meta = Store(_isolated_home).update(f"{base}/bundle.stix2")
    assert meta["files"][0]["format"] == "stix2"
    assert meta["files"][0]["warnings"]  # the two unsupported patterns
    assert load_indicators(home=_isolated_home).package("com.stix.spy")


def test_default_update_fetches_echap_files_and_tolerates_missing_rules(
    monkeypatch: pytest.MonkeyPatch, _isolated_home: Path
) -> None:
    asked: list[str] = []
    data = (IND / "echap-small.yaml").read_bytes()

    def fetch(url: str) -> bytes:
        asked.append(url)
        if url.endswith("rules.yar"):
            raise UpdateError(f"{url}: could not download (404)", unreachable=True)
        return data

    meta = Store(_isolated_home).update(None, fetch_url=fetch)
    assert [u.rsplit("/", 1)[1] for u in asked] == ["ioc.yaml", "watchware.yaml", "rules.yar"]
    assert all(u.startswith("https://raw.githubusercontent.com/AssoEchap/stalkerware-indicators/") for u in asked)
    assert [f["name"] for f in meta["files"]] == ["ioc.yaml", "watchware.yaml"]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("ioc.yaml", "- name: X\n  type: nope\n  c2: {}\n", "type must be stalkerware or watchware"),
        ("ioc.yaml", "- name: [unclosed\n", "invalid YAML"),
        ("rules.yar", "rule r { condition: nonsense }\n", "YARA rules do not compile"),
        (
            "b.json",
            '{"type": "bundle", "objects": [{"type": "indicator", "pattern": "[a:b = \'c\'] AND [d:e = \'f\']"}]}',
            "no indicator with a pattern we support",
        ),
    ],
)
def test_a_bad_update_keeps_the_previous_set(
    tmp_path: Path, _isolated_home: Path, name: str, content: str, problem: str
) -> None:
    store = Store(_isolated_home)
    store.update(str(IND / "echap-small.yaml"))
    before = store.current()
    folder = tmp_path / "new"
    folder.mkdir()
    shutil.copy(IND / "echap-small.yaml", folder / "a-good.yaml")
    (folder / name).write_text(content, encoding="utf-8")
    with pytest.raises(UpdateError) as info:
        store.update(str(folder))
    assert name in str(info.value) and problem in str(info.value)
    assert store.current() == before
    assert load_indicators(home=_isolated_home).package("com.spy.one")
    leftovers = [p.name for p in (_isolated_home / "indicators" / "sets").iterdir()]
    assert leftovers == [before[0].name]  # no half-written set left behind


def test_size_limit_on_download(
    server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch, _isolated_home: Path
) -> None:
    from techcheck.indicators import store as store_module

    base, root = server
    (root / "big.yaml").write_bytes(b"#" * 2048)
    monkeypatch.setattr(store_module, "MAX_FILE_BYTES", 1024)
    with pytest.raises(UpdateError, match="too large"):
        Store(_isolated_home).update(f"{base}/big.yaml")
    assert Store(_isolated_home).current() is None


def test_unreachable_sources_say_so(server: tuple[str, Path], _isolated_home: Path, tmp_path: Path) -> None:
    base, _ = server
    with pytest.raises(UpdateError) as info:
        Store(_isolated_home).update(f"{base}/missing.yaml")
    assert info.value.unreachable and "could not download" in str(info.value)
    with pytest.raises(UpdateError) as info:
        Store(_isolated_home).update(str(tmp_path / "nope.yaml"))
    assert info.value.unreachable and "file not found" in str(info.value)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UpdateError, match="no indicator files in this folder"):
        Store(_isolated_home).update(str(empty))


def test_broken_imported_set_is_a_warning_not_a_crash(_isolated_home: Path) -> None:
    store = Store(_isolated_home)
    store.update(str(IND / "echap-small.yaml"))
    folder, meta = store.current()
    (folder / meta["files"][0]["name"]).write_text("- name: [broken\n", encoding="utf-8")
    ind = load_indicators(home=_isolated_home)
    assert any("invalid YAML" in w for w in ind.warnings)
    assert ind.sources[0].source == "techcheck"


def test_cli_update_and_status(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["signatures", "status"]) == 0
    out = capsys.readouterr().out
    assert "No imported indicators yet" in out
    assert main(["signatures", "update", "--from", str(IND / "echap-small.yaml")]) == 0
    assert "3 entries" in capsys.readouterr().out
    assert main(["signatures", "status"]) == 0
    out = capsys.readouterr().out
    assert "echap-small.yaml: echap, 3 entries" in out and "0 days ago" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: X\n  type: stalkerware\n  colour: red\n", encoding="utf-8")
    assert main(["signatures", "update", "--from", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "still in use" in err and "bad.yaml" in err and "unknown key 'colour'" in err
    assert main(["signatures", "update", "--from", str(tmp_path / "missing")]) == 3
