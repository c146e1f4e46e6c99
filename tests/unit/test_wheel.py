"""The wheel holds what a plain `pip install` needs to serve the pages in every language."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _build_wheel(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("kezek-*.whl")
    return wheel


def test_the_wheel_holds_compiled_catalogs_templates_and_static_files(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    names = set(zipfile.ZipFile(wheel).namelist())

    for language in ("ky", "ru", "en"):
        assert f"kezek/i18n/locale/{language}/LC_MESSAGES/messages.mo" in names
    static = {
        p.relative_to(ROOT / "src").as_posix()
        for p in (ROOT / "src/kezek/web/static").rglob("*")
        if p.is_file()
    }
    templates = {
        p.relative_to(ROOT / "src").as_posix()
        for p in (ROOT / "src/kezek").rglob("templates/**/*.html")
    }
    assert static and static <= names
    assert templates and templates <= names
    assert "kezek/migrations/env.py" in names and "kezek/py.typed" in names


def test_the_installed_wheel_speaks_kyrgyz_and_russian(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    probe = (
        "import json, kezek.i18n.catalogs as c; "
        "print(json.dumps([str(c.LOCALE_DIR), "
        "[c.translations(lang).gettext('Offices') for lang in ('ky', 'ru', 'en')]]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(installed)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    locale_dir, offices = json.loads(done.stdout)

    assert Path(locale_dir).is_relative_to(installed)
    assert offices == ["Мекемелер", "Учреждения", "Offices"]
