"""The admin's messages page: counts by channel and status, the failed messages (dead
letters), and sending them again, one or all."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.notify.models import OutboxMessage
from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff

from .pages import form_token, submit, text

WRITTEN = dt.datetime(2026, 3, 2, 7, 5, tzinfo=dt.UTC)


def _messages(sessions: sessionmaker[Session]) -> None:
    rows = [
        ("sms", "+996555123456", "dead", "gateway said 402: balance too low"),
        ("email", "aibek@example.org", "dead", "550 mailbox unavailable"),
        ("sms", "+996555000001", "sent", None),
        ("sms", "+996555000002", "queued", None),
    ]

    def write(session: Session) -> None:
        for number, (channel, address, status, error) in enumerate(rows):
            session.add(
                OutboxMessage(
                    key=f"booking:7KQ2M9XD:confirmed:{number}",
                    subject="booking:7KQ2M9XD",
                    kind="confirmed",
                    channel=channel,
                    address=address,
                    language="ru",
                    body="Kezek: booked",
                    status=status,
                    attempts=8 if status == "dead" else 1,
                    due_at=WRITTEN,
                    last_error=error,
                    created_at=WRITTEN,
                )
            )

    run_transaction(sessions, write)


def _sign_in(client: TestClient, sessions: sessionmaker[Session], role: Role) -> None:
    make_staff(sessions, "boss", role, [] if role is Role.admin else ["bsk"])
    client.headers["Accept-Language"] = "en"
    submit(client, client.get("/staff/login"), "/staff/login", username="boss", password=PASSWORD)


def _statuses(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions() as session:
        found = session.execute(select(OutboxMessage.address, OutboxMessage.status))
        return dict(found.all())


def test_an_admin_sees_the_failed_messages_and_sends_one_then_all_again(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _messages(sessions)
    _sign_in(client, sessions, Role.admin)

    page = client.get("/admin/messages")

    assert page.status_code == 200
    words = text(page)
    assert "gateway said 402: balance too low" in words and "550 mailbox unavailable" in words
    # Addresses masked; the time said in UTC, since a message belongs to no one office.
    assert "…3456" in words and "a…@example.org" in words and "+996555123456" not in words
    assert "07:05 UTC" in words
    assert "Send all 2 failed messages again" in words
    assert "/admin/messages" in client.get("/admin/staff").text  # in the admin's links

    one = submit(client, page, "/admin/messages/retry", message=_id_of(sessions, "+996555123456"))

    assert "1 message will be sent again." in text(one)
    assert _statuses(sessions)["+996555123456"] == "queued"
    assert _statuses(sessions)["aibek@example.org"] == "dead"

    rest = client.post(
        "/admin/messages/retry", data={"csrf_token": form_token(client), "all": "yes"}
    )

    assert "1 message will be sent again." in text(rest)
    assert "No failed messages." in text(rest)
    assert set(_statuses(sessions).values()) == {"queued", "sent"}
    with sessions() as session:
        retried = session.scalar(
            select(OutboxMessage).where(OutboxMessage.address == "aibek@example.org")
        )
        assert retried is not None and retried.attempts == 0  # a fresh round of tries


def _id_of(sessions: sessionmaker[Session], address: str) -> str:
    with sessions() as session:
        found = session.scalar(select(OutboxMessage.id).where(OutboxMessage.address == address))
        return str(found)


def test_only_an_admin_may_see_or_retry_and_only_with_the_forms_token(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _messages(sessions)
    assert client.get("/admin/messages", follow_redirects=False).status_code == 303
    _sign_in(client, sessions, Role.manager)

    page = client.get("/admin/messages")
    retried = client.post(
        "/admin/messages/retry", data={"csrf_token": form_token(client), "all": "yes"}
    )

    assert page.status_code == 403 and retried.status_code == 403
    assert _statuses(sessions)["aibek@example.org"] == "dead"


def test_a_retry_without_the_forms_token_is_refused(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _messages(sessions)
    _sign_in(client, sessions, Role.admin)

    forged = client.post("/admin/messages/retry", data={"all": "yes"})

    assert forged.status_code == 403
    assert _statuses(sessions)["aibek@example.org"] == "dead"
