"""What a booking's page says about messages: where the confirmation went, and the way
to get reminders in Telegram too."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select

from kezek.admin.telegram import booking_telegram_link
from kezek.booking.notices import subject_of
from kezek.context import AppContext
from kezek.db import read_session
from kezek.errors import Problem
from kezek.notify.models import Channel, MessageStatus, OutboxMessage
from kezek.notify.service import masked
from kezek.web.qr import qr_svg

# The channels in the order the page names them.
_ORDER = (Channel.sms.value, Channel.email.value, Channel.telegram.value)


@dataclass(frozen=True)
class TelegramOffer:
    url: str
    qr: Markup


def sent_to(context: AppContext, reference: str, done: str) -> list[tuple[str, str]]:
    """Each channel the news of ``done`` ("booked", "moved") went or goes to, with its
    address masked: the citizen recognises their number, a passer-by learns nothing."""
    kind = "confirmed" if done == "booked" else "moved"
    with read_session(context.sessions) as session:
        rows = session.execute(
            select(OutboxMessage.channel, OutboxMessage.address)
            .where(
                OutboxMessage.subject == subject_of(reference),
                OutboxMessage.kind == kind,
                OutboxMessage.status.in_([MessageStatus.queued.value, MessageStatus.sent.value]),
            )
            # A booking moved twice: the latest move's messages.
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        ).all()
    latest: dict[str, str] = {}
    for channel, address in rows:
        latest.setdefault(channel, masked(address))
    return [(channel, latest[channel]) for channel in _ORDER if channel in latest]


def telegram_offer(
    context: AppContext, *, reference: str, proof: str, language: str, label: str
) -> TelegramOffer | None:
    """The t.me link and its QR code, when this installation has a bot that can follow the
    booking; None otherwise, and the page says nothing about Telegram."""
    if not context.rules.notify.on(Channel.telegram):
        return None
    try:
        url = booking_telegram_link(context, reference=reference, proof=proof, language=language)
    except Problem:  # the booking gone meanwhile: nothing to follow
        return None
    if not url:
        return None
    return TelegramOffer(url=url, qr=qr_svg(url, label=label))
