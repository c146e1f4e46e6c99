"""The holder of a ticket from a phone checks in on arrival: at the kiosk with the code and
the phone's last four digits (or the ticket's secret), or at the door with the day's code."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.context import AppContext
from kezek.queue.models import QueueEvent, Ticket
from kezek.queue.remote import door_code
from tests.integration.queue.conftest import Clock, Headers, kiosk_and_clerk, proof
from tests.integration.queue.helpers import at

PHONE = "+996555000101"


def _take(app: TestClient, phone: str = PHONE) -> dict[str, Any]:
    taken = app.post(
        "/api/v1/offices/bsk/remote-tickets",
        json={
            "service": "quick",
            "phone": phone,
            "phone_proof": proof(phone, at(8, 5)),
            "language": "ru",
        },
    )
    assert taken.status_code == 201, taken.text
    found: dict[str, Any] = taken.json()
    return found


def _kiosk_check_in(app: TestClient, kiosk: Headers, **body: str) -> Any:
    return app.post("/api/v1/offices/bsk/remote-check-in", json=body, headers=kiosk)


def _shown(app: TestClient, taken: dict[str, Any]) -> dict[str, Any]:
    page = app.get(f"/api/v1/tickets/{taken['id']}", headers={"X-Ticket-Secret": taken["secret"]})
    found: dict[str, Any] = page.json()
    return found


def test_at_the_kiosk_with_the_code_and_the_phones_last_four_digits(
    app: TestClient, remote_office: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    clock.now = at(8, 5)
    taken = _take(app)
    kiosk, _ = kiosk_and_clerk(app, sessions)
    clock.now = at(9, 30)

    wrong = _kiosk_check_in(app, kiosk, code=taken["code"], phone_last4="9999")
    checked = _kiosk_check_in(app, kiosk, code=taken["code"].lower(), phone_last4="0101")
    again = _kiosk_check_in(app, kiosk, code=taken["code"], phone_last4="0101")

    assert wrong.status_code == 409 and _fields(wrong) == ["phone_last4"]
    assert checked.status_code == 200, checked.text
    assert checked.json()["checked_in_at"] == at(9, 30).isoformat()
    assert again.json() == checked.json()  # checking in twice changes nothing
    shown = _shown(app, taken)
    assert shown["checked_in"] is True and shown["next_step"] == "wait"
    with sessions() as session:
        events = session.scalars(select(QueueEvent.kind).where(QueueEvent.kind == "checked_in"))
        assert list(events) == ["checked_in"]


def test_at_the_kiosk_with_the_tickets_secret(
    app: TestClient, remote_office: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    clock.now = at(8, 5)
    taken = _take(app)
    kiosk, _ = kiosk_and_clerk(app, sessions)

    checked = _kiosk_check_in(app, kiosk, code=taken["code"], ticket_secret=taken["secret"])

    assert checked.status_code == 200, checked.text


def test_the_kiosk_refuses_a_code_that_is_no_ticket_from_a_phone(
    app: TestClient, remote_office: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    clock.now = at(8, 5)
    kiosk, _ = kiosk_and_clerk(app, sessions)
    at_kiosk = app.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=kiosk)

    unknown = _kiosk_check_in(app, kiosk, code="Q-777", phone_last4="0101")
    not_remote = _kiosk_check_in(app, kiosk, code=at_kiosk.json()["code"], phone_last4="0101")
    nothing = _kiosk_check_in(app, kiosk, code="Q-001")
    anonymous = app.post(
        "/api/v1/offices/bsk/remote-check-in", json={"code": "Q-001", "phone_last4": "0101"}
    )

    assert unknown.status_code == not_remote.status_code == 404
    assert _fields(unknown) == ["code"]
    assert nothing.status_code == 422 and _fields(nothing) == ["phone_last4"]
    assert anonymous.status_code == 401


def test_at_the_door_with_the_code_the_kiosk_shows(
    app: TestClient,
    context: AppContext,
    remote_office: None,
    clock: Clock,
    sessions: sessionmaker[Session],
) -> None:
    clock.now = at(8, 5)
    taken = _take(app)
    kiosk, _ = kiosk_and_clerk(app, sessions)
    clock.now = at(9, 40)
    shown = app.get("/api/v1/offices/bsk/door-code", headers=kiosk).json()
    url = f"/api/v1/tickets/{taken['id']}/check-in"
    secret = {"X-Ticket-Secret": taken["secret"]}

    wrong = app.post(url, json={"door_code": _another(shown["code"])}, headers=secret)
    no_secret = app.post(url, json={"door_code": shown["code"]}, headers={"X-Ticket-Secret": "x"})
    checked = app.post(url, json={"door_code": shown["code"]}, headers=secret)

    assert wrong.status_code == 409 and _fields(wrong) == ["door_code"]
    assert no_secret.status_code == 404
    assert checked.status_code == 200, checked.text
    assert checked.json()["checked_in_at"] == at(9, 40).isoformat()
    with sessions() as session:
        ticket = session.get_one(Ticket, taken["id"])
        assert ticket.checked_in_at == at(9, 40)
        office = context.directory.office(session, "bsk")
    assert shown["date"] == at(9, 40).date().isoformat()
    # A code of the day: tomorrow's is another.
    tomorrow = door_code(context.secret, office_id=office.id, day=at(9, days_ahead=2).date())
    assert len(shown["code"]) == 4 and shown["code"] != tomorrow


def test_guessing_the_door_code_is_cut_short(
    app: TestClient, remote_office: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    clock.now = at(8, 5)
    taken = _take(app)
    kiosk, _ = kiosk_and_clerk(app, sessions)
    code = app.get("/api/v1/offices/bsk/door-code", headers=kiosk).json()["code"]
    url = f"/api/v1/tickets/{taken['id']}/check-in"
    secret = {"X-Ticket-Secret": taken["secret"]}

    guesses = [
        app.post(url, json={"door_code": _another(code, n)}, headers=secret).status_code
        for n in range(1, 7)
    ]

    assert guesses == [409] * 5 + [429]
    assert app.post(url, json={"door_code": code}, headers=secret).status_code == 429


def test_a_clerk_may_see_the_door_code_but_another_offices_staff_may_not(
    app: TestClient, remote_office: None, sessions: sessionmaker[Session]
) -> None:
    from kezek.staff.models import Role
    from tests.integration.staff.helpers import bearer, make_staff

    _, clerk = kiosk_and_clerk(app, sessions)
    make_staff(sessions, "other", Role.kiosk, ["big"])

    assert app.get("/api/v1/offices/bsk/door-code", headers=clerk).status_code == 200
    refused = app.get("/api/v1/offices/bsk/door-code", headers=bearer(app, "other"))
    assert refused.status_code == 403


def _another(code: str, n: int = 1) -> str:
    return f"{(int(code) + n) % 10_000:04d}"


def _fields(answer: Any) -> list[str]:
    """The fields a problem+json answer names."""
    assert answer.headers["content-type"].startswith("application/problem+json")
    return [error["field"] for error in answer.json()["errors"]]
