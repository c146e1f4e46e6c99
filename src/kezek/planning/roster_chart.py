"""``roster-OFFICE.png``: per day, the clerks on shift against the windows open, and any
clerks missing in red, in the reader's language.

The figure is made without pyplot, as the plan's charts are (``kezek.planning.report``):
PNG goes through Agg, no display is needed, and the figure is freed with the object.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from matplotlib.figure import Figure

from kezek.i18n.catalogs import translations
from kezek.i18n.formats import Formats
from kezek.planning.roster_result import Roster


def draw_roster(roster: Roster, office: str, path: Path, *, language: str = "en") -> Path:
    words = translations(language).gettext  # called `words`, as the catalogs extract it
    formats = Formats(language)
    days = [need.day for need in roster.needs]
    on_shift = [len({a.clerk for a in roster.assignments if a.shift.day == day}) for day in days]
    peak = [need.peak for need in roster.needs]
    short = [max(roster.short(need)) for need in roster.needs]
    figure = Figure(figsize=(max(8.0, 0.4 * len(days) + 3), 4.5))
    axes = figure.subplots()
    places = list(range(len(days)))
    axes.bar(places, on_shift, color="#4c78a8", label=words("clerks on shift"))
    axes.plot(
        places,
        peak,
        color="black",
        marker="_",
        markersize=14,
        markeredgewidth=2.5,
        linestyle="none",
        label=words("windows open at the busiest time"),
    )
    if any(short):
        axes.bar(places, short, color="crimson", label=words("clerks short at the worst time"))
    axes.set_xticks(places, [_day(formats, day) for day in days], rotation=60, ha="right")
    axes.set_xlabel(words("day"))
    axes.set_ylabel(words("clerks or windows"))
    axes.set_ylim(bottom=0)
    axes.set_title(
        words("Roster for %(office)s: clerks on shift and windows open") % {"office": office}
    )
    axes.grid(alpha=0.3, axis="y")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    figure.savefig(path, dpi=110, bbox_inches="tight")
    return path


def _day(formats: Formats, day: dt.date) -> str:
    """The weekday too: a manager reads a roster by the week."""
    return formats.short_day(day)
