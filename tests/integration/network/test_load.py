"""Loading a network file is an idempotent upsert."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.network.file import parse_network
from kezek.network.load import LoadReport, load_network
from kezek.network.models import Office, Service, Window
from tests.factories import NETWORK_TOML


def _load(sessions: sessionmaker[Session], text: str) -> LoadReport:
    spec = parse_network(text, source="t")
    return run_transaction(sessions, lambda session: load_network(session, spec))


def _snapshot(sessions: sessionmaker[Session]) -> list[Any]:
    with sessions() as session:
        rows: list[Any] = []
        for model in (Service, Office, Window):
            for row in session.scalars(select(model).order_by(model.id)):
                rows.append({c.key: getattr(row, c.key) for c in model.__table__.columns})
        for window in session.scalars(select(Window).order_by(Window.id)):
            rows.append((window.id, [s.code for s in window.services]))
        return rows


def test_the_first_load_creates_everything(sessions: sessionmaker[Session]) -> None:
    report = _load(sessions, NETWORK_TOML)

    assert report.created == {"group": 1, "service": 3, "office": 3, "window": 11}
    with sessions() as session:
        office = session.scalars(select(Office).where(Office.code == "bsk")).one()
        assert office.timezone == "Asia/Bishkek"
        assert [w.code for w in office.windows] == ["1", "2", "3", "4"]
        assert office.windows[3].dedicated_group == "priority"
        assert office.windows[3].bookable is False


def test_loading_twice_changes_nothing(sessions: sessionmaker[Session]) -> None:
    _load(sessions, NETWORK_TOML)
    before = _snapshot(sessions)

    report = _load(sessions, NETWORK_TOML)

    assert not report.changed
    assert _snapshot(sessions) == before


def test_a_changed_file_updates_in_place(sessions: sessionmaker[Session]) -> None:
    _load(sessions, NETWORK_TOML)
    with sessions() as session:
        office_id = session.scalars(select(Office.id).where(Office.code == "bsk")).one()
    changed = NETWORK_TOML.replace("duration_minutes = 20", "duration_minutes = 30").replace(
        'code = "3"\nservices = ["other"]', 'code = "3"\nservices = ["other", "quick"]'
    )

    report = _load(sessions, changed)

    assert report.updated == {"service": 1, "window": 1}
    assert not report.created and not report.deactivated
    with sessions() as session:
        office = session.scalars(select(Office).where(Office.code == "bsk")).one()
        assert office.id == office_id
        assert [s.code for s in office.windows[2].services] == ["other", "quick"]
        long = session.scalars(select(Service).where(Service.code == "long")).one()
        assert long.duration_minutes == 30


def test_what_the_file_drops_is_deactivated_not_deleted(sessions: sessionmaker[Session]) -> None:
    _load(sessions, NETWORK_TOML)
    # Drops the offices "big" and "mix", and window 3 of "bsk".
    without_two = NETWORK_TOML[: NETWORK_TOML.index("# Five windows")]
    without_window = without_two.replace(
        '[[offices.windows]]\ncode = "3"\nservices = ["other"]\n', ""
    )

    report = _load(sessions, without_window)

    assert report.deactivated == {"office": 2, "window": 1}
    with sessions() as session:
        big = session.scalars(select(Office).where(Office.code == "big")).one()
        assert big.active is False
    assert _load(sessions, NETWORK_TOML).updated == {"office": 2, "window": 1}
