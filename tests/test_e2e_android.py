"""`techcheck scan android` end to end, through the CLI, against scenario phones on the fake adbd.

Every scenario also proves the scan is read-only: the fake phone logs every command it received, and
each must be an allow-listed command line with no word that changes anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from apkbuilder import build_apk, fake_dex, make_key_and_cert
from conftest import ROOT, shared_path
from fakeadb import FakeAdbd
from phones import App, Phone, common_apps, scenario

from techcheck.cli import main
from techcheck.collect.adb.keys import ensure_key
from techcheck.collect.allowlist import ANDROID, SHELL_METACHARACTERS, WRITE_WORDS, command_line

ALLOWED_LINES = {" ".join(c.argv) for c in ANDROID.values() if not c.params}
MARKER = b"techcheck-test-stalkerware-marker-91c2"


def allowed(line: str) -> bool:
    from techcheck.collect.allowlist import is_allowed

    return line in ALLOWED_LINES or is_allowed(ANDROID, line.split(" "))


def assert_read_only(fake: FakeAdbd) -> None:
    assert fake.command_log, "the phone received no command"
    for line in fake.command_log:
        assert allowed(line), line
        words = line.split()
        assert not [w for w in WRITE_WORDS if (w in words if " " not in w else w in line)], line
        assert not [m for m in SHELL_METACHARACTERS if m in line], line
    assert all(kind in ("STAT", "RECV", "QUIT", "LST2", "STA2") for kind, _ in fake.sync_log), fake.sync_log


def trusted(home: Path, phone: Phone, **kwargs):  # noqa: ANN201
    key = ensure_key(home)
    return scenario(phone, trusted_keys=[Path(f"{key}.pub").read_bytes()], **kwargs)


def scan(fake: FakeAdbd, tmp_path: Path, *extra: str) -> tuple[int, dict | None]:
    out = tmp_path / "report.json"
    code = main(["scan", "android", "--tcp", f"127.0.0.1:{fake.port}", "--json", str(out), "--wait", "2", *extra])
    return code, json.loads(out.read_text(encoding="utf-8")) if out.exists() else None


def by_id(report: dict, finding_id: str) -> list[dict]:
    return [f for f in report["findings"] if f["id"] == finding_id]


def test_clean_phone_has_no_stalkerware_finding(tmp_path: Path, _isolated_home: Path) -> None:
    phone = Phone(apps=common_apps(200))
    extra: list[str] = []
    echap = ROOT.parent / "shared" / "data" / "echap"
    if (echap / "ioc.yaml").is_file():  # the real indicators too, when this machine has them
        extra = ["--indicators", str(echap / "ioc.yaml"), "--indicators", str(echap / "watchware.yaml")]
    with FakeAdbd(trusted(_isolated_home, phone)) as fake:
        code, report = scan(fake, tmp_path, *extra)
        assert_read_only(fake)
        assert fake.sync_log == []  # nothing from outside a store, so nothing pulled
    assert code == 0
    assert report["target"] == {
        "kind": "android",
        "id": "28161FDH2004XY",
        "model": "Google Pixel 7",
        "os": "Android 14",
        "patch_level": "2026-10-05",
    }
    categories = {f["category"] for f in report["findings"]}
    assert not categories & {"stalkerware", "watchware", "remote-access"}
    assert by_id(report, "android.sideloaded") == []
    assert all(c["status"] in ("ok", "finding") for c in report["checks"]), report["checks"]
    accounts = by_id(report, "android.account")
    assert [a["subject"]["account"] for a in accounts] == ["person@gmail.com"] and accounts[0]["severity"] == "info"
    admins = by_id(report, "android.device-admin")
    assert [(a["subject"]["package"], a["severity"]) for a in admins] == [("com.google.android.gms", "info")]


def _shipped_stalkerware_package() -> tuple[str, str]:
    for entry in yaml.safe_load((ROOT / "signatures" / "android-stalkerware.yaml").read_text(encoding="utf-8")):
        if entry.get("type") == "stalkerware" and entry.get("packages"):
            return entry["packages"][0], entry["name"]
    raise AssertionError("no shipped Android stalkerware entry")


def test_infected_phone(tmp_path: Path, _isolated_home: Path) -> None:
    listed_package, listed_name = _shipped_stalkerware_package()
    key, cert = make_key_and_cert("Totally Normal Apps")
    from cryptography.hazmat.primitives import hashes

    cert_sha1 = cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - APK signing certificates use SHA-1
    renamed = build_apk(None, "com.android.battery.optimizer", fake_dex(b"nothing to see"), key, cert)
    unknown_key, unknown_cert = make_key_and_cert("Sync Services")
    yara_hit = build_apk(None, "com.weather.widget.free", fake_dex(MARKER), unknown_key, unknown_cert)
    unknown = build_apk(None, "com.sync.service.helper", fake_dex(b"helper"), unknown_key, unknown_cert)
    apps = common_apps(120) + [
        App(listed_package, installer="", launcher=False),
        App("com.android.battery.optimizer", installer="com.google.android.packageinstaller", apk=renamed),
        App("com.weather.widget.free", installer="com.google.android.packageinstaller", apk=yara_hit),
        App(
            "com.sync.service.helper",
            installer="",
            launcher=False,
            apk=unknown,
            accessibility="com.sync.service.helper.CoreService",
            device_admin=".AdminReceiver",
            granted=(
                "android.permission.INTERNET",
                "android.permission.ACCESS_FINE_LOCATION",
                "android.permission.ACCESS_BACKGROUND_LOCATION",
                "android.permission.READ_SMS",
            ),
        ),
    ]
    phone = Phone(apps=apps, location_uses={"com.sync.service.helper": "bg"})
    indicators = tmp_path / "case-indicators.yaml"
    indicators.write_text(
        "- name: RenamedSpy\n  type: stalkerware\n  platforms: [android]\n"
        f"  certificates: [{cert_sha1}]\n  sources: [https://example.org/case]\n",
        encoding="utf-8",
    )
    rule = tmp_path / "case.yar"
    rule.write_text(
        'rule CaseSpy { meta: name = "CaseSpy" type = "stalkerware" '
        f'strings: $m = "{MARKER.decode()}" condition: uint16(0) == 0x6564 and $m }}\n',
        encoding="utf-8",
    )
    with FakeAdbd(trusted(_isolated_home, phone)) as fake:
        code, report = scan(fake, tmp_path, "--indicators", str(indicators), "--indicators", str(rule))
        assert_read_only(fake)
        pulled = sorted(path for kind, path in fake.sync_log if kind == "RECV")
        looked_at = sorted(path for kind, path in fake.sync_log if kind in ("STAT", "STA2", "LST2"))
    assert code == 0
    spies = {f["subject"]["package"]: f for f in by_id(report, "android.monitoring")}
    assert spies[listed_package]["subject"]["name"] == listed_name
    assert spies[listed_package]["matched"][0]["by"] == "package"
    assert spies["com.android.battery.optimizer"]["matched"] == [
        {"by": "certificate", "value": cert_sha1, "source": "case-indicators"}
    ]
    assert spies["com.weather.widget.free"]["subject"]["name"] == "CaseSpy"
    assert [m["by"] for m in spies["com.weather.widget.free"]["matched"]] == ["yara"]
    assert all(f["category"] == "stalkerware" and f["severity"] == "high" for f in spies.values())
    (signs,) = by_id(report, "android.monitoring-signs")
    assert signs["subject"]["package"] == "com.sync.service.helper" and signs["severity"] == "high"
    assert signs["subject"]["capabilities"] == "accessibility, device-admin, background-location, sms, no-app-icon"
    assert signs["matched"][0]["by"] == "heuristic"
    sideloaded = {f["subject"]["package"] for f in by_id(report, "android.sideloaded")}
    assert sideloaded == set()  # every app from outside a store here is reported more strongly above
    assert [f["subject"]["package"] for f in by_id(report, "android.accessibility")] == ["com.sync.service.helper"]
    # All four apps from outside a store were looked at; the listed one has no APK on this fake phone.
    assert len(looked_at) == 4 and len(pulled) == 3 and all(p.endswith("/base.apk") for p in pulled)
    located = by_id(report, "android.background-location")
    assert [(f["subject"]["package"], f["subject"].get("when")) for f in located] == [
        ("com.sync.service.helper", "2026-11-27 08:40:12")
    ]


def test_phone_that_never_allows_this_computer(
    tmp_path: Path, _isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ensure_key(_isolated_home)
    with FakeAdbd(scenario(Phone(apps=common_apps(20)), accept_new_keys=False)) as fake:
        code, report = scan(fake, tmp_path)
        assert fake.command_log == []
    assert code == 3 and report is None
    err = capsys.readouterr().err
    assert "did not allow this computer" in err and "key fingerprint is" in err


def test_phone_unplugged_mid_scan_writes_a_partial_report(tmp_path: Path, _isolated_home: Path) -> None:
    phone = Phone(apps=common_apps(60))
    with FakeAdbd(trusted(_isolated_home, phone, disconnect_after_commands=6)) as fake:
        code, report = scan(fake, tmp_path)
        assert_read_only(fake)
    assert code == 4
    assert report is not None and report["schema"] == "techcheck/report-1"
    assert any("disconnected" in e["message"] for e in report["errors"])
    assert any(c["status"] == "failed" for c in report["checks"])


def test_android_7_phone_with_older_formats(tmp_path: Path, _isolated_home: Path) -> None:
    key, cert = make_key_and_cert("Old Helper")
    apk = build_apk(None, "com.sync.battery.helper", fake_dex(b"old"), key, cert, v2=False)
    apps = common_apps(50) + [App("com.sync.battery.helper", installer="", apk=apk)]
    phone = Phone(apps=apps, version="7", model="SM-J530F", manufacturer="samsung", patch="2019-03-01")
    with FakeAdbd(trusted(_isolated_home, phone)) as fake:
        code, report = scan(fake, tmp_path)
        assert_read_only(fake)
        assert command_line(ANDROID, "pm-packages-old", user="0") in fake.command_log
    assert code == 0
    assert report["target"]["os"] == "Android 7"
    assert [f["subject"]["package"] for f in by_id(report, "android.sideloaded")] == ["com.sync.battery.helper"]
    (outdated,) = by_id(report, "android.outdated")
    assert "Android 7" in outdated["subject"]["setting"] and "2019-03-01" in outdated["subject"]["setting"]
    assert all(c["status"] != "failed" for c in report["checks"]), report["checks"]


def test_cli_as_a_separate_process_and_plan(tmp_path: Path, _isolated_home: Path) -> None:
    """The same path a person takes: the installed command, then a plan that ends with the reminder to
    turn USB debugging off."""
    phone = Phone(apps=common_apps(40))
    env = {**os.environ, "TECHCHECK_HOME": str(_isolated_home), "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    with FakeAdbd(trusted(_isolated_home, phone)) as fake:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "techcheck",
                "scan",
                "android",
                "--tcp",
                f"127.0.0.1:{fake.port}",
                "--json",
                str(tmp_path / "phone.json"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert "Nothing on the phone was changed." in result.stdout
    assert main(["plan", str(tmp_path / "phone.json"), "-o", str(tmp_path / "plan.html")]) == 0
    html = (tmp_path / "plan.html").read_text(encoding="utf-8")
    assert "Android phone" in html and "USB debugging" in html


def test_androidqf_acquisition(tmp_path: Path) -> None:
    folder = shared_path("data", "mvt-artifacts", "tests", "artifacts", "androidqf")
    out = tmp_path / "aqf.json"
    assert main(["scan", "androidqf", str(folder), "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["target"]["kind"] == "android"
    (root,) = by_id(report, "android.root")
    assert {e["detail"] for e in root["evidence"]} >= {"su: /system/bin/su", "root-tool: /data/local/tmp/magisk"}
    assert {f["subject"]["package"] for f in by_id(report, "android.sideloaded")} >= {"org.fdroid.fdroid"}
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["android.accounts"] == "skipped"  # no dumpsys account in this acquisition


def test_androidqf_bad_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["scan", "androidqf", str(tmp_path / "empty")]) == 2
    assert "no AndroidQF files" in capsys.readouterr().err
