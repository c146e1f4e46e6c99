"""Today's walk-in ticket from a proven phone: when an office gives it, and to whom."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.identity import normalize_phone
from kezek.context import AppContext
from kezek.errors import Invalid
from kezek.notify.verification import PhoneNotVerified
from kezek.queue import closing, service
from kezek.queue.closing import QueueClosed
from kezek.queue.models import Ticket
from kezek.queue.remote import RemoteFull, RemoteRefused
from kezek.queue.schemas import RemoteTicketTaken
from kezek.ratelimit import Limit, TooManyRequests
from tests.integration.queue.conftest import Clock, kiosk_and_clerk, load, proof, remote_network
from tests.integration.queue.helpers import at, walk_in

PHONE = "+996555000101"


def take(
    context: AppContext, phone: str = PHONE, *, service_code: str = "quick", **overrides: str
) -> RemoteTicketTaken:
    values = {"office": "bsk", "service": service_code, "phone": phone}
    values |= {"language": "ky", "client": "203.0.113.7", **overrides}
    if "phone_proof" not in values:
        # The proof names the number as the phone's code was sent to it: in full.
        values["phone_proof"] = proof(normalize_phone(phone, region="KG"), context.clock())
    return service.take_remote_ticket(context, **values)


def test_a_proven_phone_takes_todays_walk_in_ticket(
    context: AppContext, remote_office: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    walk_in(sessions, now=at(7, 30))
    clock.now = at(7, 45)

    taken = take(context, "0555 000 101")  # a local number, read in the office's country

    assert taken.new and taken.code == "Q-002" and taken.service == "quick"
    assert taken.taken_at == at(7, 45)
    with sessions() as session:
        ticket = session.get_one(Ticket, taken.id)
    assert ticket.remote and ticket.phone == PHONE and ticket.language == "ky"
    assert ticket.kind == "walk_in" and ticket.status == "waiting"
    assert ticket.arrived_at == at(7, 45) and ticket.checked_in_at is None
    shown = service.ticket_status(context, ticket_id=taken.id, ticket_secret=taken.secret)
    assert shown.remote and not shown.checked_in and shown.next_step == "check_in"


def test_a_second_request_for_the_same_phone_answers_with_the_same_ticket(
    context: AppContext, remote_office: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    first = take(context)
    clock.now += timedelta(minutes=5)

    again = take(context, "+996 555 000 101", service_code="long")

    assert not again.new
    assert (again.id, again.code, again.secret) == (first.id, first.code, first.secret)
    with sessions() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1


def test_the_position_and_the_wait_are_given_once_a_window_is_open(
    app: TestClient,
    context: AppContext,
    remote_office: None,
    clock: Clock,
    sessions: sessionmaker[Session],
) -> None:
    clock.now = at(9)
    kiosk_and_clerk(app, sessions)
    walk_in(sessions, now=at(9))

    taken = take(context)

    # One quick service (10 minutes) at the only open window before it.
    assert taken.position == 2
    assert taken.estimated_call_at == at(9, 10) and taken.wait_minutes == 10


@pytest.mark.parametrize(
    ("now", "reason"),
    [(at(6, 59), "not_yet"), (at(18), "closed")],
    ids=["before the office's hour", "after closing"],
)
def test_tickets_for_phones_are_given_from_the_set_hour_until_closing(
    context: AppContext, remote_office: None, clock: Clock, now: datetime, reason: str
) -> None:
    clock.now = now
    with pytest.raises(RemoteRefused) as refused:
        take(context)
    assert refused.value.field == "office" and refused.value.extra["reason"] == reason


def test_an_office_that_gives_no_tickets_to_phones_refuses(
    context: AppContext, clock: Clock
) -> None:
    clock.now = at(10)
    with pytest.raises(RemoteRefused) as refused:
        take(context)
    assert refused.value.extra["reason"] == "not_offered"


def test_no_ticket_once_the_line_closed_for_the_day(
    context: AppContext, remote_office: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    clock.now = at(12)
    with sessions.begin() as session:
        office = context.directory.office(session, "bsk")
        closing.close_day(session, office=office, day=at(12).date(), now=at(12))

    with pytest.raises(QueueClosed):
        take(context)


def test_the_days_number_of_tickets_for_phones_is_kept(
    context: AppContext, sessions: sessionmaker[Session]
) -> None:
    load(sessions, remote_network(per_day=2))
    take(context, "+996555000001")
    take(context, "+996555000002")

    with pytest.raises(RemoteFull) as full:
        take(context, "+996555000003")
    assert full.value.field == "office"
    # The phones that took one still get theirs back.
    assert not take(context, "+996555000002").new


def test_a_phone_not_proven_or_not_valid_and_a_language_not_spoken_are_refused(
    context: AppContext, remote_office: None
) -> None:
    with pytest.raises(PhoneNotVerified) as unproven:
        take(context, phone_proof=proof("+996555000999", context.clock()))
    assert unproven.value.field == "phone"
    with pytest.raises(Invalid) as invalid:
        take(context, "12", phone_proof="")
    assert invalid.value.field == "phone"
    with pytest.raises(Invalid) as language:
        take(context, language="de")
    assert language.value.field == "language"


def test_one_address_takes_only_as_many_as_it_may_book(
    context: AppContext, remote_office: None
) -> None:
    limits = dataclasses.replace(
        context.limits, booking_per_address=Limit("booking-address", 2, 3600)
    )
    limited = dataclasses.replace(context, limits=limits)
    take(limited, "+996555000001")
    take(limited, "+996555000002")

    with pytest.raises(TooManyRequests):
        take(limited, "+996555000003")
    take(limited, "+996555000003", client="198.51.100.1")  # another address


def test_the_api_answers_201_then_200_and_names_the_field_it_refuses(
    app: TestClient, remote_office: None, clock: Clock
) -> None:
    clock.now = at(8)
    body = {"service": "quick", "phone": PHONE, "phone_proof": proof(PHONE, at(8))}
    url = "/api/v1/offices/bsk/remote-tickets"

    first = app.post(url, json={**body, "language": "ru"})
    again = app.post(url, json={**body, "language": "ru"})
    unproven = app.post(url, json={**body, "language": "ru", "phone_proof": "1.abc"})
    no_language = app.post(url, json=body)

    assert first.status_code == 201, first.text
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    page = app.get(
        f"/api/v1/tickets/{first.json()['id']}", headers={"X-Ticket-Secret": first.json()["secret"]}
    )
    assert page.json()["next_step"] == "check_in" and page.json()["checked_in"] is False
    assert unproven.status_code == 422
    assert unproven.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in unproven.json()["errors"]] == ["phone"]
    assert no_language.status_code == 422 and "language" in no_language.text


def test_the_routes_are_described_in_the_openapi(app: TestClient) -> None:
    paths = app.get("/openapi.json").json()["paths"]

    assert "post" in paths["/api/v1/offices/{office}/remote-tickets"]
    assert "post" in paths["/api/v1/offices/{office}/remote-check-in"]
    assert "get" in paths["/api/v1/offices/{office}/door-code"]
    assert "post" in paths["/api/v1/tickets/{ticket_id}/check-in"]
