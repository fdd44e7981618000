"""The built wheel carries signatures/ and guides/, installs in a fresh virtual environment outside the
source tree, and runs a scan there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (found,) = out.glob("techcheck-*.whl")
    return found


def test_wheel_holds_data_and_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped_yaml = {f"techcheck/_data/signatures/{p.name}" for p in (ROOT / "signatures").glob("*.yaml")}
    assert shipped_yaml and shipped_yaml <= names
    assert "techcheck/_data/signatures/yara/desktop-monitoring.yar" in names
    for lang in ("en", "es"):
        guides = {f"techcheck/_data/guides/{lang}/{p.name}" for p in (ROOT / "guides" / lang).iterdir()}
        assert guides <= names
    assert "techcheck/plan/templates/plan.html.j2" in names
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: Apache-2.0" in text


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the installed scan is exercised on Linux")
def test_installed_wheel_scans_outside_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # The dependencies come from this test environment (no downloads): a .pth line adds its
    # site-packages after the new environment's own. Its .pth files (such as the editable install of
    # techcheck) are not processed, so techcheck itself can only come from the wheel.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "test-deps.pth").write_text("\n".join(sorted(deps)) + "\n", encoding="utf-8")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",) and not k.startswith("XDG_")}
    env.update(HOME=str(tmp_path / "home"), TECHCHECK_HOME=str(tmp_path / "tch"), NO_COLOR="1")
    (tmp_path / "home").mkdir()
    where = subprocess.run(
        [str(python), "-c", "import techcheck, sys; print(techcheck.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(env_dir) in where.stdout
    result = subprocess.run(
        [str(env_dir / "bin" / "techcheck"), "scan", "local", "--json", "report.json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 4), result.stderr
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    assert report["schema"] == "techcheck/report-1"
    shipped = next(s for s in report["indicators"] if s["source"] == "techcheck")
    assert shipped["entries"] > 50  # the signatures came along inside the wheel
    plan = subprocess.run(
        [str(env_dir / "bin" / "techcheck"), "plan", "report.json", "-o", "plan.html", "--lang", "es"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert plan.returncode == 0, plan.stderr
    assert '<html lang="es">' in (work / "plan.html").read_text(encoding="utf-8")
