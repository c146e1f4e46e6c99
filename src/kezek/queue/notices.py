"""The messages a ticket's holder gets, written to the outbox in the call's transaction.

A ticket with a phone (taken from a phone, or checked in with a booking) is told once
when few people are before it ("N people before you"; a holder not at the office yet is
asked to come and check in), and at each call which window to go to. By SMS when that
channel is on, and by Telegram when the holder linked it to the ticket. Short, in the
ticket's language, with the ticket's code and no document number.

"Before you" counts the ticket's own line: the waiting tickets for its service that the
policy puts ahead of it, those taken from a phone and not yet at the office included,
since they keep their places.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, update
from sqlalchemy.orm import Session

from kezek.codes import ticket_code
from kezek.i18n import DEFAULT, as_language
from kezek.i18n.catalogs import translations
from kezek.network.directory import OfficeInfo
from kezek.notify.models import Channel
from kezek.notify.outbox import Address, Message, contacts, enqueue
from kezek.notify.rules import NotifyRules
from kezek.queue.candidates import waiting_for_window
from kezek.queue.models import Ticket, TicketStatus
from kezek.queue.policy import CallingWindow, policy_for
from kezek.queue.tickets import TICKETS


def subject_of(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def addresses(
    connection: Connection,
    *,
    ticket_id: int,
    phone: str | None,
    language: str | None,
    rules: NotifyRules,
) -> list[Address]:
    """The ticket's phone by SMS, and Telegram if its holder linked it to the ticket, when
    these channels are on. (No e-mail: a line moves too fast for it.)"""
    if not rules.channels:
        return []
    found = []
    if phone and rules.on(Channel.sms):
        found.append(Address(Channel.sms, phone, as_language(language) or DEFAULT))
    found += [
        to
        for to in contacts(connection, subject_of(ticket_id))
        if to.channel is Channel.telegram and rules.on(Channel.telegram)
    ]
    return found


def tell_called(
    connection: Connection, ticket: Ticket, *, window: str, rules: NotifyRules, now: datetime
) -> int:
    """ "Go to window X", once per call of the ticket (a recall is another call)."""
    to = addresses(
        connection, ticket_id=ticket.id, phone=ticket.phone, language=ticket.language, rules=rules
    )
    key = f"ticket:{ticket.id}:called:{ticket.calls}"
    values: dict[str, str | int] = {"code": ticket.code, "window": window}
    return enqueue(connection, _messages(ticket.id, "called", key, to, values, now), now=now)


def tell_near(
    session: Session,
    *,
    office: OfficeInfo,
    services: Iterable[str],
    rules: NotifyRules,
    now: datetime,
) -> int:
    """After a call: tell the holders now ``near_people`` or fewer from the head of their
    service's line, and not told before, how many are before them. Once per ticket: the
    mark and the message are written together, the mark only where it was not set."""
    if not rules.channels or rules.near_people < 0:
        return 0
    places = _near(session, office=office, services=services, now=now, within=rules.near_people)
    if not places:
        return 0
    told = session.execute(
        update(TICKETS)
        .where(
            TICKETS.c.id.in_(list(places)),
            TICKETS.c.near_told_at.is_(None),
            TICKETS.c.phone.is_not(None),
            TICKETS.c.status == TicketStatus.waiting.value,
        )
        .values(near_told_at=now)
        .returning(
            TICKETS.c.id,
            TICKETS.c.prefix,
            TICKETS.c.number,
            TICKETS.c.phone,
            TICKETS.c.language,
            TICKETS.c.remote,
            TICKETS.c.checked_in_at,
        )
    ).all()
    connection = session.connection()
    messages: list[Message] = []
    for row in told:
        to = addresses(
            connection, ticket_id=row.id, phone=row.phone, language=row.language, rules=rules
        )
        kind = "near_come" if row.remote and row.checked_in_at is None else "near"
        values: dict[str, str | int] = {
            "code": ticket_code(row.prefix, row.number),
            "count": places[row.id],
        }
        messages += _messages(row.id, kind, f"ticket:{row.id}:near", to, values, now)
    return enqueue(connection, messages, now=now)


def _near(
    session: Session, *, office: OfficeInfo, services: Iterable[str], now: datetime, within: int
) -> dict[int, int]:
    """The tickets ``within`` people or fewer of the head of their service's line, with
    the number of people before each."""
    policy = policy_for(office.queue_config)
    day = now.astimezone(office.zone).date()
    places: dict[int, int] = {}
    for service in sorted(set(services)):
        line = CallingWindow("", frozenset({service}))
        waiting = waiting_for_window(session, office=office, window=line, day=day)
        for before, ticket in enumerate(policy.order(waiting, now)[: within + 1]):
            places[ticket.id] = before
    return places


def text(kind: str, language: str, values: dict[str, str | int]) -> str:
    """The SMS text: two Cyrillic SMS parts at most."""
    gettext = translations(language).gettext
    texts = {
        "called": gettext("Kezek: ticket %(code)s, please go to window %(window)s."),
        "near": gettext("Kezek: ticket %(code)s, %(count)s people before you. Stay near."),
        "near_come": gettext(
            "Kezek: ticket %(code)s, %(count)s people before you. Come now and check in "
            "at the kiosk."
        ),
    }
    return texts[kind] % values


def _messages(
    ticket_id: int,
    kind: str,
    key: str,
    to: Sequence[Address],
    values: dict[str, str | int],
    now: datetime,
) -> list[Message]:
    return [
        Message(
            key=key,
            subject=subject_of(ticket_id),
            kind=kind,
            to=address,
            body=text(kind, address.language, values),
            due_at=now,
        )
        for address in to
    ]
