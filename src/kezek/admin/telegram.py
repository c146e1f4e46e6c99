"""The Telegram bot's actions: the links the pages show, and the answers to what a chat says.

A citizen opens the link on a booking's page or on a ticket's, Telegram sends ``/start
<token>``, and from then on the chat gets that booking's or ticket's messages besides the
SMS. ``/status`` says where the booking or ticket stands, ``/stop`` ends the messages.
Every answer is written to the outbox in the same transaction as what it reports, and the
relay sends it with its retries and rate limit: nothing is sent from the webhook's request.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from kezek.booking.details import BookingDetails, booking_details
from kezek.booking.manage import find_booking
from kezek.booking.models import Booking, BookingStatus, Citizen
from kezek.booking.notices import subject_of as booking_subject
from kezek.booking.reference import display_reference
from kezek.booking.reminders import write_for_new_contact
from kezek.booking.visit import visit_advice
from kezek.booking.visit_text import visit_lines
from kezek.context import AppContext
from kezek.db import run_transaction
from kezek.i18n import DEFAULT, N_
from kezek.i18n.catalogs import translations
from kezek.i18n.formats import Formats
from kezek.notify.models import Channel
from kezek.notify.outbox import Address, Message, add_contact, contacts, drop_contact, enqueue
from kezek.notify.telegram import (
    BotApi,
    BotApiError,
    Bound,
    Command,
    Followed,
    LinkRefused,
    Refusal,
    Said,
    bind,
    followed,
    new_link,
    read_update,
    start_url,
    unbind,
)
from kezek.queue.models import Ticket, TicketStatus
from kezek.queue.notices import subject_of as ticket_subject

# The ticket's place in line, as its holder's page works it out. (kezek.queue.status keeps
# them private; a public "status of a ticket by id" there would serve the bot and the
# ticket page alike.)
from kezek.queue.status import TICKET_STATES, TicketStatusView, status_view
from kezek.queue.status import ticket_status as ticket_by_secret

log = logging.getLogger(__name__)

BOOKING_STATES = {
    "confirmed": N_("Confirmed"),
    "cancelled": N_("Cancelled"),
    "lapsed": N_("Missed: the time passed"),
}
REFUSALS = {
    Refusal.unknown: N_(
        "This link is not valid. Open the Telegram link on the page of your booking or "
        "of your ticket again."
    ),
    Refusal.expired: N_(
        "This link has expired. Open the page of your booking or of your ticket for a new one."
    ),
    Refusal.taken: N_(
        "This link is already used in another Telegram chat. Open the page of your booking "
        "or of your ticket for a new link."
    ),
}
STOPPED = N_(
    "You will get no more messages here. To follow again, open the Telegram link on the "
    "page of your booking or of your ticket."
)
NOT_FOLLOWING = N_(
    "This chat follows no booking or ticket. Open the Telegram link on the page of your "
    "booking or of your ticket."
)
COMMANDS = N_("Send /status to see where it stands, or /stop to get no more messages here.")


# The links the pages show -----------------------------------------------------------------


def bot_on(context: AppContext) -> bool:
    """The bot can answer: a token to send with, and a name for the t.me links."""
    return context.rules.notify.on(Channel.telegram) and bool(
        context.settings.telegram_bot_username.strip().lstrip("@")
    )


def booking_telegram_link(
    context: AppContext, *, reference: str, proof: str, language: str | None = None
) -> str | None:
    """A t.me link that makes a chat follow the booking; None when Telegram is off, or the
    booking is cancelled or past (nothing more to tell). A wrong proof is ``NotFound``."""
    if not bot_on(context):
        return None

    def make(session: Session) -> str | None:
        booking = find_booking(
            session, directory=context.directory, reference=reference, proof=proof
        )
        now = context.clock()
        if booking.status != BookingStatus.confirmed or booking.ends_at <= now:
            return None
        return new_link(
            session.connection(),
            subject=booking_subject(booking.reference),
            language=language or booking.language,
            now=now,
            secret=context.secret,
            expires_at=booking.ends_at,
        )

    token = run_transaction(context.sessions, make)
    return None if token is None else start_url(context.settings.telegram_bot_username, token)


def ticket_telegram_link(
    context: AppContext, *, ticket_id: int, ticket_secret: str, language: str | None = None
) -> str | None:
    """A t.me link that makes a chat follow the ticket, found as its page finds it (number
    and printed secret); None when Telegram is off or the ticket's day is over."""
    if not bot_on(context):
        return None

    def make(session: Session) -> str | None:
        now = context.clock()
        view = ticket_by_secret(
            session,
            directory=context.directory,
            ticket_id=ticket_id,
            ticket_secret=ticket_secret,
            now=now,
        )
        zone = view.office.zone
        day_ends = datetime.combine(view.ticket.day + timedelta(days=1), datetime.min.time(), zone)
        if view.ticket.status not in (TicketStatus.waiting, TicketStatus.called) or (
            day_ends <= now
        ):
            return None
        return new_link(
            session.connection(),
            subject=ticket_subject(view.ticket.id),
            language=language or view.ticket.language or DEFAULT,
            now=now,
            secret=context.secret,
            expires_at=day_ends,
        )

    token = run_transaction(context.sessions, make)
    return None if token is None else start_url(context.settings.telegram_bot_username, token)


# What a chat says ---------------------------------------------------------------------------


def answer_update(context: AppContext, update: dict[str, Any]) -> None:
    """Answer one update from Telegram (webhook or getUpdates); the same update twice
    writes one answer, as Telegram repeats an update it thinks was not received."""
    if not context.rules.notify.on(Channel.telegram):
        return
    said = read_update(update)
    if said is None:
        return
    run_transaction(context.sessions, lambda session: _answer(session, context, said))


def _answer(session: Session, context: AppContext, said: Said) -> None:
    now = context.clock()
    connection = session.connection()
    if said.command is Command.start:
        try:
            bound = bind(connection, token=said.token, chat_id=said.chat_id, now=now)
        except LinkRefused as refused:
            text = translations(said.language).gettext(REFUSALS[refused.reason])
            _reply(session, said, "refused", text, said.language, now)
            return
        _follow(session, context, said, bound, now)
        return
    if said.command is Command.blocked:
        unbind(connection, said.chat_id)
        return
    if said.command is Command.stop:
        stopped = unbind(connection, said.chat_id)
        language = stopped[0].language if stopped else said.language
        text = translations(language).gettext(STOPPED)
        _reply(session, said, "stopped", text, language, now)
        return
    following = followed(connection, said.chat_id)
    language = following[0].language if following else said.language
    texts = [found for each in following if (found := _status(session, context, each, now))]
    if said.command is Command.status and texts:
        _reply(session, said, "status", "\n\n".join(texts), language, now)
        return
    gettext = translations(language).gettext
    if texts:  # anything else from a chat that follows something: how to use the bot
        _reply(session, said, "help", gettext(COMMANDS), language, now)
        return
    _reply(session, said, "help", gettext(NOT_FOLLOWING), language, now)


def _follow(session: Session, context: AppContext, said: Said, bound: Bound, now: datetime) -> None:
    """The chat is the subject's Telegram contact from now on; a booking's reminders still
    to come are written for it, and it is told where the subject stands."""
    connection = session.connection()
    chat = Address(Channel.telegram, said.chat_id, bound.language)
    before = [to for to in contacts(connection, bound.subject) if to.channel is Channel.telegram]
    new = not before or before[0].address != said.chat_id
    if new:
        if before:  # another chat, from another link: what was queued for it is withdrawn
            drop_contact(connection, subject=bound.subject, channel=Channel.telegram)
        add_contact(connection, subject=bound.subject, to=chat, now=now)
    gettext = translations(bound.language).gettext
    booking = _booking(session, context, bound.subject)
    if booking is not None:
        if new:
            write_for_new_contact(
                session,
                directory=context.directory,
                reference=booking.reference,
                to=chat,
                rules=context.rules.notify,
                now=now,
            )
        intro = gettext("You will get the messages about booking %(reference)s here.") % {
            "reference": display_reference(booking.reference)
        }
    else:
        intro = gettext("You will get the messages about your ticket here.")
    status = _status(session, context, Followed(bound.subject, bound.language), now)
    lines = [intro, gettext(COMMANDS)] + ([status] if status else [])
    if booking is not None and booking.status == BookingStatus.confirmed and new:
        advice = visit_advice(booking.office, booking.starts_at)
        lines.append("\n".join(visit_lines(booking, advice, bound.language)))
    _reply(session, said, "welcome", "\n\n".join(lines), bound.language, now)


def _reply(
    session: Session, said: Said, kind: str, text: str, language: str, now: datetime
) -> None:
    # Keyed by the update: Telegram's repeat of an update finds its answer written already.
    update = str(said.update_id) if said.update_id else secrets.token_hex(8)
    message = Message(
        key=f"telegram:{said.chat_id}:{update}",
        subject=f"telegram:{said.chat_id}",
        kind=f"bot_{kind}",
        to=Address(Channel.telegram, said.chat_id, language),
        body=text,
        due_at=now,
    )
    enqueue(session.connection(), [message], now=now)


# Where a booking or a ticket stands ---------------------------------------------------------


def _status(session: Session, context: AppContext, each: Followed, now: datetime) -> str | None:
    kind, _, name = each.subject.partition(":")
    if kind == "booking":
        booking = _booking(session, context, each.subject)
        return None if booking is None else booking_status_text(booking, each.language)
    if kind == "ticket" and name.isdigit():
        view = _ticket_view(session, context, int(name), now)
        return None if view is None else ticket_status_text(view, each.language)
    return None


def _booking(session: Session, context: AppContext, subject: str) -> BookingDetails | None:
    kind, _, reference = subject.partition(":")
    if kind != "booking":
        return None
    found = session.execute(
        select(Booking, Citizen)
        .join(Citizen, Citizen.id == Booking.citizen_id)
        .where(Booking.reference == reference)
    ).first()
    if found is None:  # purged since
        return None
    return booking_details(session, context.directory, found[0], found[1])


def booking_status_text(booking: BookingDetails, language: str) -> str:
    gettext = translations(language).gettext
    formats = Formats(language)
    zone = booking.office.zone
    state = BOOKING_STATES.get(booking.status, booking.status)
    return "\n".join(
        [
            gettext("Booking %(reference)s") % {"reference": display_reference(booking.reference)},
            f"{formats.day(booking.starts_at, zone)}, {formats.time(booking.starts_at, zone)}",
            booking.service.name[language],
            f"{booking.office.name[language]}, {booking.office.address[language]}",
            gettext("Status: %(state)s") % {"state": gettext(state)},
        ]
    )


def _ticket_view(
    session: Session, context: AppContext, ticket_id: int, now: datetime
) -> TicketStatusView | None:
    """The ticket as its page shows it, found by its number alone: the chat proved its
    holder when it opened the link."""
    ticket = session.get(Ticket, ticket_id) if 0 < ticket_id < 2**31 else None
    if ticket is None:
        return None
    return status_view(
        session,
        directory=context.directory,
        ticket=ticket,
        now=now,
        kept=context.lines,
        apart=context.line_process,
    )


def ticket_status_text(view: TicketStatusView, language: str) -> str:
    gettext = translations(language).gettext
    formats = Formats(language)
    ticket = view.ticket
    state = TICKET_STATES.get(ticket.status, ticket.status)
    lines = [
        gettext("Ticket %(code)s") % {"code": ticket.code} + f", {view.office.name[language]}",
        gettext("Status: %(state)s") % {"state": gettext(state)},
    ]
    if ticket.status in (TicketStatus.called, TicketStatus.serving) and view.window:
        lines.append(gettext("Go to window %(window)s.") % {"window": view.window})
    elif ticket.status == TicketStatus.waiting and view.position is not None:
        lines.append(gettext("People before you: %(count)d") % {"count": view.position - 1})
        if view.estimated_call_at is not None:
            at = formats.time(view.estimated_call_at, view.office.zone)
            lines.append(gettext("Expected call at about %(time)s") % {"time": at})
    elif ticket.status == TicketStatus.waiting:
        lines.append(gettext("No window serves this ticket just now; please wait."))
    return "\n".join(lines)


# Where updates come from: getUpdates, and the webhook Telegram is told about ---------------


def bot_api(context: AppContext, *, timeout: float | None = None) -> BotApi:
    settings = context.settings
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        raise BotApiError("setup", 0, "KEZEK_TELEGRAM_BOT_TOKEN is not set")
    return BotApi(
        settings.telegram_api_url,
        settings.telegram_bot_token.get_secret_value(),
        timeout if timeout is not None else settings.notify_send_timeout_seconds,
    )


# A conflict (a webhook is set) or a refused token: polling again cannot help.
FATAL = (401, 404, 409)


def poll(
    context: AppContext,
    *,
    stop: Callable[[], bool],
    wait: int = 25,
    once: bool = False,
    pause: float = 5.0,
) -> int:
    """Answer updates fetched with getUpdates (long polling) until ``stop()``; how many.

    An update is confirmed (the next offset) once answered. The database away: the batch
    is fetched again later, as Telegram keeps unconfirmed updates. An update that fails
    for another reason is logged and confirmed, so that one bad update cannot stop the bot.
    """
    api = bot_api(context)
    offset = 0
    answered = 0
    try:
        while not stop():
            try:
                updates = api.updates(offset=offset, wait=wait)
            except BotApiError as exc:
                if exc.status in FATAL:
                    raise
                log.warning("telegram: getUpdates failed: %s", exc)
                updates = []
                time.sleep(pause)
            for update in updates:
                try:
                    answer_update(context, update)
                except OperationalError:
                    log.exception("telegram: the database failed; the update comes again")
                    time.sleep(pause)
                    break
                except Exception:
                    log.exception("telegram: update %s not answered", update.get("update_id"))
                offset = max(offset, int(update.get("update_id", 0)) + 1)
                answered += 1
            if once:
                with contextlib.suppress(BotApiError):  # confirm what was answered
                    api.updates(offset=offset, wait=0)
                break
    finally:
        api.close()
    return answered


def set_webhook(context: AppContext, *, url: str) -> None:
    """Tell Telegram to post updates to ``url`` with the webhook secret."""
    secret = context.settings.telegram_webhook_secret
    if secret is None or not secret.get_secret_value():
        raise BotApiError("setWebhook", 0, "KEZEK_TELEGRAM_WEBHOOK_SECRET is not set")
    api = bot_api(context)
    try:
        api.set_webhook(url, secret=secret.get_secret_value())
    finally:
        api.close()


def delete_webhook(context: AppContext) -> None:
    api = bot_api(context)
    try:
        api.delete_webhook()
    finally:
        api.close()
