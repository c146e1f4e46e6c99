"""People moved by where they live: to their nearest office, or to a mobile team."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kezek.planning.geography import distance_km, parts, to_nearest, with_team
from kezek.planning.planner import make_plan, offices_after
from kezek.planning.scenario import (
    MobileTeam,
    NearestOffice,
    ScenarioFileError,
    ScenarioSpec,
    read_scenario,
)
from kezek.planning.scenario_offices import PlanningOffice, planning_offices

from .scenarios import write_scenario

# Kazan's people: two thirds in Kazan, a third in Samara (nearer Kazan than Novosibirsk);
# Novosibirsk's: half at home, half in Irkutsk, 1,430 km east.
REGIONS = """region,lat,lon,office,people
Kazan,55.796,49.106,kzn,2
Samara,53.195,50.101,kzn,1
Novosibirsk,55.030,82.920,nsk,1
Irkutsk,52.287,104.281,nsk,1
"""

GEOGRAPHY = '\n[geography]\nregions = "regions.csv"\n'


def _read(tmp_path: Path, extra: str = GEOGRAPHY, regions: str = REGIONS) -> ScenarioSpec:
    (tmp_path / "regions.csv").write_text(regions, encoding="utf-8")
    spec, _ = read_scenario(write_scenario(tmp_path, extra))
    return spec


def _offices(tmp_path: Path) -> tuple[ScenarioSpec, dict[str, PlanningOffice]]:
    path = write_scenario(tmp_path, GEOGRAPHY)
    (tmp_path / "regions.csv").write_text(REGIONS, encoding="utf-8")
    spec, network = read_scenario(path)
    return spec, planning_offices(spec, network)


def test_distances_are_great_circle_kilometres() -> None:
    moscow, petersburg = (55.7558, 37.6173), (59.9386, 30.3141)
    assert distance_km(moscow, petersburg) == pytest.approx(634, abs=2)
    assert distance_km(moscow, moscow) == 0


def test_each_office_people_are_split_by_region_weights(tmp_path: Path) -> None:
    spec, offices = _offices(tmp_path)
    assert spec.geography is not None

    found = {(p.office, p.region): p.share for p in parts(offices, spec.geography)}

    assert found == {
        ("kzn", "Kazan"): pytest.approx(2 / 3),
        ("kzn", "Samara"): pytest.approx(1 / 3),
        ("nsk", "Novosibirsk"): 0.5,
        ("nsk", "Irkutsk"): 0.5,
    }


def test_to_the_nearest_office_moves_only_those_nearer_another(tmp_path: Path) -> None:
    spec, offices = _offices(tmp_path)
    assert spec.geography is not None
    # Samara is nearer Kazan than Novosibirsk, and Irkutsk nearer Novosibirsk: nobody moves.
    same = to_nearest(offices, NearestOffice(kind="nearest_office"), spec.geography)
    assert same["kzn"].backlog == offices["kzn"].backlog
    # With Novosibirsk the only office to go to, half of Kazan's people go there,
    # backlog and newcomers alike.
    change = NearestOffice(kind="nearest_office", offices=["nsk"], share=0.5)
    moved = to_nearest(offices, change, spec.geography)
    assert moved["kzn"].backlog_total == 1_000 and moved["nsk"].backlog_total == 2_200
    assert moved["kzn"].demand_on(dt.date(2025, 4, 2)) == pytest.approx(7.5)
    assert moved["nsk"].demand_on(dt.date(2025, 4, 2)) == pytest.approx(17.5)


def test_a_mobile_team_takes_those_near_it_as_many_as_it_can_serve(tmp_path: Path) -> None:
    spec, offices = _offices(tmp_path)
    assert spec.geography is not None
    team = MobileTeam.model_validate(
        {
            "kind": "mobile_team",
            "office": "nsk",
            "windows": 1,
            "hours": ["09:00-13:00"],
            "from": "2025-04-14",
            "to": "2025-04-25",
            "at": {"lat": 52.287, "lon": 104.281},
            "place": "Irkutsk",
        }
    )

    found = with_team(offices, team, spec.geography, number=1, days=200)

    site = found["nsk-team1"]
    assert site.name == "Irkutsk" and site.location == (52.287, 104.281)
    # One window, four hours, 10 working days: 2,400 minutes of 13-minute services, 184
    # places (the slots carry their leftover minutes on), less the 10% who miss: 166 of
    # Irkutsk's 600 go to it, and the rest stay with Novosibirsk.
    assert site.backlog_total == 166
    assert found["nsk"].backlog_total == 1_200 - 166
    assert found["kzn"].backlog == offices["kzn"].backlog
    days = [dt.date(2025, 4, 1) + dt.timedelta(days=n) for n in range(40)]
    worked = [day for day in days if site.windows_on(day)]
    assert worked == [
        day
        for day in days
        if dt.date(2025, 4, 14) <= day <= dt.date(2025, 4, 25) and day.weekday() < 5
    ]


def test_the_plan_shows_a_mobile_team_in_another_town_as_a_site_of_its_own(
    tmp_path: Path,
) -> None:
    extra = (
        GEOGRAPHY
        + """
[[what_ifs]]
name = "A team in Irkutsk"
[[what_ifs.changes]]
kind = "mobile_team"
office = "nsk"
windows = 2
hours = ["09:00-17:00"]
from = 2025-04-07
to = 2025-05-30
at = { lat = 52.287, lon = 104.281 }
place = "Irkutsk"
"""
    )
    spec = _read(tmp_path, extra)
    _, network = read_scenario(tmp_path / "scenario.toml")
    changed = offices_after(planning_offices(spec, network), spec.what_ifs[0].changes, spec)
    assert set(changed) == {"kzn", "nsk", "nsk-team1"}

    plan = make_plan(spec, network, processes=1, replications=20)

    team = next(o for o in plan.what_ifs[0].offices if o.code == "nsk-team1")
    novosibirsk = next(o for o in plan.what_ifs[0].offices if o.code == "nsk")
    before = next(o for o in plan.baseline.offices if o.code == "nsk")
    assert team.backlog > 0 and team.clearance.median is not None
    assert novosibirsk.backlog == before.backlog - team.backlog
    assert novosibirsk.clearance.median is not None and before.clearance.median is not None
    assert novosibirsk.clearance.median <= before.clearance.median


def test_moving_by_distance_without_knowing_where_people_live_is_refused(
    tmp_path: Path,
) -> None:
    extra = """
[[what_ifs]]
name = "Nearest"
changes = [ { kind = "nearest_office" } ]
"""
    with pytest.raises(ScenarioFileError) as raised:
        read_scenario(write_scenario(tmp_path, extra))
    assert "add a [geography] table" in str(raised.value)


def test_a_regions_file_with_mistakes_names_each_line_and_the_fix(tmp_path: Path) -> None:
    bad = "region,lat,lon,office,people\nKazan,95,49.1,kzn,2\nSamara,53.2,50.1,zzz,1\n"
    with pytest.raises(ScenarioFileError) as raised:
        _read(tmp_path, regions=bad)
    said = str(raised.value)
    assert "regions.csv:2: lat:" in said and "give the latitude in degrees" in said
    missing = "region,lat,office,people\nKazan,55.8,kzn,2\n"
    with pytest.raises(ScenarioFileError) as raised:
        _read(tmp_path, regions=missing)
    assert "regions.csv:1: (header): the columns must be" in str(raised.value)
    assert "missing: lon" in str(raised.value)
    unknown = "region,lat,lon,office,people\nKazan,55.8,49.1,zzz,2\n"
    with pytest.raises(ScenarioFileError) as raised:
        _read(tmp_path, regions=unknown)
    assert "a region names office 'zzz', not in the network" in str(raised.value)


def test_people_moved_to_their_nearest_office_are_not_passed_on(tmp_path: Path) -> None:
    # A quarter of Kazan's people live by Novosibirsk, half of Novosibirsk's by Kazan:
    # each office sends its own and keeps what it receives.
    swapped = """region,lat,lon,office,people
Kazan,55.796,49.106,kzn,3
Near Novosibirsk,55.1,82.9,kzn,1
Novosibirsk,55.030,82.920,nsk,1
Near Kazan,55.8,49.2,nsk,1
"""
    path = write_scenario(tmp_path, GEOGRAPHY)
    (tmp_path / "regions.csv").write_text(swapped, encoding="utf-8")
    spec, network = read_scenario(path)
    assert spec.geography is not None
    offices = planning_offices(spec, network)

    moved = to_nearest(offices, NearestOffice(kind="nearest_office"), spec.geography)

    assert moved["kzn"].backlog_total == 2_000 - 500 + 600
    assert moved["nsk"].backlog_total == 1_200 - 600 + 500
    day = dt.date(2025, 4, 2)
    assert moved["kzn"].demand_on(day) + moved["nsk"].demand_on(day) == pytest.approx(25)
