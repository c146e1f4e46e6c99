"""A plan as files: ``report.json``, the charts, and ``report.html`` with all inside.

The HTML embeds its charts and styles, so it can be mailed or opened offline as one file,
and is written in one language (``kezek plan --lang``). The charts are drawn in every
language too, under ``charts/<language>/``, for the managers' dashboard to show each
reader their own.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from kezek.charts import CHARTS
from kezek.i18n import LANGUAGES
from kezek.i18n.catalogs import translations
from kezek.i18n.formats import Formats
from kezek.network.spec import NetworkSpec
from kezek.planning.office_model import WAIT_BIN_MINUTES
from kezek.planning.planner import Clearance, Plan, Variant
from kezek.planning.reach import OutOfReach
from kezek.planning.runs import OfficeRuns
from kezek.planning.scenario import localized
from kezek.planning.sensitivity import Outlook, Sensitivity
from kezek.planning.tables import write_tables


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
    written += _draw_charts(plan, out, Words(language, cities))
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
    return [json_path, html_path, *write_tables(plan, out), *written]


def _draw_charts(plan: Plan, folder: Path, words: Words) -> list[Path]:
    draw = {
        "burndown": _burndown,
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
            {
                "deadline": deadline.isoformat(),
                "offices": [
                    {
                        "code": office.code,
                        "windows_now": office.windows_now,
                        "add_booked_windows": office.recommendations[n].booked_windows,
                        "add_walk_in_windows": office.recommendations[n].walk_in_windows,
                        "windows_total": office.windows_now
                        + office.recommendations[n].booked_windows
                        + office.recommendations[n].walk_in_windows,
                        "fluid_rule_booked_windows": office.recommendations[n].fluid_windows,
                        "cleared_share": office.recommendations[n].cleared_share,
                        "walk_ins_within_target": office.recommendations[n].walk_in_within,
                        "met": office.recommendations[n].met,
                        "windows_per_day": list(office.recommendations[n].windows_per_day),
                        "out_of_reach": _out_of_reach(office.recommendations[n].out_of_reach),
                        "added_window_days": office.recommendations[n].added_window_days,
                        "served": round(office.recommendations[n].served),
                        "cost": office.recommendations[n].cost(office.window_day_cost),
                    }
                    for office in baseline.offices
                ],
                "network_cleared_share": baseline.recommended_cleared[n],
                "added": _added(baseline, n),
                "office_confidence": baseline.office_confidence,
            }
            for n, deadline in enumerate(info.deadlines)
        ],
        "what_ifs": [
            {**_variant(variant), "names": localized(what_if.name)}
            for variant, what_if in zip(plan.what_ifs, plan.spec.what_ifs, strict=True)
        ],
        "notes": plan.notes,
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


def _burndown(plan: Plan, words: Words) -> Figure:
    figure = Figure(figsize=(10, 5))
    axes = figure.subplots()
    curves: list[tuple[str, list[OfficeRuns]]] = [
        (words("today's windows"), [o.runs for o in plan.baseline.offices])
    ]
    for n, deadline in enumerate(plan.spec.scenario.deadlines):
        curves.append(
            (
                words("windows recommended for %(deadline)s")
                % {"deadline": words.formats.numeric_day(deadline)},
                [o.recommended_runs[n] for o in plan.baseline.offices],
            )
        )
    bands = [
        (label, np.quantile(network_remaining(runs), [0.05, 0.5, 0.95], axis=0))
        for label, runs in curves
    ]
    # Show the days until the slowest curve is down to zero in nearly all runs, and a week.
    busy = [
        int(np.nonzero(band[2] > 0)[0][-1]) + 1 if np.any(band[2] > 0) else 0 for _, band in bands
    ]
    shown = min(max(*busy, 0) + 8, plan.days)
    for label, (low, middle, high) in bands:
        days = min(shown, len(middle))
        dates = _dates(plan, days)
        (line,) = axes.plot(
            dates, middle[:days], label=words("%(curve)s (median)") % {"curve": label}
        )
        axes.fill_between(dates, low[:days], high[:days], color=line.get_color(), alpha=0.2)
    for deadline in plan.spec.scenario.deadlines:
        axes.axvline(_x(deadline), color="crimson", linestyle="--", linewidth=1)
        axes.annotate(
            " " + words("deadline %(day)s") % {"day": words.formats.day_month(deadline)},
            (_x(deadline), axes.get_ylim()[1] * 0.5),
            color="crimson",
            ha="left",
        )
    axes.set_ylabel(words("people of the initial backlog not yet served"))
    axes.set_title(words("Backlog burndown (the band: nine runs in ten)"))
    axes.legend(loc="upper right")
    axes.grid(alpha=0.3)
    _dated(axes, words)
    figure.autofmt_xdate()
    return figure


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
