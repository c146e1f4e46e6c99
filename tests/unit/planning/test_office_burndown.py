"""The backlog still to serve at each office: a panel an office, with its band over the runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kezek.charts import CHARTS
from kezek.cli.main import app
from kezek.i18n import LANGUAGES
from kezek.planning.planner import Plan, make_plan
from kezek.planning.report import network_bands, office_bands
from kezek.planning.scenario import read_scenario

from .scenarios import write_scenario

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"


def _plan(folder: Path, *, only_kazan: bool = False, kazan_limit: int | None = None) -> Plan:
    scenario = write_scenario(folder)
    text = scenario.read_text(encoding="utf-8")
    if only_kazan:
        text = text[: text.index('[[offices]]\ncode = "nsk"')]
    if kazan_limit is not None:
        text = text.replace('code = "kzn"\n', f'code = "kzn"\nmax_windows = {kazan_limit}\n')
    scenario.write_text(text, encoding="utf-8")
    spec, network = read_scenario(scenario)
    return make_plan(spec, network, processes=1, replications=10)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _plan(tmp_path_factory.mktemp("two-offices"))


def test_the_chart_is_drawn_in_every_language_and_in_the_report(tmp_path: Path) -> None:
    assert "burndown-offices" in [chart.name for chart in CHARTS]
    out = tmp_path / "report"

    result = runner.invoke(
        app,
        ["plan", str(write_scenario(tmp_path)), "--out", str(out), "-r", "10", "--lang", "ru"],
    )

    assert result.exit_code == 0, result.output
    for folder in [out, *(out / "charts" / language for language in LANGUAGES)]:
        assert (folder / "burndown-offices.png").read_bytes()[:8] == PNG, folder
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert "burndown-offices.png" in report["charts"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == len(CHARTS)


def test_each_office_has_today_and_each_deadline_with_the_median_inside_its_band(
    plan: Plan,
) -> None:
    bands = office_bands(plan)
    deadlines = list(plan.spec.scenario.deadlines)

    assert list(bands) == ["kzn", "nsk"]
    for code, office in bands.items():
        assert [band.deadline for band in office] == [None, *deadlines], code
        for band in office:
            assert np.all(band.low <= band.median) and np.all(band.median <= band.high), code
        today = office[0]
        backlog = next(o.runs.backlog for o in plan.baseline.offices if o.code == code)
        assert today.median[0] <= backlog and today.median[-1] == 0
        assert len(today.median) == plan.days
        for band, deadline in zip(office[1:], deadlines, strict=True):
            # Simulated up to its deadline, and never behind today's windows.
            assert len(band.median) == (deadline - plan.start).days + 1
            assert np.all(band.median <= today.median[: len(band.median)]), (code, deadline)
            assert band.out_of_reach is None


def test_with_one_office_its_band_is_the_network_band(tmp_path: Path) -> None:
    plan = _plan(tmp_path, only_kazan=True)

    office = office_bands(plan)["kzn"]
    network = network_bands(plan)

    assert len(office) == len(network) == 3
    for mine, whole in zip(office, network, strict=True):
        assert mine.deadline == whole.deadline
        for figure in ("low", "median", "high"):
            assert np.array_equal(getattr(mine, figure), getattr(whole, figure)), figure


def test_an_office_out_of_reach_keeps_todays_runs_for_that_deadline(tmp_path: Path) -> None:
    plan = _plan(tmp_path, kazan_limit=3)

    kazan = office_bands(plan)["kzn"]

    missed = kazan[1]
    assert missed.out_of_reach is not None and missed.out_of_reach.reason == "premises"
    # Nothing is added for it: its runs are today's, up to the deadline.
    assert np.array_equal(missed.median, kazan[0].median[: len(missed.median)])
    assert kazan[2].out_of_reach is None
    assert all(band.out_of_reach is None for band in office_bands(plan)["nsk"])
