"""A plan as one Excel workbook, ``plan.xlsx``: a summary, then a sheet per CSV table.

The sheets hold the same header and rows as the CSV files (``kezek.planning.tables``), but
typed as a spreadsheet wants them: dates as dates, numbers as numbers, the header bold and
frozen, with a filter. The summary holds the scenario, the windows each office needs per
deadline and the network's figures, as ``report.json`` has them.

XlsxWriter is imported here only, by the planning command: a web worker never loads it.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]  # it ships no type hints

from kezek.planning.planner import Plan
from kezek.planning.tables import Row, plan_tables

OUT_OF_REACH = "out of reach"  # as the CSV tables write it
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_WIDTH = 10  # yyyy-mm-dd
_WIDEST = 60  # characters; longer text wraps out of sight rather than widen the column


def write_workbook(
    plan: Plan, data: Mapping[str, Any], path: Path, *, language: str = "en"
) -> Path:
    """Write ``plan.xlsx`` at ``path``: ``data`` is the plan as ``report.json`` has it."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    try:
        styles = _Styles.of(book)
        _summary(book.add_worksheet("summary"), styles, data, language)
        for name, (header, rows) in plan_tables(plan).items():
            _table(book.add_worksheet(name.removesuffix(".csv")), styles, header, rows)
    finally:
        book.close()
    return path


@dataclass(frozen=True)
class _Styles:
    bold: Any
    date: Any
    share: Any
    money: Any

    @classmethod
    def of(cls, book: Any) -> _Styles:
        return cls(
            bold=book.add_format({"bold": True}),
            date=book.add_format({"num_format": "yyyy-mm-dd"}),
            share=book.add_format({"num_format": "0.0%"}),
            money=book.add_format({"num_format": "#,##0.00"}),
        )


class _Sheet:
    """Writes cells by their type, and remembers how wide each column needs to be."""

    def __init__(self, sheet: Any, styles: _Styles) -> None:
        self.sheet = sheet
        self.styles = styles
        self.widths: dict[int, int] = {}

    def cell(self, row: int, column: int, value: object, style: Any = None) -> None:
        sheet, text = self.sheet, str(value)
        if value is None or value == "":
            return
        if isinstance(value, str) and _ISO_DAY.fullmatch(value):
            value = dt.date.fromisoformat(value)
        if isinstance(value, dt.date):
            sheet.write_datetime(row, column, value, style or self.styles.date)
            text = "x" * _DATE_WIDTH
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value, style)
        elif isinstance(value, numbers.Real):
            sheet.write_number(row, column, float(value), style)
            text = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
        else:
            sheet.write_string(row, column, text, style)
        self.widths[column] = max(self.widths.get(column, 0), len(text))

    def line(self, row: int, values: Sequence[object], style: Any = None) -> None:
        for column, value in enumerate(values):
            self.cell(row, column, value, style)

    def fit(self, narrowest: int = 8) -> None:
        for column, width in self.widths.items():
            self.sheet.set_column(column, column, min(max(width + 2, narrowest), _WIDEST))


def _table(sheet: Any, styles: _Styles, header: Sequence[str], rows: Iterable[Row]) -> None:
    """One CSV table: the header bold and frozen, a filter over every row."""
    out = _Sheet(sheet, styles)
    out.line(0, header, styles.bold)
    last = 0
    for last, row in enumerate(rows, start=1):
        out.line(last, row)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, last, len(header) - 1)
    out.fit()


def _summary(sheet: Any, styles: _Styles, data: Mapping[str, Any], language: str) -> None:
    """The scenario, the windows to add per office and deadline, and the network's figures."""
    out = _Sheet(sheet, styles)
    info = data["scenario"]
    name = info["name"]
    network = data["baseline"]["network"]
    facts: list[tuple[str, list[object]]] = [
        ("scenario", []),
        ("start", [info["start"]]),
        ("deadlines", list(info["deadlines"])),
        ("confidence", [info["confidence"]]),
        ("replications", [info["replications"]]),
        ("seed", [info["seed"]]),
        ("horizon_days", [info["horizon_days"]]),
        ("network_clears_fluid", [network["fluid"]]),
        ("network_clears_median", [network["median"]]),
        ("network_clears_likely", [network["likely"]]),
    ]
    for row, (label, values) in enumerate(facts):
        out.cell(row, 0, label, styles.bold)
        for column, value in enumerate(values, start=1):
            out.cell(row, column, value, styles.share if label == "confidence" else None)
    # Its name is long: it runs over the empty cells beside it, and widens no column.
    sheet.write_string(0, 1, name.get(language, name["en"]) if isinstance(name, dict) else name)
    row = _offices_block(out, data, language, len(facts) + 1)
    _network_block(out, data, row + 1)
    out.fit()


def _offices_block(out: _Sheet, data: Mapping[str, Any], language: str, top: int) -> int:
    """Per office: today's windows and the windows to add for each deadline; the next row."""
    deadlines = [rec["deadline"] for rec in data["recommendations"]]
    header = [
        "office",
        "name",
        "windows_now",
        *(f"windows_to_add_by_{d}" for d in deadlines),
        *(f"extra_hours_by_{d}" for d in deadlines),
        *(f"earliest_within_reach_for_{d}" for d in deadlines),
    ]
    out.line(top, header, out.styles.bold)
    names = data.get("offices", {})
    row = top
    for office in data["baseline"]["offices"]:
        row += 1
        code = office["code"]
        needed = [
            next(o for o in rec["offices"] if o["code"] == code) for rec in data["recommendations"]
        ]
        out.line(
            row,
            [
                code,
                names.get(code, {}).get("name", {}).get(language, office["name"]),
                office["windows"],
                *(_windows_to_add(o) for o in needed),
                *(" ".join(o["extras"]) for o in needed),
                *(o["out_of_reach"]["earliest"] if o["out_of_reach"] else "" for o in needed),
            ],
        )
    return row + 1


def _windows_to_add(office: Mapping[str, Any]) -> object:
    if office["out_of_reach"]:
        return OUT_OF_REACH
    return office["add_booked_windows"] + office["add_walk_in_windows"] + office["door_windows"]


NETWORK_HEADER = [
    "deadline",
    "cleared_at_today_windows",
    "cleared_with_recommended_windows",
    "planned_confidence",
    "window_days_added",
    "staff_days_added",
    "weighted_window_days_added",
    "backlog_served",
    "cost",
    "cost_per_person",
    "every_office_costed",
]


def _network_block(out: _Sheet, data: Mapping[str, Any], top: int) -> None:
    """Per deadline: how surely the network clears, and what the added windows come to."""
    out.line(top, NETWORK_HEADER, out.styles.bold)
    today = data["baseline"]["network"]["cleared_by_deadline"]
    styles = out.styles
    for row, rec in enumerate(data["recommendations"], start=top + 1):
        added = rec["added"]
        for column, (value, style) in enumerate(
            [
                (rec["deadline"], None),
                (today.get(rec["deadline"]), styles.share),
                (rec["network_cleared_share"], styles.share),
                (rec["planned_confidence"], styles.share),
                (added["window_days"], None),
                (added["staff_days"], None),
                (added["weighted_window_days"], None),
                (added["backlog_served"], None),
                (added["cost"], styles.money),
                (added["cost_per_person"], styles.money),
                (added["every_office_costed"], None),
            ]
        ):
            out.cell(row, column, value, style)
