"""Windows a plan adds work the office's hours of each day, its extra Saturdays included."""

from __future__ import annotations

import datetime as dt

from kezek.network.file import read_network_file
from kezek.network.spec import calendar_from_document
from kezek.planning.scenario import read_scenario
from kezek.planning.scenario_offices import AddedWindows, planning_offices

from .scenarios import NETWORK, write_scenario

MOSCOW = """
[scenario]
name = "Moscow"
network = "{network}"
start = 2025-04-01
deadlines = [2025-04-30]

[[offices]]
code = "msk"
backlog = {{ passport = 1000 }}
"""


def test_added_windows_open_on_the_extra_saturdays_and_not_on_holidays(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_scenario(tmp_path, text=MOSCOW.format(network=NETWORK.as_posix()))
    spec, network = read_scenario(path)
    moscow = planning_offices(spec, network)["msk"]
    added = moscow.with_windows(AddedWindows(4, dt.date(2025, 4, 1), dt.date(2025, 4, 30)))

    saturday = added.windows_on(dt.date(2025, 4, 12))  # an extra Saturday, 10:00-16:00
    staffed = [w for w in saturday if w.intervals]
    assert len(staffed) == 12 + 4
    assert {w.intervals for w in staffed[-4:]} == {((600, 960),)}
    # A plain Saturday stays shut, and so does a holiday.
    for closed in (dt.date(2025, 4, 5), dt.date(2025, 4, 7)):
        assert not any(w.intervals for w in added.windows_on(closed))
    # A weekday: the added windows work the office's hours.
    tuesday = [w for w in added.windows_on(dt.date(2025, 4, 8)) if w.intervals]
    assert tuesday[-1].intervals == ((540, 780), (840, 1080))


def test_every_office_of_the_example_closes_on_the_holidays_of_2025() -> None:
    network = read_network_file(NETWORK)
    holidays = [
        dt.date(2025, 4, 7),
        dt.date(2025, 5, 1),
        dt.date(2025, 5, 5),
        dt.date(2025, 5, 9),
        dt.date(2025, 6, 6),
        dt.date(2025, 11, 7),
    ]
    for office in network.offices:
        calendar = calendar_from_document(office.calendar_document())
        assert [day for day in holidays if not calendar.is_closed(day)] == [], office.code
