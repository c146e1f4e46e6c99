"""Staff sign in with a cookie; the kiosk issues tickets; the clerk works a window."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import Ticket
from kezek.staff.models import Role
from tests.factories import booking_body, document, start_at
from tests.integration.staff.helpers import PASSWORD, make_staff

from .pages import form_token, submit, text


def _signed_in(client: TestClient, username: str = "aibek") -> None:
    client.headers["Accept-Language"] = "ru"
    form = client.get("/staff/login")
    response = submit(client, form, "/staff/login", username=username, password=PASSWORD)
    assert response.status_code == 200, text(response)


def test_sign_in_sets_an_http_only_cookie_and_a_wrong_password_is_named(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    client.headers["Accept-Language"] = "ru"
    assert client.get("/staff", follow_redirects=False).status_code == 303

    wrong = submit(
        client, client.get("/staff/login"), "/staff/login", username="aibek", password="nope"
    )
    assert wrong.status_code == 401 and "Неверное имя пользователя или пароль." in text(wrong)

    form = client.get("/staff/login")
    signed = client.post(
        "/staff/login",
        data={"csrf_token": form_token(client), "username": "aibek", "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed.status_code == 303 and form.status_code == 200
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith("staff=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Бишкек" in text(client.get("/staff", headers={"Accept-Language": "ru"}))


def test_the_kiosk_issues_a_ticket_and_checks_in_a_booking(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "kiosk", Role.kiosk, ["bsk"])
    start = start_at(days_ahead=1, hour=10)
    reference = client.post("/api/v1/bookings", json=booking_body(start=start)).json()["reference"]
    # The holder comes on the booked day, a few minutes early.
    state = client.app.state  # type: ignore[attr-defined]
    arrive = datetime.fromisoformat(start) - timedelta(minutes=5)
    state.context = dataclasses.replace(state.context, clock=lambda: arrive)
    _signed_in(client, "kiosk")
    kiosk = client.get("/kiosk/bsk")

    walk_in = client.post(
        "/kiosk/bsk/ticket", data={"csrf_token": form_token(client), "service": "quick"}
    )
    booked = submit(
        client, kiosk, "/kiosk/bsk/check-in", reference=reference, document_number=document(1)
    )

    # The receipt: the number, the service, a QR code of the holder's page and its short link.
    assert "Q-001" in text(walk_in) and "Быстрая услуга" in text(walk_in)
    short = re.search(r"http://testserver(/t/\d+-[0-9A-Z]{10})", text(walk_in))
    assert short is not None and '<svg role="img" class="qr"' in walk_in.text
    holder = client.get(short.group(1))
    assert holder.status_code == 200 and "Q-001" in text(holder) and "/ticket/" in str(holder.url)
    assert booked.status_code == 200, text(booked)
    assert "Q-002" in text(booked)
    # The same form sent again, as after a double tap or a lost answer: the same ticket.
    tapped_twice = submit(
        client, kiosk, "/kiosk/bsk/check-in", reference=reference, document_number=document(1)
    )
    assert tapped_twice.status_code == 200 and "Q-002" in text(tapped_twice)
    again = submit(
        client,
        client.get("/kiosk/bsk"),
        "/kiosk/bsk/check-in",
        reference=reference,
        document_number=document(1),
    )
    assert again.status_code == 409 and "Эта запись уже отмечена." in text(again)
    assert re.search(r'id="reference-error"[^>]*>Эта запись уже отмечена', again.text)
    refused = submit(
        client,
        client.get("/kiosk/bsk"),
        "/kiosk/bsk/check-in",
        reference=reference,
        document_number=document(2),
    )
    assert refused.status_code == 409
    assert "Записи с таким номером и номером документа нет." in text(refused)


def test_a_clerk_opens_a_window_calls_serves_and_transfers(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    _signed_in(client)
    token = form_token(client)
    for service in ("quick", "quick"):
        client.post("/kiosk/bsk/ticket", data={"csrf_token": token, "service": service})
    console = client.get("/console/bsk")
    assert "Открыть окно" in text(console)

    submit(client, console, "/console/bsk/open", window="1")
    called = submit(client, client.get("/console/bsk"), "/console/bsk/next")
    assert "Q-001" in text(called) and "В очереди: 1" in text(called)
    started = submit(client, called, "/console/bsk/start")
    finished = submit(client, started, "/console/bsk/finish")
    assert "У вашего окна нет талона." in text(finished)
    second = submit(client, finished, "/console/bsk/next")
    moved = submit(client, second, "/console/bsk/transfer", service="long")

    with sessions() as session:
        statuses = {t.code: t.status for t in session.scalars(select(Ticket))}
    assert statuses == {"Q-001": "done", "Q-002": "transferred", "L-001": "waiting"}
    assert "В очереди: 1" in text(moved)
    assert "Направлен с новым талоном: L-001" in text(moved)  # the new number, to tell them
    transferred = submit(client, moved, "/console/bsk/next")
    assert "L-001" in text(transferred)  # window 1 handles the long service too


def test_call_next_pressed_twice_on_one_page_calls_one_ticket(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    _signed_in(client)
    for _ in range(2):
        client.post(
            "/kiosk/bsk/ticket", data={"csrf_token": form_token(client), "service": "quick"}
        )
    submit(client, client.get("/console/bsk"), "/console/bsk/open", window="1")
    page = client.get("/console/bsk")

    first = submit(client, page, "/console/bsk/next")
    second = submit(client, page, "/console/bsk/next")  # the same form, sent again

    assert "Q-001" in text(first) and "Q-001" in text(second)
    with sessions() as session:
        statuses = {t.code: t.status for t in session.scalars(select(Ticket))}
    assert statuses == {"Q-001": "called", "Q-002": "waiting"}
    # With Q-001 called and not come, the console offers no plain "next": it settles them.
    assert "/console/bsk/next" not in second.text
    gone = submit(client, second, "/console/bsk/no-show-next")
    assert "Q-002" in text(gone)
    with sessions() as session:
        statuses = {t.code: t.status for t in session.scalars(select(Ticket))}
    assert statuses == {"Q-001": "no_show", "Q-002": "called"}


def test_a_clerk_of_another_office_is_refused(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["big"])
    _signed_in(client)

    for path in ("/console/bsk", "/kiosk/bsk"):
        assert client.get(path).status_code == 403
    issued = client.post(
        "/kiosk/bsk/ticket", data={"csrf_token": form_token(client), "service": "quick"}
    )
    assert issued.status_code == 403
