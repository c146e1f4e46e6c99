"""The notification actions the CLI and the admin pages call: run a relay, list and retry
dead letters, and which channels this installation can use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kezek.config import Settings
from kezek.context import AppContext
from kezek.db import read_session, run_transaction
from kezek.notify.channels import (
    EmailTransport,
    SmsTransport,
    TelegramTransport,
    Transport,
    masked,
)
from kezek.notify.models import Channel, MessageStatus, OutboxMessage
from kezek.notify.relay import Relay, RelayRules
from kezek.notify.rules import channels_on

__all__ = ["DeadLetter", "dead_letters", "masked", "relay", "retry", "transports"]


def transports(settings: Settings) -> dict[str, Transport]:
    timeout = settings.notify_send_timeout_seconds
    on = channels_on(settings)
    found: dict[str, Transport] = {}
    if Channel.sms in on:
        auth = settings.sms_auth.get_secret_value() if settings.sms_auth else None
        found[Channel.sms] = SmsTransport(
            settings.sms_url, settings.sms_body, settings.sms_sender, auth, timeout
        )
    if Channel.telegram in on:
        assert settings.telegram_bot_token is not None
        found[Channel.telegram] = TelegramTransport(
            settings.telegram_api_url, settings.telegram_bot_token.get_secret_value(), timeout
        )
    if Channel.email in on:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
        found[Channel.email] = EmailTransport(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_user,
            password,
            settings.smtp_tls,
            settings.mail_from,
            timeout,
        )
    return found


def relay_rules(settings: Settings) -> RelayRules:
    return RelayRules(
        batch=settings.notify_batch,
        max_attempts=settings.notify_max_attempts,
        retry_seconds=settings.notify_retry_seconds,
        send_timeout=settings.notify_send_timeout_seconds,
        per_second={
            Channel.sms.value: settings.notify_sms_per_second,
            Channel.telegram.value: settings.notify_telegram_per_second,
            Channel.email.value: settings.notify_email_per_second,
        },
    )


def relay(context: AppContext, *, chores: Sequence[Callable[[], object]] = ()) -> Relay:
    return Relay(
        sessions=context.sessions,
        transports=transports(context.settings),
        rules=relay_rules(context.settings),
        limiter=context.limiter,
        chores=chores,
    )


@dataclass(frozen=True)
class DeadLetter:
    id: int
    kind: str
    channel: str
    address: str  # masked: enough to recognise, not to copy
    attempts: int
    last_error: str
    created_at: datetime


def dead_letters(context: AppContext, *, limit: int = 200) -> list[DeadLetter]:
    with read_session(context.sessions) as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == MessageStatus.dead.value)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
        return [
            DeadLetter(
                id=row.id,
                kind=row.kind,
                channel=row.channel,
                address=masked(row.address),
                attempts=row.attempts,
                last_error=row.last_error or "",
                created_at=row.created_at,
            )
            for row in rows
        ]


def retry(context: AppContext, *, ids: list[int] | None, now: datetime) -> int:
    """Queue dead letters again (these, or all of them) for a fresh round of tries."""

    def requeue(session: Session) -> int:
        statement = update(OutboxMessage).where(OutboxMessage.status == MessageStatus.dead.value)
        if ids is not None:
            statement = statement.where(OutboxMessage.id.in_(ids))
        result = session.execute(
            statement.values(
                status=MessageStatus.queued.value, attempts=0, due_at=now, leased_until=None
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    return run_transaction(context.sessions, requeue)


def counts(context: AppContext) -> dict[tuple[str, str], int]:
    """Messages by channel and status."""
    with read_session(context.sessions) as session:
        rows = session.execute(
            select(OutboxMessage.channel, OutboxMessage.status, func.count()).group_by(
                OutboxMessage.channel, OutboxMessage.status
            )
        )
        return {(channel, status): count for channel, status, count in rows}
