"""Reading the roster's CSV files as office managers save them from a spreadsheet.

Both the plan's ``window-hours.csv`` and the clerks file come through here, so that both
accept what Excel writes (a byte-order mark, semicolons in a Russian locale) and both
report a problem the same way: ``FILE:LINE: field: what is wrong; the fix``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kezek.network.file import FileProblem


class RosterFileError(Exception):
    """Every problem found in a file, so that a manager fixes them all in one pass."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, str]  # by column name, stripped; an absent optional column is ""


def read_rows(
    path: Path, *, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[list[Row], list[FileProblem]]:
    """The file's non-blank rows, and the rows that have more cells than the header; a
    ``RosterFileError`` if the file cannot be read or its header is wrong."""
    source = str(path)
    text = _text(path)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise RosterFileError(
            [FileProblem(source, None, "(file)", f"is empty; {_header_hint(required, optional)}")]
        )
    # Excel writes semicolons where the decimal separator is a comma, as in Russian.
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader)]
    _check_header(source, header, required, optional)
    rows: list[Row] = []
    problems: list[FileProblem] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            said = (
                f"has {len(cells)} cells for {len(header)} columns; quote a value that holds "
                f'a "{delimiter}", or remove the extra cells'
            )
            problems.append(FileProblem(source, reader.line_num, "(row)", said))
            continue
        named = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        rows.append(
            Row(reader.line_num, {name: named.get(name, "") for name in (*required, *optional)})
        )
    return rows, problems


def _text(path: Path) -> str:
    source = str(path)
    try:
        # utf-8-sig: Excel starts a UTF-8 CSV with a byte-order mark.
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        problem = FileProblem(source, None, "(file)", f"cannot be read: {exc.strerror}")
        raise RosterFileError([problem]) from exc
    except UnicodeDecodeError as exc:
        problem = FileProblem(source, None, "(file)", "is not UTF-8 text; save it as CSV UTF-8")
        raise RosterFileError([problem]) from exc


def _check_header(
    source: str, header: list[str], required: Sequence[str], optional: Sequence[str]
) -> None:
    known = (*required, *optional)
    problems = [
        FileProblem(
            source,
            1,
            "(header)",
            f"unknown column '{name}'; the columns are {', '.join(known)}: rename or remove it",
        )
        for name in header
        if name not in known
    ]
    problems += [
        FileProblem(source, 1, "(header)", f"column '{name}' appears twice; keep one")
        for name in sorted({name for name in header if header.count(name) > 1})
        if name in known
    ]
    problems += [
        FileProblem(
            source, 1, "(header)", f"no '{name}' column; {_header_hint(required, optional)}"
        )
        for name in required
        if name not in header
    ]
    if problems:
        raise RosterFileError(problems)


def _header_hint(required: Sequence[str], optional: Sequence[str]) -> str:
    return f"start it with the header line {','.join((*required, *optional))}"
