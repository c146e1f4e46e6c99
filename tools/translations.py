"""Keep the web pages' catalogs in step with the source: extract, then update each language.

    python tools/translations.py        # after changing a message in a page or in Python

New messages appear in each ``.po`` file untranslated; a test fails until Kyrgyz and Russian
have them. ``make translations`` compiles the ``.mo`` files the pages read.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kezek.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "kezek" / "i18n" / "locale"
TEMPLATE = LOCALE / "messages.pot"
BABEL = Path(sys.executable).parent / "pybabel"


def extract(template: Path) -> None:
    """Every message of the package (pages, network-file problems, reports) into ``template``."""
    subprocess.run(
        [
            str(BABEL),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "-k",
            "N_",
            "-k",
            "words",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(template),
            "src/kezek",
        ],
        check=True,
        cwd=ROOT,
    )


def main() -> None:
    extract(TEMPLATE)
    for language in LANGUAGES:
        catalog = LOCALE / language / "LC_MESSAGES" / "messages.po"
        command = "update" if catalog.exists() else "init"
        subprocess.run(
            [
                str(BABEL),
                command,
                "-i",
                str(TEMPLATE),
                "-d",
                str(LOCALE),
                "-l",
                language,
                "--no-wrap",
                "--no-fuzzy-matching",
                *(["--ignore-obsolete"] if command == "update" else []),
            ],
            check=True,
            cwd=ROOT,
        )


if __name__ == "__main__":
    main()
