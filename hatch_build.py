"""Build hook: compile the translation catalogs into the wheel.

The ``.po`` files are the source, kept in git; the ``.mo`` files the pages read are built.
Compiling them here means that a wheel built from a clean checkout serves the pages in
every language, without ``make translations`` having run first.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LOCALE = Path("src/kezek/i18n/locale")


class CompileCatalogs(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        self._compiled = Path(tempfile.mkdtemp(prefix="kezek-catalogs-"))
        root = Path(self.root)
        for source in sorted((root / LOCALE).glob("*/LC_MESSAGES/messages.po")):
            language = source.parent.parent.name
            with source.open("rb") as handle:
                catalog = read_po(handle, locale=language)
            target = self._compiled / language / "messages.mo"
            target.parent.mkdir(parents=True)
            with target.open("wb") as handle:
                write_mo(handle, catalog)
            inside = f"kezek/i18n/locale/{language}/LC_MESSAGES/messages.mo"
            build_data["force_include"][str(target)] = inside

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        compiled = getattr(self, "_compiled", None)
        if compiled is not None:
            shutil.rmtree(compiled, ignore_errors=True)
