"""Applying to a round through the pages, as a phone without JavaScript does: the form,
the SMS code, the receipt; then the application looked up, the draw, and the place won
confirmed from its booking's page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.rounds import service
from kezek.rounds.models import DrawApplication, Standing
from tests.integration.rounds.helpers import Timeline, load_round, timeline
from tests.integration.web.notify_pages import SMS_ON, last_code
from tests.integration.web.pages import link_to, submit, text

PHONE = "+996555000321"


@pytest.fixture
def t(sessions: sessionmaker[Session]) -> Timeline:
    t = timeline(days=2)
    load_round(sessions, t)
    return t


@pytest.fixture
def client(settings: Settings, t: Timeline) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update=SMS_ON))
    with TestClient(app, client=("203.0.113.9", 50000)) as client:
        client.headers["Accept-Language"] = "ky"
        yield client
    app.state.context.sessions.kw["bind"].dispose()


def _form(t: Timeline, **fields: str) -> dict[str, str]:
    return {
        "full_name": "Асанов Айбек",
        "document_number": "AC1234567",
        "phone": "+996 555 000 321",
        "legal_stay_until": t.day(10).strftime("%d.%m.%Y"),
        "choice1_place": "tiny/long",
        "choice1_day": t.day(0).isoformat(),
        "choice2_place": "tiny/long",
        "choice2_day": f"week:{t.day(1).isoformat()}",
        **fields,
    }


def test_apply_with_the_code_then_win_and_confirm(
    client: TestClient, sessions: sessionmaker[Session], t: Timeline
) -> None:
    listing = client.get("/rounds")
    round_page = client.get(link_to(listing, r"^/rounds/spring$"))
    assert "Жазгы тартуу" in text(round_page)
    form = client.get(link_to(round_page, r"/rounds/spring/apply$"))
    asked = submit(client, form, "/rounds/spring/apply", **_form(t))
    assert asked.status_code == 200, text(asked)
    assert "+996 555 000 321" in text(asked)
    done = submit(client, asked, "/rounds/spring/apply/code", code=last_code(sessions, PHONE))
    assert done.status_code == 200, text(done)
    with sessions() as session:
        application = session.scalars(select(DrawApplication)).one()
    assert [len(c["days"]) for c in application.choices] == [1, 1]
    assert application.phone == PHONE and application.standing == Standing.applied
    assert "AC1234567" not in done.text and "AC1234567" not in asked.text

    context = client.app.state.context  # type: ignore[attr-defined]
    service.draw(context, code="spring", now=t.draws)
    mine = submit(
        client,
        client.get("/rounds/spring"),
        "/rounds/spring/mine",
        document_number="AC 1234567",
        phone=PHONE,
    )
    assert mine.status_code == 200, text(mine)
    with sessions() as session:
        application = session.scalars(select(DrawApplication)).one()
    assert application.standing == Standing.offered
    found = submit(
        client,
        client.get(link_to(mine, r"^/manage\?reference=")),
        "/manage",
        document_number="AC1234567",
    )
    assert found.status_code == 200, text(found)
    confirmed = submit(client, found, "/manage/confirm-place")
    assert confirmed.status_code == 200, text(confirmed)
    assert "/manage/confirm-place" not in confirmed.text
    with sessions() as session:
        assert session.scalars(select(DrawApplication.standing)).one() == Standing.confirmed


def test_every_mistake_is_said_beside_its_field(client: TestClient, t: Timeline) -> None:
    form = client.get("/rounds/spring/apply")
    refused = submit(
        client,
        form,
        "/rounds/spring/apply",
        **_form(t, legal_stay_until="soon", document_number="1", choice1_day=""),
    )
    assert refused.status_code == 422
    for field in ("legal_stay_until", "document_number", "choice1"):
        assert f'href="#{field}"' in refused.text, field
    no_places = submit(
        client, form, "/rounds/spring/apply", **_form(t, choice1_day=t.day(5).isoformat())
    )
    assert no_places.status_code == 422
    assert 'href="#choice1"' in no_places.text
