"""A plan as files: ``report.json``, the charts, ``report.html`` with all inside, the CSV
tables and ``plan.xlsx`` with them for a spreadsheet.

The HTML embeds its charts and styles, so it can be mailed or opened offline as one file,
and is written in one language (``kezek plan --lang``). The charts are drawn in every
language too, under ``charts/<language>/``, for the managers' dashboard to show each
reader their own.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from kezek.charts import CHARTS
from kezek.i18n import LANGUAGES
from kezek.i18n.catalogs import translations
from kezek.i18n.formats import Formats
from kezek.network.spec import NetworkSpec
from kezek.planning.office_model import WAIT_BIN_MINUTES
from kezek.planning.planner import Clearance, OfficeOutcome, Plan, Variant
from kezek.planning.reach import OutOfReach
from kezek.planning.runs import OfficeRuns
from kezek.planning.scenario import localized
from kezek.planning.sensitivity import Outlook, Sensitivity
from kezek.planning.tables import write_tables
from kezek.planning.workbook import write_workbook


@dataclass(frozen=True)
class Words:
    """What a chart or the report says, in one language."""

    language: str
    offices: dict[str, dict[str, str]]  # by office code: its city, in each language

    def __call__(self, message: str) -> str:
        return translations(self.language).gettext(message)

    @property
    def formats(self) -> Formats:
        return Formats(self.language)

    def office(self, code: str) -> str:
        return self.offices.get(code, {}).get(self.language, code)


def write_report(
    plan: Plan, out: Path, *, network: NetworkSpec, language: str = "en"
) -> list[Path]:
    """Write the report files into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    cities = {office.code: office.city.model_dump() for office in network.offices}
    written = []
    for each in LANGUAGES:
        folder = out / "charts" / each
        folder.mkdir(parents=True, exist_ok=True)
        written += _draw_charts(plan, folder, Words(each, cities))
    # The report's own charts are drawn already, in its language: copied, not drawn again.
    written += _copy_charts(out / "charts" / language, out)
    data = plan_data(plan, network)
    data["language"] = language
    data["charts"] = [f"{chart.name}.png" for chart in CHARTS]
    json_path = out / "report.json"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    images = {
        chart.name: base64.b64encode((out / f"{chart.name}.png").read_bytes()).decode("ascii")
        for chart in CHARTS
    }
    words = Words(language, cities)
    html = (
        Environment(
            loader=PackageLoader("kezek.planning", "templates"),
            autoescape=select_autoescape(["html"]),
        )
        .get_template("report.html")
        .render(
            plan=data,
            images=images,
            titles={c.name: words(c.title) for c in CHARTS},
            lang=language,
            _=words,
            formats=words.formats,
            iso_day=dt.date.fromisoformat,
        )
    )
    html_path = out / "report.html"
    html_path.write_text(html, encoding="utf-8")
    workbook = write_workbook(plan, data, out / "plan.xlsx", language=language)
    return [json_path, html_path, *write_tables(plan, out), workbook, *written]


def _draw_charts(plan: Plan, folder: Path, words: Words) -> list[Path]:
    draw = {
        "burndown": _burndown,
        "burndown-offices": _burndown_offices,
        "windows": _windows,
        "waits": _waits,
        "queue": _queue,
        "sensitivity": _tornado,
    }
    written = []
    for chart in CHARTS:
        # Figures made without pyplot need no display and are freed with the object.
        figure = draw[chart.name](plan, words)
        for name in chart.files:
            path = folder / name
            # SVG keeps its words as text: a screen reader, a search and a translator read it.
            with rc_context({"svg.fonttype": "none"}):
                figure.savefig(path, dpi=110, bbox_inches="tight")
            written.append(path)
    return written


def _copy_charts(drawn: Path, folder: Path) -> list[Path]:
    written = []
    for chart in CHARTS:
        for name in chart.files:
            shutil.copyfile(drawn / name, folder / name)
            written.append(folder / name)
    return written


def plan_data(plan: Plan, network: NetworkSpec) -> dict[str, Any]:
    """Everything the plan found, as plain JSON values."""
    info = plan.spec.scenario
    baseline = plan.baseline
    return {
        "offices": {
            office.code: {"name": office.name.model_dump(), "city": office.city.model_dump()}
            for office in network.offices
        },
        "scenario": {
            "name": localized(info.name),
            "description": info.description.strip(),
            "start": info.start.isoformat(),
            "deadlines": [d.isoformat() for d in info.deadlines],
            "confidence": info.confidence,
            "replications": baseline.offices[0].runs.runs if baseline.offices else 0,
            "seed": info.seed,
            "horizon_days": info.horizon_days,
            "wait_target": {"share": info.wait_share, "within_minutes": info.wait_within_minutes},
        },
        "baseline": _variant(baseline),
        "recommendations": [
            _recommendation(baseline, n, deadline) for n, deadline in enumerate(info.deadlines)
        ],
        "what_ifs": [
            {**_variant(variant), "names": localized(what_if.name)}
            for variant, what_if in zip(plan.what_ifs, plan.spec.what_ifs, strict=True)
        ],
        "notes": plan.notes,
        "burndown": _expected(plan),
        "actuals": _actuals(plan),
        "sensitivity": _sensitivity(plan.sensitivity),
        "lead_times": [
            {
                "deadline": found.deadline.isoformat(),
                "opens": [day.isoformat() for day in found.opens],
                "windows_to_add": {code: list(n) for code, n in found.windows.items()},
            }
            for found in plan.lead_times
        ],
    }


def _recommendation(baseline: Variant, n: int, deadline: dt.date) -> dict[str, Any]:
    return {
        "deadline": deadline.isoformat(),
        "offices": [_office_recommendation(office, n) for office in baseline.offices],
        "network_cleared_share": baseline.recommended_cleared[n],
        "added": _added(baseline, n),
        "office_confidence": baseline.office_confidence,
        "planned_confidence": baseline.planned_confidence(n),
    }


def _office_recommendation(office: OfficeOutcome, n: int) -> dict[str, Any]:
    rec = office.recommendations[n]
    weighed = rec.added_cost
    return {
        "code": office.code,
        "windows_now": office.windows_now,
        "add_booked_windows": rec.booked_windows,
        "add_walk_in_windows": rec.walk_in_windows,
        "windows_total": office.windows_now + rec.added_windows,
        "door_windows": rec.door_windows,
        "extras": sorted(rec.extras),
        "confidence": rec.confidence,
        "fluid_rule_booked_windows": rec.fluid_windows,
        "cleared_share": rec.cleared_share,
        "walk_ins_within_target": rec.walk_in_within,
        "met": rec.met,
        "windows_per_day": list(rec.windows_per_day),
        "out_of_reach": _out_of_reach(rec.out_of_reach),
        "added_window_days": rec.added_window_days,
        "weighted_window_days": None if weighed is None else round(weighed.weighted_days, 2),
        "staff_hours": None if weighed is None else round(weighed.staff_hours, 1),
        "served": round(rec.served),
        "cost": _rounded(rec.cost(office.window_day_cost)),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _expected(plan: Plan) -> dict[str, Any]:
    """The median backlog left each day, for the dashboard to set the actual against."""

    def medians(bands: list[Band]) -> dict[str, list[int]]:
        return {
            "today" if band.deadline is None else band.deadline.isoformat(): [
                round(float(left)) for left in band.median
            ]
            for band in bands
        }

    return {
        "start": plan.start.isoformat(),
        "network": medians(network_bands(plan)),
        "offices": {code: medians(bands) for code, bands in office_bands(plan).items()},
        # What the dashboard needs to estimate the backlog left from those served.
        "inputs": {
            office.code: {
                "coming": office.coming,
                "walk_ins_per_open_day": round(office.walk_ins_per_open_day, 3),
            }
            for office in plan.baseline.offices
        },
    }


def _actuals(plan: Plan) -> dict[str, Any] | None:
    """What the live system knew when the plan was made again from it."""
    found = plan.actuals
    if found is None:
        return None
    return {
        "start": found.start.isoformat(),
        "today": found.today.isoformat(),
        "offices": {
            code: {
                "served": actual.served,
                "backlog_left": round(actual.backlog_left),
                "booked_ahead": actual.booked_ahead,
                "windows": actual.windows,
                "left_by_day": [
                    [day.isoformat(), round(left)] for day, left in found.left_by_day[code]
                ],
            }
            for code, actual in found.offices.items()
        },
    }


def _variant(variant: Variant) -> dict[str, Any]:
    return {
        "name": variant.name,
        "deadlines": [d.isoformat() for d in variant.deadlines],
        "network": _clearance(variant.network, variant.deadlines),
        "offices": [
            {
                "code": office.code,
                "name": office.name,
                "backlog": office.backlog,
                "new_per_day": office.demand_per_day,
                "windows": office.windows_now,
                "places_per_day": office.places_per_day,
                "clearance": _clearance(office.clearance, variant.deadlines),
                "walk_in_wait_minutes": _wait_figures(office.runs.walk_in_waits),
                "appointment_wait_minutes": _wait_figures(office.runs.appointment_waits),
            }
            for office in variant.offices
        ],
    }


def _clearance(clearance: Clearance, deadlines: tuple[dt.date, ...]) -> dict[str, Any]:
    return {
        "fluid": _iso(clearance.fluid),
        "median": _iso(clearance.median),
        "likely": _iso(clearance.likely),
        "cleared_by_deadline": {
            d.isoformat(): share for d, share in zip(deadlines, clearance.by_deadline, strict=True)
        },
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _sensitivity(found: Sensitivity | None) -> dict[str, Any] | None:
    if found is None:
        return None

    def outlook(seen: Outlook) -> dict[str, Any]:
        return {"clearance": _iso(seen.clearance), "windows_to_add": list(seen.windows)}

    return {
        "method": "fluid rule, one assumption at a time",
        "base": outlook(found.base),
        "assumptions": [
            {
                "name": swing.assumption.name,
                "low": swing.assumption.end(swing.assumption.low),
                "high": swing.assumption.end(swing.assumption.high),
                "at_low": outlook(swing.low),
                "at_high": outlook(swing.high),
                "days_apart": swing.days(found.horizon),
            }
            for swing in found.ranked()
        ],
    }


def _added(baseline: Variant, n: int) -> dict[str, Any]:
    added = baseline.added(n)
    return {
        "window_days": added.window_days,
        "staff_days": added.window_days,
        "weighted_window_days": round(added.weighted_days, 2),
        "staff_hours": round(added.staff_hours, 1),
        "backlog_served": round(added.served),
        "cost": added.cost,
        "cost_per_person": None if added.per_person is None else round(added.per_person, 2),
        "every_office_costed": added.every_office_costed,
    }


def _out_of_reach(beyond: OutOfReach | None) -> dict[str, Any] | None:
    if beyond is None:
        return None
    return {
        "reason": beyond.reason,
        "earliest": _iso(beyond.earliest),
        "backlog": beyond.backlog,
        "open_days": beyond.open_days,
        "no_show": beyond.no_show,
        "added_limit": beyond.limit,
        "opens_on": _iso(beyond.opens_on),
        "extras": sorted(beyond.extras),
    }


def _wait_figures(histogram: np.ndarray) -> dict[str, float | None]:
    total = histogram.sum()
    if total == 0:
        return {"mean": None, "p90": None}
    middles = (np.arange(len(histogram)) + 0.5) * WAIT_BIN_MINUTES
    cumulative = np.cumsum(histogram) / total
    return {
        "mean": round(float((histogram * middles).sum() / total), 1),
        "p90": float((np.searchsorted(cumulative, 0.9) + 1) * WAIT_BIN_MINUTES),
    }


def network_remaining(offices: list[OfficeRuns]) -> np.ndarray:
    """Runs × days: the backlog not yet served over all offices, run by run."""
    days = max(o.days for o in offices)
    total = np.zeros((offices[0].runs, days))
    for office in offices:
        total[:, : office.days] += office.remaining
    return total


def _dates(plan: Plan, days: int) -> np.ndarray:
    return np.datetime64(plan.start, "D") + np.arange(days)


_EPOCH = dt.date(1970, 1, 1)  # Matplotlib's default epoch for dates


def _x(day: dt.date) -> float:
    """A date where Matplotlib puts it: days since 1970-01-01, its default epoch."""
    return float((np.datetime64(day, "D") - np.datetime64("1970-01-01", "D")).astype(int))


def _dated(axes: Axes, words: Words) -> None:
    """Dates on the x axis as the reader writes them (7 апр.), not in English."""
    axes.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _: words.formats.day_month(_EPOCH + dt.timedelta(days=int(x))))
    )


class Band(NamedTuple):
    """The initial backlog not yet served, day by day: 5%, median and 95% over the runs."""

    deadline: dt.date | None  # None: at today's windows; else with those recommended for it
    low: np.ndarray
    median: np.ndarray
    high: np.ndarray
    out_of_reach: OutOfReach | None = None  # nothing added: the runs are today's again


def _band(
    deadline: dt.date | None, remaining: np.ndarray, beyond: OutOfReach | None = None
) -> Band:
    low, median, high = np.quantile(remaining, [0.05, 0.5, 0.95], axis=0)
    return Band(deadline, low, median, high, beyond)


def network_bands(plan: Plan) -> list[Band]:
    """Over the network: at today's windows, then with each deadline's recommended ones."""
    offices = plan.baseline.offices
    return [
        _band(None, network_remaining([o.runs for o in offices])),
        *(
            _band(deadline, network_remaining([o.recommended_runs[n] for o in offices]))
            for n, deadline in enumerate(plan.spec.scenario.deadlines)
        ),
    ]


def office_bands(plan: Plan) -> dict[str, list[Band]]:
    """By office code, as ``network_bands``: today's windows, then each deadline's."""
    deadlines = plan.spec.scenario.deadlines
    return {
        office.code: [
            _band(None, office.runs.remaining),
            *(
                _band(
                    deadline,
                    office.recommended_runs[n].remaining,
                    office.recommendations[n].out_of_reach,
                )
                for n, deadline in enumerate(deadlines)
            ),
        ]
        for office in plan.baseline.offices
    }


def _curve(deadline: dt.date | None, words: Words) -> str:
    """A median line's name: at today's windows, or with those recommended for ``deadline``."""
    if deadline is None:
        label = words("today's windows")
    else:
        label = words("windows recommended for %(deadline)s") % {
            "deadline": words.formats.numeric_day(deadline)
        }
    return words("%(curve)s (median)") % {"curve": label}


def _shown(plan: Plan, bands: Iterable[Band]) -> int:
    """The days until the slowest curve is down to zero in nearly all runs, and a week."""
    busy = [int(np.nonzero(b.high > 0)[0][-1]) + 1 if np.any(b.high > 0) else 0 for b in bands]
    return min(max(busy, default=0) + 8, plan.days)


def _burndown(plan: Plan, words: Words) -> Figure:
    figure = Figure(figsize=(10, 5))
    axes = figure.subplots()
    bands = network_bands(plan)
    shown = _shown(plan, bands)
    for band in bands:
        days = min(shown, len(band.median))
        dates = _dates(plan, days)
        (line,) = axes.plot(dates, band.median[:days], label=_curve(band.deadline, words))
        axes.fill_between(
            dates, band.low[:days], band.high[:days], color=line.get_color(), alpha=0.2
        )
    for deadline in plan.spec.scenario.deadlines:
        axes.axvline(_x(deadline), color="crimson", linestyle="--", linewidth=1)
        axes.annotate(
            " " + words("deadline %(day)s") % {"day": words.formats.day_month(deadline)},
            (_x(deadline), axes.get_ylim()[1] * 0.5),
            color="crimson",
            ha="left",
        )
    _actual_line(plan, axes, words)
    axes.set_ylabel(words("people of the initial backlog not yet served"))
    axes.set_title(words("Backlog burndown (the band: nine runs in ten)"))
    axes.legend(loc="upper right")
    axes.grid(alpha=0.3)
    _dated(axes, words)
    figure.autofmt_xdate()
    return figure


def _actual_line(plan: Plan, axes: Axes, words: Words) -> None:
    """On a plan made again from the live figures: the backlog left so far, as estimated."""
    if plan.actuals is None:
        return
    by_day: dict[dt.date, float] = {}
    for series in plan.actuals.left_by_day.values():
        for day, left in series:
            by_day[day] = by_day.get(day, 0.0) + left
    if not by_day:
        return
    days = sorted(by_day)
    axes.plot(
        np.asarray(days, dtype="datetime64[D]"),
        [by_day[day] for day in days],
        color="black",
        linewidth=2,
        label=words("actual so far (estimated from those served)"),
    )


def _burndown_offices(plan: Plan, words: Words) -> Figure:
    """Small multiples: an office a panel, the same dates, each on its own scale."""
    bands = office_bands(plan)
    shown = _shown(plan, (band for each in bands.values() for band in each))
    columns = 1 if len(bands) <= 3 else 2
    rows = max(math.ceil(len(bands) / columns), 1)
    figure = Figure(figsize=(10, 1.4 + 2.3 * rows), layout="constrained")
    panels = figure.subplots(rows, columns, sharex=True, squeeze=False)
    for axes, (code, office) in zip(panels.flat, bands.items(), strict=False):
        _office_panel(axes, plan, office, shown, words)
        axes.set_title(words.office(code), loc="left", fontweight="bold")
    for n, axes in enumerate(panels.flat):
        if n >= len(bands):
            axes.set_axis_off()
        elif n + columns >= len(bands):  # nothing below it: it keeps its dates
            axes.xaxis.set_tick_params(labelbottom=True, labelrotation=30)
    figure.suptitle(words("Backlog burndown at each office (the band: nine runs in ten)"))
    figure.supylabel(words("people of the initial backlog not yet served"))
    figure.legend(
        handles=_legend(plan, words),
        loc="outside lower center",
        ncols=1 + len(plan.spec.scenario.deadlines),
    )
    return figure


def _legend(plan: Plan, words: Words) -> list[Line2D]:
    """Each curve above the dashed line of its deadline, in its colour (today's: none)."""
    deadlines = plan.spec.scenario.deadlines
    handles = [Line2D([], [], color="C0", linewidth=3, label=_curve(None, words))]
    handles.append(Line2D([], [], alpha=0, label=" "))
    for n, deadline in enumerate(deadlines, start=1):
        handles.append(Line2D([], [], color=f"C{n}", label=_curve(deadline, words)))
        handles.append(
            Line2D(
                [],
                [],
                color=f"C{n}",
                linestyle="--",
                label=words("deadline %(day)s") % {"day": words.formats.day_month(deadline)},
            )
        )
    return handles


def _office_panel(axes: Axes, plan: Plan, bands: list[Band], shown: int, words: Words) -> None:
    """One office's curves and their bands; a deadline it cannot make is marked at its line."""
    today = bands[0].median
    for n, band in enumerate(bands):
        colour = f"C{n}"
        if band.deadline is not None:
            axes.axvline(_x(band.deadline), color=colour, linestyle="--", linewidth=1)
        if band.out_of_reach is not None:
            _beyond_reach(axes, plan, band, today, shown, colour, words)
            continue  # nothing added: its curve would be today's
        days = min(shown, len(band.median))
        dates = _dates(plan, days)
        # Today's line is wider, so it shows beside a recommendation that adds nothing.
        axes.plot(dates, band.median[:days], color=colour, linewidth=3 if n == 0 else 1.5)
        axes.fill_between(dates, band.low[:days], band.high[:days], color=colour, alpha=0.2)
    formats = words.formats
    axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: formats.number(y)))
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    _dated(axes, words)


def _beyond_reach(
    axes: Axes,
    plan: Plan,
    band: Band,
    today: np.ndarray,
    shown: int,
    colour: str,
    words: Words,
) -> None:
    """A cross where today's windows leave the office at the deadline, and why it is marked."""
    assert band.deadline is not None and band.out_of_reach is not None
    day = min((band.deadline - plan.start).days, len(today) - 1)
    axes.plot(_x(band.deadline), today[day], marker="X", markersize=10, color=colour)
    earliest = band.out_of_reach.earliest
    text = (
        words("out of reach; earliest %(day)s") % {"day": words.formats.numeric_day(earliest)}
        if earliest
        else words("out of reach")
    )
    deadlines = plan.spec.scenario.deadlines
    # Beside its line, on the side with room: the right, unless the line is far right.
    right = day < 0.6 * shown
    axes.annotate(
        text,
        (_x(band.deadline), 0.92 - 0.16 * deadlines.index(band.deadline)),
        xycoords=("data", "axes fraction"),
        xytext=(4 if right else -4, 0),
        textcoords="offset points",
        ha="left" if right else "right",
        va="top",
        color=colour,
        fontweight="bold",
        bbox={"facecolor": "white", "edgecolor": colour, "alpha": 0.85, "boxstyle": "round"},
    )


def _windows(plan: Plan, words: Words) -> Figure:
    deadlines = plan.spec.scenario.deadlines
    figure = Figure(figsize=(10, 3.2 * len(deadlines)))
    panels = figure.subplots(len(deadlines), 1, squeeze=False)
    for n, deadline in enumerate(deadlines):
        axes = panels[n][0]
        for office in plan.baseline.offices:
            # Closed days are left as gaps, so the line shows the open days' windows.
            per_day = np.asarray(office.recommendations[n].windows_per_day, dtype=float)
            per_day[per_day == 0] = np.nan
            axes.plot(
                _dates(plan, len(per_day)), per_day, marker=".", label=words.office(office.code)
            )
        axes.set_title(
            words("Windows to clear by %(deadline)s")
            % {"deadline": words.formats.numeric_day(deadline)}
        )
        axes.set_ylabel(words("windows open"))
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        _dated(axes, words)
        # Each panel has its own dates, so each keeps its own labels.
        axes.tick_params(axis="x", labelrotation=30)
    figure.tight_layout()
    return figure


def _waits(plan: Plan, words: Words) -> Figure:
    figure = Figure(figsize=(10, 4))
    axes = figure.subplots()
    walk = np.sum([o.runs.walk_in_waits for o in plan.baseline.offices], axis=0)
    held = np.sum([o.runs.appointment_waits for o in plan.baseline.offices], axis=0)
    edges = np.arange(len(walk) + 1) * WAIT_BIN_MINUTES / 60
    for label, histogram in ((words("walk-ins"), walk), (words("appointment holders"), held)):
        if np.sum(histogram) > 0:
            axes.stairs(np.asarray(histogram) / np.sum(histogram), edges, label=label)
    axes.set_xlabel(words("wait in line, hours (the last bin: 12 hours and more)"))
    axes.set_ylabel(words("share of people served"))
    axes.set_yscale("log")
    axes.legend()
    axes.grid(alpha=0.3)
    return figure


def _queue(plan: Plan, words: Words) -> Figure:
    figure = Figure(figsize=(10, 4))
    axes = figure.subplots()
    for office in plan.baseline.offices:
        runs = office.runs
        if runs.open_days:
            axes.plot(
                range(24),
                runs.queue_by_hour / runs.open_days,
                marker="o",
                label=words.office(office.code),
            )
    axes.set_xticks(range(0, 24, 2))
    axes.set_xlabel(words("local hour"))
    axes.set_ylabel(words("people in line (mean of open days)"))
    axes.legend()
    axes.grid(alpha=0.3)
    return figure


def _tornado(plan: Plan, words: Words) -> Figure:
    """Each assumption's swing of the clearance date, the widest on top."""
    figure = Figure(figsize=(10, 3.5))
    axes = figure.subplots()
    found = plan.sensitivity
    if found is None or found.base.clearance is None:
        axes.set_axis_off()
        axes.text(0.5, 0.5, words("not within %(days)s days") % {"days": plan.days}, ha="center")
        return figure
    base = _x(found.base.clearance)
    swings = list(reversed(found.ranked()))  # barh draws from the bottom up
    for row, swing in enumerate(swings):
        for end, value, colour in (
            (swing.low, swing.assumption.low, "tab:blue"),
            (swing.high, swing.assumption.high, "tab:orange"),
        ):
            at = _x(end.clearance or found.horizon)
            axes.barh(row, at - base, left=base, color=colour, alpha=0.8)
            axes.annotate(
                f" {swing.assumption.end(value)} ",
                (at, row),
                va="center",
                ha="left" if at >= base else "right",
            )
    axes.axvline(base, color="black", linewidth=1)
    axes.margins(x=0.1)  # room for the labels at the bars' ends
    axes.set_yticks(range(len(swings)), [words(s.assumption.name) for s in swings])
    axes.set_xlabel(words("the network clears at today's windows (fluid rule)"))
    axes.grid(alpha=0.3, axis="x")
    _dated(axes, words)
    figure.tight_layout()
    return figure
