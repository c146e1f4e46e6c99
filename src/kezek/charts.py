"""The plan's charts: one list for the planner that draws them and the dashboard that shows them.

Kept apart from ``kezek.planning`` so that the dashboard can name the files without
loading NumPy, Numba and matplotlib into a web worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from kezek.i18n import N_

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


@dataclass(frozen=True)
class Chart:
    name: str
    title: str  # for the catalogs: shown through the reader's gettext
    formats: tuple[str, ...] = ("png",)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(f"{self.name}.{extension}" for extension in self.formats)


CHARTS = (
    # Also as SVG: sharp at any size on the managers' dashboard.
    Chart("burndown", N_("Backlog still to serve, against the deadlines"), ("png", "svg")),
    # The same, office by office: small multiples, each panel on its own scale.
    Chart("burndown-offices", N_("Backlog still to serve at each office")),
    Chart("windows", N_("Windows open per office per day")),
    Chart("waits", N_("How long people wait at today's windows")),
    Chart("queue", N_("People in line by local hour at today's windows")),
    Chart("sensitivity", N_("What moves the clearance date most")),
)


def chart_files() -> dict[str, str]:
    """Every chart file a plan writes, with its media type."""
    return {name: MEDIA_TYPES[name.rsplit(".", 1)[1]] for chart in CHARTS for name in chart.files}
