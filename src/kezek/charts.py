"""The plan's charts: one list for the planner that draws them and the dashboard that shows them.

Kept apart from ``kezek.planning`` so that the dashboard can name the files without
loading NumPy, Numba and matplotlib into a web worker.
"""

from __future__ import annotations

from dataclasses import dataclass

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    formats: tuple[str, ...] = ("png",)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(f"{self.name}.{extension}" for extension in self.formats)


CHARTS = (
    # Also as SVG: sharp at any size on the managers' dashboard.
    Chart("burndown", "Backlog still to serve, against the deadlines", ("png", "svg")),
    Chart("windows", "Windows open per office per day"),
    Chart("waits", "How long people wait at today's windows"),
    Chart("queue", "People in line by local hour at today's windows"),
)


def chart_files() -> dict[str, str]:
    """Every chart file a plan writes, with its media type."""
    return {name: MEDIA_TYPES[name.rsplit(".", 1)[1]] for chart in CHARTS for name in chart.files}
