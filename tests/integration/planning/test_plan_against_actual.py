"""kezek plan --actual: the plan made again from what the live system knows, as a ministry
planner runs it after two weeks of the campaign, and with the deadline moved."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kezek.booking.models import Booking, Citizen
from kezek.cli.main import app
from kezek.network.models import Office, Service
from kezek.queue.models import Ticket
from kezek.queue.served import backlog_left, booked_ahead, served_by_day, windows_in_service
from tests.unit.planning.scenarios import NETWORK, write_scenario

runner = CliRunner()
START = dt.date(2025, 4, 1)
TODAY = dt.date(2025, 4, 15)
SERVED_A_DAY = 150  # at Kazan, on each open day from 1 to 14 April (7 April a holiday)


def _open_days() -> list[dt.date]:
    days = [START + dt.timedelta(days=n) for n in range((TODAY - START).days)]
    return [day for day in days if day.weekday() < 5 and day != dt.date(2025, 4, 7)]


def _campaign_so_far(sessions: sessionmaker[Session]) -> None:
    """Kazan served 150 a day (and someone sent on to another service once, two tickets);
    two bookings ahead of 15 April and one before it."""
    with sessions.begin() as session:
        office = session.scalars(select(Office).where(Office.code == "kzn")).one()
        service = session.scalars(select(Service).where(Service.code == "passport")).one()

        def ticket(day: dt.date, number: int, status: str) -> Ticket:
            at = dt.datetime.combine(day, dt.time(7), tzinfo=dt.UTC)
            return Ticket(
                office_id=office.id,
                service_id=service.id,
                day=day,
                prefix="A",
                number=number,
                kind="walk_in",
                status=status,
                arrived_at=at,
                secret_hash="0" * 64,
                updated_at=at,
            )

        for day in _open_days():
            session.add_all(ticket(day, n, "done") for n in range(1, SERVED_A_DAY + 1))
        session.add(ticket(dt.date(2025, 4, 2), 999, "transferred"))
        session.add(ticket(dt.date(2025, 4, 2), 998, "no_show"))
        for n, day in enumerate((dt.date(2025, 4, 10), TODAY, dt.date(2025, 4, 20))):
            citizen = Citizen(
                document_hash=str(n) * 64,
                document_tail="123",
                full_name="A",
                phone="+7",
                language="ru",
            )
            session.add(citizen)
            session.flush()
            starts = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
            session.add(
                Booking(
                    reference=f"REF{n}",
                    office_id=office.id,
                    service_id=service.id,
                    citizen_id=citizen.id,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=15),
                    pool="1",
                    cells=1,
                    cell_minutes=15,
                    language="ru",
                )
            )


def test_the_live_figures_are_read_per_office_and_day(
    cli_env: None, sessions: sessionmaker[Session]
) -> None:
    assert runner.invoke(app, ["network", "load", str(NETWORK)]).exit_code == 0
    _campaign_so_far(sessions)

    with sessions() as session:
        served = served_by_day(session, since=START)
        ahead = booked_ahead(session, now=dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC))
        windows = windows_in_service(session)

    assert served == {"kzn": dict.fromkeys(_open_days(), SERVED_A_DAY)}
    assert ahead == {"kzn": 2}
    assert windows["kzn"] == 3 and windows["msk"] == 12


def test_the_backlog_left_counts_those_served_less_the_walk_ins_of_the_day() -> None:
    served = {START: 100, START + dt.timedelta(days=1): 5}

    left = backlog_left(
        1_000, served, start=START, today=START + dt.timedelta(days=2), walk_ins_per_open_day=10
    )

    # 90 of the first day's 100 were of the backlog; on the second, fewer came than
    # walk in a day, so none; the third, nobody served.
    assert left == [
        (START, 910.0),
        (START + dt.timedelta(days=1), 910.0),
        (START + dt.timedelta(days=2), 910.0),
    ]


def test_the_plan_is_made_again_from_today_with_the_deadline_moved(
    cli_env: None, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    assert runner.invoke(app, ["network", "load", str(NETWORK)]).exit_code == 0
    _campaign_so_far(sessions)
    scenario = write_scenario(tmp_path)
    out = tmp_path / "replan"

    result = runner.invoke(
        app,
        [
            "plan",
            str(scenario),
            "--actual",
            "--today",
            TODAY.isoformat(),
            "--deadline",
            "2025-09-10",
            "-r",
            "10",
            "--processes",
            "1",
            "--out",
            str(out),
        ],
    )

    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["scenario"]["start"] == "2025-04-15"
    assert report["scenario"]["deadlines"] == ["2025-09-10"]
    kazan = report["actuals"]["offices"]["kzn"]
    open_days = len(_open_days())
    assert kazan["served"] == SERVED_A_DAY * open_days
    # Kazan's 2,000 less what was served beyond the walk-in newcomers: 15 a day, 30% walk
    # in, and those of a fortnight come on its 9 open days: 7 of each day's 150.
    walk_ins = 15 * 14 * 0.3 / 9
    assert kazan["backlog_left"] == round(2_000 - open_days * (SERVED_A_DAY - walk_ins))
    assert kazan["booked_ahead"] == 2 and kazan["windows"] == 3
    assert report["actuals"]["offices"]["nsk"]["served"] == 0
    text = " ".join(result.output.split())
    assert "What the live system knows, 2025-04-01 to 2025-04-15" in text
    assert "Re-forecast from 2025-04-15 for 2025-09-10" in text


def test_a_replan_that_cannot_be_made_says_which_option_to_change(
    cli_env: None, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["network", "load", str(NETWORK)]).exit_code == 0
    scenario = write_scenario(tmp_path)

    past = runner.invoke(app, ["plan", str(scenario), "--actual", "--today", "2025-07-01"])
    lonely = runner.invoke(app, ["plan", str(scenario), "--today", "2025-04-15"])
    garbled = runner.invoke(app, ["plan", str(scenario), "--deadline", "10.09.2025"])

    assert past.exit_code == 1
    assert "every deadline is on or before 2025-07-01; give the new one with --deadline" in (
        " ".join(past.output.split())
    )
    assert lonely.exit_code == 1 and "--today is read only with --actual" in lonely.output
    assert garbled.exit_code == 2
    assert "'10.09.2025' is not a date" in garbled.output and "YYYY-MM-DD" in garbled.output
