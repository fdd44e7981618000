"""Planting realistic things in a temporary HOME for the end-to-end tests of `scan local`.

Everything here writes files the way the real software does (XDG .desktop files, Chrome's
Preferences/Local State JSON, Firefox's profiles.ini, signedInUser.json and permissions.sqlite).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

HOSTILE = '<img src=x onerror="alert(1)">**bold** `tick` [link](http://evil.example)'
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJ6bW9ZcGd5d3NVdXRhZ2JrU2p0cm5oRk9vT2d4Y2Fx other-person@their-laptop"
TEST_PROCESS = "tcspyagentd"
TEST_INDICATORS = f"""\
- name: TestSpy Agent
  type: stalkerware
  platforms: [linux]
  processes: [{TEST_PROCESS}]
  sources: [https://example.org/testspy]
"""


def plant_autostart(home: Path) -> None:
    folder = home / ".config" / "autostart"
    folder.mkdir(parents=True)
    (folder / "helper.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Sync Helper\nExec=/opt/synchelper/helperd --quiet %U\n"
        "X-GNOME-Autostart-enabled=true\n",
        encoding="utf-8",
    )
    (folder / "old.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Old thing\nExec=/usr/bin/oldthing\nHidden=true\n", encoding="utf-8"
    )


def plant_ssh(home: Path) -> None:
    ssh = home / ".ssh"
    ssh.mkdir(mode=0o700)
    (ssh / "authorized_keys").write_text("# added 2026-10\n" + SSH_KEY + "\n", encoding="utf-8")


def plant_chrome(home: Path) -> None:
    root = home / ".config" / "google-chrome"
    profile = root / "Default"
    profile.mkdir(parents=True)
    (root / "Local State").write_text(
        json.dumps(
            {
                "profile": {
                    "info_cache": {
                        "Default": {
                            "name": HOSTILE,
                            "user_name": "ana.other@example.com",
                            "gaia_name": "Ana",
                            "is_consented_primary_account": True,
                        }
                    },
                    "last_used": "Default",
                }
            }
        ),
        encoding="utf-8",
    )
    prefs = {
        "account_info": [
            {
                "account_id": "1234",
                "email": "ana.other@example.com",
                "full_name": "Ana Other",
                "gaia": "1234",
                "given_name": "Ana",
                "locale": "en",
            }
        ],
        "google": {
            "services": {
                "account_id": "1234",
                "consented_to_sync": True,
                "last_signed_in_username": "ana.other@example.com",
            }
        },
        "profile": {
            "name": HOSTILE,
            "content_settings": {
                "exceptions": {
                    "geolocation": {
                        "https://where.example:443,*": {"last_modified": "13370000000000000", "setting": 1},
                        "https://blocked.example:443,*": {"last_modified": "13370000000000000", "setting": 2},
                    }
                }
            },
        },
        "extensions": {
            "settings": {
                "aaaabbbbccccddddeeeeffffgggghhhh": {
                    "location": 4,
                    "path": "/home/x/ext",
                    "state": 1,
                    "manifest": {"name": HOSTILE, "version": "1.0"},
                },
                "mhjfbmdgcfjbbpaeojofohoefgiehjai": {"location": 5, "manifest": {"name": "Chrome PDF Viewer"}},
            }
        },
    }
    (profile / "Preferences").write_text(json.dumps(prefs), encoding="utf-8")


def plant_firefox(home: Path) -> None:
    root = home / ".mozilla" / "firefox"
    profile = root / "x1y2z3.default-release"
    profile.mkdir(parents=True)
    (root / "profiles.ini").write_text(
        "[Install4F96D1932A9F858E]\nDefault=x1y2z3.default-release\nLocked=1\n\n"
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=x1y2z3.default-release\nDefault=1\n\n"
        "[General]\nStartWithLastProfile=1\nVersion=2\n",
        encoding="utf-8",
    )
    (profile / "prefs.js").write_text('user_pref("browser.startup.page", 3);\n', encoding="utf-8")
    (profile / "signedInUser.json").write_text(
        json.dumps({"version": 1, "accountData": {"email": "sync.person@example.net", "uid": "abc", "verified": True}}),
        encoding="utf-8",
    )
    with sqlite3.connect(profile / "permissions.sqlite") as db:
        db.execute(
            "CREATE TABLE moz_perms (id INTEGER PRIMARY KEY, origin TEXT, type TEXT, permission INTEGER,"
            " expireType INTEGER, expireTime INTEGER, modificationTime INTEGER)"
        )
        db.execute("INSERT INTO moz_perms VALUES (1, 'https://maps.example.org', 'geo', 1, 0, 0, 1700000000000)")
        db.execute("INSERT INTO moz_perms VALUES (2, 'https://news.example.org', 'desktop-notification', 1, 0, 0, 0)")
    db.close()


def plant_all(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    plant_autostart(home)
    plant_ssh(home)
    plant_chrome(home)
    plant_firefox(home)


def start_test_process(folder: Path) -> subprocess.Popen:
    """A harmless program (a copy of `sleep`) running under the test indicator's name."""
    folder.mkdir(parents=True, exist_ok=True)
    binary = folder / TEST_PROCESS
    shutil.copy(shutil.which("sleep") or "/bin/sleep", binary)
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return subprocess.Popen([str(binary), "120"])


def make_shims(folder: Path, log: Path) -> str:
    """Wrappers that log every command the scan runs, then run the real one. Returns the new PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    original = os.environ.get("PATH", "")
    for name in ("crontab", "loginctl", "gsettings", "last", "ssh", "adb", "rm", "sh", "bash", "who", "w"):
        real = shutil.which(name, path=original)
        if not real:
            continue
        shim = folder / name
        shim.write_text(
            f"#!{sys.executable}\nimport json, os, sys\n"
            f"open({str(log)!r}, 'a').write(json.dumps([{name!r}] + sys.argv[1:]) + '\\n')\n"
            f"os.execv({real!r}, [{real!r}] + sys.argv[1:])\n",
            encoding="utf-8",
        )
        shim.chmod(0o755)
    return f"{folder}{os.pathsep}{original}"


def tree_state(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every file and folder under root with its SHA-256 (files), size and modification time."""
    out: dict[str, tuple[str, int, int]] = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
        out[str(path.relative_to(root))] = (digest, info.st_size if digest else 0, info.st_mtime_ns)
    return out
