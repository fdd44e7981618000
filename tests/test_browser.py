"""The HTML plan in a real browser: Debian's Chromium, driven by tests/browser/audit.mjs (playwright-core).

Plans are built by the real `techcheck plan` command from reports written here (several devices and
guides, with hostile device text), in English and Spanish, with and without answers. Each is opened from
its file, screenshotted at 1280 px and at 200% zoom, and audited with axe-core (WCAG 2.0/2.1 A and AA).
It must show no serious or critical violation, make no request but for its own file, need no sideways
scrolling at 200%, and turn no device text into markup.

Needs node, /usr/bin/chromium and `npm ci --prefix tests/browser`. Without them the tests skip, unless
TECHCHECK_REQUIRE_BROWSER=1 (set by .ci/run once it has installed them): then they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from techcheck.cli import main

BROWSER_DIR = Path(__file__).resolve().parent / "browser"
AUDIT = BROWSER_DIR / "audit.mjs"
CHROMIUM = Path(os.environ.get("TECHCHECK_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = os.environ.get("TECHCHECK_REQUIRE_BROWSER") == "1"
AUDIT_TIMEOUT = 120  # seconds for one plan; one takes about 10 s here

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_2 = '"><script>alert(2)</script>'
CASES = [("en", True), ("es", True), ("en", False), ("es", False)]
ANSWERS = """\
region: US
stage: planning-to-leave
physical_access: yes
knows_passwords: unsure
shared_phone_plan: yes
shared_accounts: no
children_devices: unsure
smart_home: yes
accounts: [google, apple, whatsapp, snapchat, bank]
"""


def missing_tools() -> list[str]:
    missing = []
    node = shutil.which("node")
    if node is None:
        missing.append("node (Node.js) is not on PATH")
    else:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
        major = version.strip().lstrip("v").split(".")[0]
        if not major.isdigit() or int(major) < 20:  # what playwright-core asks for
            missing.append(f"node is {version.strip() or 'unknown'}; the browser check needs Node.js 20 or newer")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} is missing (Debian package chromium)")
    for package in ("playwright-core", "axe-core"):
        if not (BROWSER_DIR / "node_modules" / package / "package.json").is_file():
            missing.append(f"tests/browser/node_modules/{package} is missing (run: npm ci --prefix tests/browser)")
    return missing


def finding(fid: str, category: str, severity: str, guide: str, subject: dict[str, str], detail: str) -> dict:
    return {
        "id": fid,
        "category": category,
        "severity": severity,
        "subject": subject,
        "matched": [],
        "evidence": [{"artifact": fid, "detail": detail}],
        "guide": guide,
    }


def report(kind: str, model: str, os_name: str, checks: list[dict], findings: list[dict]) -> dict:
    """A report in the techcheck/report-1 format, as `techcheck scan … --json` writes it."""
    return {
        "schema": "techcheck/report-1",
        "tool": {"name": "techcheck", "version": "0.1.0"},
        "created": "2026-11-27T10:00:00Z",
        "target": {"kind": kind, "id": f"SERIAL-{kind.upper()}-0123456789", "model": model, "os": os_name},
        "indicators": [],
        "checks": checks,
        "findings": findings,
        "errors": [],
    }


def reports() -> dict[str, dict]:
    long_path = "/home/someone/" + "very-long-folder-name-" * 6 + "anydesk.desktop"
    return {
        "iphone.json": report(
            "ios",
            f"iPhone14,5 {HOSTILE}",
            "iOS 26.1",
            [
                {"id": "ios.profiles", "status": "finding", "note": ""},
                {"id": "ios.apps", "status": "skipped", "note": "locked: the phone was locked"},
            ],
            [
                finding(
                    "ios.profile",
                    "device-security",
                    "high",
                    "ios-profile",
                    {"kind": "profile", "profile": "com.example.mdm", "name": f"Device Management {HOSTILE}"},
                    f"identifier=com.example.mdm name={HOSTILE}",
                )
            ],
        ),
        "android.json": report(
            "android",
            "Pixel 9",
            "Android 15",
            [
                {"id": "android.packages", "status": "finding", "note": ""},
                {"id": "android.accessibility", "status": "ok", "note": ""},
            ],
            [
                finding(
                    "android.monitoring",
                    "stalkerware",
                    "high",
                    "android-monitoring",
                    {"name": HOSTILE, "package": "com.example.spy"},
                    "package=com.example.spy sha256=" + "ab" * 32,
                ),
                finding(
                    "android.monitoring",
                    "stalkerware",
                    "high",
                    "android-monitoring",
                    {"name": HOSTILE_2, "package": "com.example.watch"},
                    "package=com.example.watch",
                ),
            ],
        ),
        "computer.json": report(
            "local",
            "ThinkPad",
            "Debian 12",
            [
                {"id": "local.remote-access", "status": "finding", "note": ""},
                {"id": "local.browser-location", "status": "finding", "note": ""},
                {"id": "local.autostart", "status": "failed", "note": "needs-admin: /etc/xdg/autostart"},
            ],
            [
                finding(
                    "local.remote-access",
                    "remote-access",
                    "high",
                    "computer-remote-access",
                    {"name": f"AnyDesk {HOSTILE}", "path": long_path},
                    f"path={long_path}",
                ),
                finding(
                    "local.browser-location",
                    "location",
                    "medium",
                    "browser-location",
                    {"browser": "Firefox", "profile": HOSTILE_2, "site": "https://" + "tracker" * 9 + ".example"},
                    "permission=geo allow",
                ),
            ],
        ),
    }


def build_plan(folder: Path, lang: str, with_answers: bool) -> Path:
    """The plan, written by the real `techcheck plan` command."""
    folder.mkdir(parents=True)
    paths = []
    for name, data in reports().items():
        path = folder / name
        path.write_text(json.dumps(data), encoding="utf-8")
        paths.append(str(path))
    plan = folder / "plan.html"
    argv = ["plan", *paths, "-o", str(plan), "--lang", lang]
    if with_answers:
        answers = folder / "answers.yaml"
        answers.write_text(ANSWERS, encoding="utf-8")
        argv += ["--answers", str(answers)]
    assert main(argv) == 0
    html = plan.read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and HOSTILE not in html
    return plan


def audit(plan: Path, out: Path, name: str) -> dict:
    started = time.monotonic()
    proc = subprocess.run(
        ["node", str(AUDIT), str(plan), str(out), "--name", name, "--find", HOSTILE, "--find", HOSTILE_2],
        capture_output=True,
        text=True,
        timeout=AUDIT_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, f"audit.mjs failed ({proc.returncode}):\n{proc.stderr[-3000:]}\n{proc.stdout[-2000:]}"
    result = json.loads(proc.stdout)
    result["wall_seconds"] = round(time.monotonic() - started, 1)
    return result


@pytest.fixture(scope="module")
def audits(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> dict[tuple[str, bool], dict]:
    """Every plan, audited two at a time (one Chromium each, on two cores)."""
    missing = missing_tools()
    if missing:
        message = "browser audit cannot run: " + "; ".join(missing)
        if REQUIRED:
            pytest.fail(message + " (TECHCHECK_REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("browser")
    shots = root / "screenshots"
    plans = {
        (lang, answers): build_plan(root / f"{lang}-{'answers' if answers else 'none'}", lang, answers)
        for lang, answers in CASES
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            case: pool.submit(audit, plan, shots, f"plan-{case[0]}-{'answers' if case[1] else 'none'}")
            for case, plan in plans.items()
        }
        results = {case: future.result() for case, future in futures.items()}
    lines = [f"browser audit: screenshots in {shots}"]
    for (lang, answers), r in results.items():
        names = ", ".join(Path(s).name for s in r["screenshots"])
        lines.append(f"  {lang} {'with' if answers else 'without'} answers: {r['wall_seconds']} s; {names}")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():  # shown at once, even with -q
            print("\n" + "\n".join(lines))
    else:
        print("\n".join(lines))
    return results


@pytest.mark.parametrize(("lang", "answers"), CASES, ids=[f"{c[0]}-{'answers' if c[1] else 'none'}" for c in CASES])
def test_plan_in_chromium(audits: dict[tuple[str, bool], dict], lang: str, answers: bool) -> None:
    r = audits[(lang, answers)]
    # axe ran for real, on the page we meant
    assert r["axe"]["passes"] > 10 and r["dom"]["lang"] == lang
    assert "default-src 'none'" in (r["dom"]["csp"] or ""), "audited without the plan's Content-Security-Policy"
    serious = [v for v in r["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], json.dumps(serious, indent=1)
    # the file itself and nothing else: no fonts, images, prefetches or pings
    assert r["requests"], "the audit saw no request at all, not even the plan file"
    external = [q for q in r["requests"] if q["external"]]
    assert external == [] and {q["url"] for q in r["requests"]} == {r["url"]}
    # readable at 200% zoom without scrolling sideways (evidence lists closed and open)
    assert r["overflow200"] is False, r["layout200"]
    assert r["layout1280"]["overflow"] is False, r["layout1280"]
    # device text stays text: shown as written, and no element, script or handler came of it
    dom = r["dom"]
    assert dom["found"] == {HOSTILE: True, HOSTILE_2: True}
    assert (dom["img"], dom["script"], dom["iframe"], dom["elementsWithEventHandlers"]) == (0, 0, 0, 0), dom
    assert r["dialogs"] == [] and r["pageErrors"] == []
    # the screenshots were written
    assert len(r["screenshots"]) == 2
    for shot in map(Path, r["screenshots"]):
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_missing_tools_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the skip (or, under CI, the failure) says when a tool is missing."""
    monkeypatch.setenv("PATH", "")
    assert any(m.startswith("node ") for m in missing_tools())
