"""When no place in today's line can be taken from a phone, the page says why and what to
do: before the office's hour (no code is sent for nothing), after closing, when the day's
places are all given, and where no SMS can confirm the number."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.queue import service as queue_service
from kezek.queue.models import Ticket
from kezek.staff.members import Staff
from kezek.staff.models import Role
from tests.integration.staff.helpers import bearer, make_staff

from . import line_pages
from .line_pages import (
    PHONE,
    TYPED,
    Clock,
    asked_for_code,
    bishkek,
    context_of,
    line_network,
    load,
    serve,
    take_a_place,
    today,
)
from .notify_pages import code_texts, last_code
from .pages import submit, text

clock, phone_line, line_client = line_pages.clock, line_pages.phone_line, line_pages.line_client


def _tickets(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def _office_error(page: str) -> str:
    found = re.search(r'<p class="error" id="office-error" role="alert">([^<]+)</p>', page)
    assert found, page
    return unescape(found.group(1))


def _client(
    settings: Settings, sessions: sessionmaker[Session], clock: Clock, toml: str, **more: object
) -> Iterator[TestClient]:
    load(sessions, toml)
    yield from serve(settings, clock, **more)


@pytest.fixture
def from_seven(
    settings: Settings, sessions: sessionmaker[Session], network: None, clock: Clock
) -> Iterator[TestClient]:
    yield from _client(settings, sessions, clock, line_network(opens="07:00", hours="09:00-18:00"))


def test_before_the_hour_the_page_says_from_when_and_sends_no_code(
    from_seven: TestClient, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    clock.now = bishkek(today() - timedelta(days=1), 6, 10)
    from_seven.headers["Accept-Language"] = "en"

    form = from_seven.get("/line/bsk")
    refused = submit(from_seven, form, "/line/bsk", service="quick", phone=TYPED)

    assert "Places are given from 07:00 (office time). Come back to this page then." in text(form)
    assert refused.status_code == 409
    assert _office_error(refused.text) == (
        "Tickets from a phone are given from 07:00 (office time). Try again then."
    )
    assert f'value="{TYPED}"' in refused.text and 'value="quick" checked' in refused.text
    assert code_texts(sessions, PHONE) == [] and _tickets(sessions) == 0


def test_after_closing_the_line_is_closed_for_today(
    from_seven: TestClient, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    clock.now = bishkek(today() - timedelta(days=1), 18, 5)
    from_seven.headers["Accept-Language"] = "ru"

    form = from_seven.get("/line/bsk")
    refused = submit(from_seven, form, "/line/bsk", service="quick", phone=TYPED)

    assert refused.status_code == 409
    assert "Очередь на сегодня закрыта" in _office_error(refused.text)
    assert code_texts(sessions, PHONE) == [] and _tickets(sessions) == 0


@pytest.fixture
def one_place(
    settings: Settings, sessions: sessionmaker[Session], network: None, clock: Clock
) -> Iterator[TestClient]:
    yield from _client(settings, sessions, clock, line_network(per_day=1))


def test_when_the_days_places_are_taken_the_next_phone_is_told_and_the_first_keeps_its_own(
    one_place: TestClient, sessions: sessionmaker[Session]
) -> None:
    first = take_a_place(one_place, sessions, phone="+996 555 000 001")
    assert "/ticket/" in str(first.url)

    form = one_place.get("/line/bsk")
    asked = asked_for_code(one_place, phone=TYPED)
    refused = submit(one_place, asked, "/line/bsk/code", code=last_code(sessions, PHONE))

    assert "Today's places in the line from a phone are all taken." in text(form)
    assert refused.status_code == 409
    assert _office_error(refused.text).startswith(
        "Today's places in the line from a phone are all taken. Come to the office"
    )
    assert _tickets(sessions) == 1
    # The phone that took the last place still opens its ticket with a new code.
    again = take_a_place(one_place, sessions, phone="+996 555 000 001")
    assert str(again.url).split("&")[0] == str(first.url).split("&")[0]


@pytest.fixture
def without_sms(
    settings: Settings, sessions: sessionmaker[Session], network: None, clock: Clock
) -> Iterator[TestClient]:
    yield from _client(settings, sessions, clock, line_network(), sms_url=None)


def test_where_no_sms_can_be_sent_the_page_says_so_and_offers_no_form(
    without_sms: TestClient, sessions: sessionmaker[Session]
) -> None:
    without_sms.headers["Accept-Language"] = "en"

    page = without_sms.get("/line/bsk")

    assert page.status_code == 200
    assert "No SMS can be sent at the moment" in text(page)
    assert 'action="/line/bsk"' not in page.text


def test_a_ticket_printed_again_at_the_office_is_not_given_back_to_the_phone(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    take_a_place(line_client, sessions)
    manager = Staff(id=1, username="gulnara", role=Role.manager, office_codes=frozenset({"bsk"}))
    queue_service.reprint(context_of(line_client), staff=manager, office="bsk", code="Q-001")

    asked = asked_for_code(line_client)
    refused = submit(line_client, asked, "/line/bsk/code", code=last_code(sessions, PHONE))

    assert refused.status_code == 409
    error = re.search(r'<p class="error" id="phone-error">([^<]+)</p>', refused.text)
    assert error and unescape(error.group(1)).startswith(
        "The ticket this number took today was printed again at the office."
    )


def test_a_line_closed_early_by_a_manager_gives_no_place_and_sends_no_code(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    closed = line_client.post(
        "/api/v1/offices/bsk/close-day", headers=bearer(line_client, "gulnara")
    )
    assert closed.status_code == 200, closed.text
    line_client.headers["Accept-Language"] = "en"

    form = line_client.get("/line/bsk")
    refused = submit(line_client, form, "/line/bsk", service="quick", phone=TYPED)

    assert "The line is closed for today." in text(form)
    assert refused.status_code == 409 and "The line is closed for today." in _office_error(
        refused.text
    )
    assert code_texts(sessions, PHONE) == [] and _tickets(sessions) == 0
