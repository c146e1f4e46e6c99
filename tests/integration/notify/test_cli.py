"""kezek notify run --once, dead and retry, as an admin runs them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kezek.booking.models import Booking, Citizen
from kezek.cli.main import app
from kezek.config import get_settings
from kezek.db import run_transaction
from kezek.network.models import Office, Service
from kezek.types import utcnow
from tests.conftest import TEST_SECRET
from tests.factories import ZONES
from tests.fakes import FakeSmsGateway
from tests.fakes.fixtures import provider_env
from tests.integration.notify.helpers import enqueue_all, message, outbox

runner = CliRunner()


@pytest.fixture
def cli_env(
    database_url: str,
    sessions: sessionmaker[Session],
    sms_gateway: FakeSmsGateway,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[None]:
    monkeypatch.setenv("KEZEK_DATABASE_URL", database_url)
    monkeypatch.setenv("KEZEK_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("KEZEK_VAR_DIR", str(tmp_path))
    for name, value in provider_env(sms=sms_gateway).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_run_once_sends_what_is_due_and_says_so(
    cli_env: None, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    enqueue_all(sessions, [message("one", to="+996700000001"), message("two", to="+99600")])
    sms_gateway.refuse("+99600")

    result = runner.invoke(app, ["notify", "run", "--once"])

    assert result.exit_code == 0, result.output
    assert "Sent 1, to retry 0, dead 1, deferred 0." in result.output
    assert [m["to"] for m in sms_gateway.delivered] == ["+996700000001"]


def test_dead_lists_the_dead_letters_masked_and_retry_all_sends_them(
    cli_env: None, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    enqueue_all(sessions, [message("lost", to="+996700009876")])
    sms_gateway.refuse("+996700009876")
    runner.invoke(app, ["notify", "run", "--once"])
    sms_gateway.accept("+996700009876")

    listed = runner.invoke(app, ["notify", "dead"])
    retried = runner.invoke(app, ["notify", "retry", "--all"])
    sent = runner.invoke(app, ["notify", "run", "--once"])
    after = runner.invoke(app, ["notify", "dead"])

    assert listed.exit_code == 0, listed.output
    assert "…9876" in listed.output and "+996700009876" not in listed.output
    assert "400" in listed.output  # the gateway's answer, for the admin to act on
    assert retried.exit_code == 0 and "Queued again: 1." in retried.output
    assert "Sent 1," in sent.output
    assert "No dead letters." in after.output
    assert [m["to"] for m in sms_gateway.delivered] == ["+996700009876"]


def test_retry_by_id_and_without_any(
    cli_env: None, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    enqueue_all(sessions, [message("a", to="+99601"), message("b", to="+99602")])
    sms_gateway.refuse("+99601")
    sms_gateway.refuse("+99602")
    runner.invoke(app, ["notify", "run", "--once"])

    nothing = runner.invoke(app, ["notify", "retry"])
    one = runner.invoke(app, ["notify", "retry", str(outbox(sessions)["a"].id)])

    assert nothing.exit_code == 2 and "--all" in nothing.output
    assert "Queued again: 1." in one.output
    assert {key: row.status for key, row in outbox(sessions).items()} == {
        "a": "queued",
        "b": "dead",
    }


def test_run_once_without_any_channel_says_what_to_set(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, sessions: sessionmaker[Session]
) -> None:
    monkeypatch.delenv("KEZEK_SMS_URL")
    get_settings.cache_clear()
    enqueue_all(sessions, [message("waits")])

    result = runner.invoke(app, ["notify", "run", "--once"])

    assert result.exit_code == 0
    assert "KEZEK_SMS_URL" in result.output
    assert outbox(sessions)["waits"].status == "queued"


@pytest.mark.parametrize("command", [["run", "--once"], ["dead"], ["retry", "--all"]])
def test_a_wrong_setting_is_said_plainly(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("KEZEK_SMTP_TLS", "sometimes")
    get_settings.cache_clear()

    result = runner.invoke(app, ["notify", *command])

    assert result.exit_code == 2
    assert "smtp_tls" in result.output.lower() and "Traceback" not in result.output


def _booked_for_soon(sessions: sessionmaker[Session]) -> str:
    """A booking 50 minutes ahead, made yesterday, at an office where the visit and its
    reminder fall on the same local day; its reference."""
    now = utcnow()
    office = next(
        code
        for code in ("bsk", "big")
        if (now + timedelta(minutes=50)).astimezone(ZONES[code]).date()
        == now.astimezone(ZONES[code]).date()
    )

    def book(session: Session) -> str:
        office_id = session.scalar(select(Office.id).where(Office.code == office))
        service_id = session.scalar(select(Service.id).where(Service.code == "quick"))
        citizen = Citizen(
            document_hash="0" * 64,
            document_tail="001",
            full_name="Асанов Айбек",
            phone="+996700000042",
            language="ky",
        )
        session.add(citizen)
        session.flush()
        starts = now + timedelta(minutes=50)
        session.add(
            Booking(
                reference="K7M2QXAB",
                office_id=office_id,
                service_id=service_id,
                citizen_id=citizen.id,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=10),
                pool="1",
                cells=1,
                cell_minutes=10,
                language="ky",
                created_at=now - timedelta(days=1),
                updated_at=now - timedelta(days=1),
                remind_at=now - timedelta(minutes=1),
            )
        )
        return "K7M2QXAB"

    return run_transaction(sessions, book)


def test_run_once_writes_the_reminders_nearly_due_and_sends_them(
    cli_env: None,
    network: None,
    monkeypatch: pytest.MonkeyPatch,
    sessions: sessionmaker[Session],
    sms_gateway: FakeSmsGateway,
) -> None:
    # A reminder 45 minutes before, at any hour: due five minutes from now.
    monkeypatch.setenv("KEZEK_REMINDER_BEFORE_MINUTES", "45")
    monkeypatch.setenv("KEZEK_QUIET_HOURS", "")
    get_settings.cache_clear()
    reference = _booked_for_soon(sessions)

    result = runner.invoke(app, ["notify", "run", "--once"])

    assert result.exit_code == 0, result.output
    assert "Sent 0," in result.output  # written now, due in five minutes
    [reminder] = outbox(sessions).values()
    assert reminder.kind == "reminder_soon" and reminder.status == "queued"
    assert reminder.subject == f"booking:{reference}"
    assert reminder.address == "+996700000042"
