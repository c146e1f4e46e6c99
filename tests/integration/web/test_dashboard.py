"""The managers' dashboard: today's figures, and the campaign's plan with its warning."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.planning.planner import make_plan
from kezek.planning.report import write_report
from kezek.planning.scenario import read_scenario
from kezek.queue.models import Ticket
from kezek.staff.models import Role
from kezek.types import utcnow
from tests.integration.queue.helpers import walk_in
from tests.integration.staff.helpers import PASSWORD, make_staff
from tests.unit.planning.scenarios import write_scenario

from .pages import link_to, submit, text


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec, network = read_scenario(write_scenario(tmp_path_factory.mktemp("scenario")))
    out = tmp_path_factory.mktemp("plan")
    write_report(make_plan(spec, network, processes=1, replications=20), out, network=network)
    return out


@pytest.fixture
def planned(
    settings: Settings, engine: Engine, network: None, plan_dir: Path
) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"plan_dir": plan_dir}))
    with TestClient(app) as client:
        yield client
    app.state.context.sessions.kw["bind"].dispose()


def _sign_in(client: TestClient, username: str) -> None:
    client.headers["Accept-Language"] = "ru"
    submit(client, client.get("/staff/login"), "/staff/login", username=username, password=PASSWORD)


def test_a_manager_sees_today_and_the_plan_with_its_warning(
    planned: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    _sign_in(planned, "gulnara")

    page = planned.get("/dashboard")

    assert page.status_code == 200
    words = text(page)
    assert "Бишкекский офис" in words and "Сейчас в очереди" in words
    assert "Two offices, a small backlog" in words
    # At today's windows the small scenario misses 30 April: the plan says so, in the
    # reader's own way of writing a date, with the offices by name and the windows added.
    assert "не будет разобрана к 30.04.2025" in words
    assert "Генеральное консульство Кыргызской Республики в Казани" in words
    assert re.search(r"\d+ → \d+ \(\+\d+\)", words)
    chart = planned.get("/dashboard/plan/burndown.svg")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    assert chart.text.lstrip().startswith("<?xml") and "<svg" in chart.text
    assert "Сокращение очереди" in chart.text and "Backlog" not in chart.text
    english = planned.get("/dashboard/plan/burndown.svg", headers={"Accept-Language": "en"})
    assert "Backlog burndown" in english.text
    assert 'src="/dashboard/plan/burndown-offices.png"' in page.text
    offices = planned.get("/dashboard/plan/burndown-offices.png")
    assert offices.status_code == 200 and offices.content[:4] == b"\x89PNG"
    # Actual against the plan: the scenario started on 1 April 2025 and its deadlines
    # have passed; nobody of Kazan or Novosibirsk was served in this database.
    assert "Факт и план" in words and "Вся сеть" in words
    assert 'role="img" aria-labelledby="against-plan"' in page.text
    assert "Осталось в очереди (оценка)" in words
    windows = planned.get("/dashboard/plan/windows.png")
    assert windows.status_code == 200 and windows.content[:4] == b"\x89PNG"
    # What matters most, in the reader's language, with its chart.
    assert "Что важнее всего" in words and "Срок расчистки сильнее всего зависит" in words
    tornado = planned.get("/dashboard/plan/sensitivity.png")
    assert tornado.status_code == 200 and tornado.content[:4] == b"\x89PNG"
    assert planned.get("/dashboard/plan/report.json").status_code == 404


def test_a_clerk_may_not_see_the_dashboard_nor_its_charts(
    planned: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    _sign_in(planned, "aibek")

    assert planned.get("/dashboard").status_code == 403
    assert planned.get("/dashboard/plan/burndown.svg").status_code == 404


def test_without_a_plan_the_dashboard_says_how_to_make_one(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    _sign_in(client, "gulnara")

    assert "Плана пока нет" in text(client.get("/dashboard"))


def test_a_manager_closes_the_line_for_the_day_after_confirming(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    walk_in(sessions, now=utcnow())
    _sign_in(client, "gulnara")

    asked = client.get(link_to(client.get("/dashboard"), r"^/dashboard/close/bsk$"))
    with sessions() as session:  # asking closes nothing
        assert session.scalar(select(Ticket.status)) == "waiting"
    closed = submit(client, asked, "/dashboard/close/bsk")

    assert "Без записи ещё ждёт 1 человек" in text(asked)
    assert closed.status_code == 200 and "Очередь в учреждении Бишкекский офис" in text(closed)
    with sessions() as session:
        assert session.scalar(select(Ticket.status)) == "not_served"
