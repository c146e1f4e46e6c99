"""A walk-in ticket on PostgreSQL in one statement, where the general path needs five.

In the queue day of ``bench/queue_day.py`` the kiosk's tickets are one request in four,
and through the ORM they took two fifths of the workers' time spent in routes: a read of
the day's closure, the day's counter, the ticket and its event, each flushed on its own,
and the boards' NOTIFY (unless the server sends it after the commit: ``kezek.queue.bus``).
The statement does all of it in one round trip: no number is taken and nothing is written
for a day whose line has closed. It runs in the caller's transaction when that also
records the request's Idempotency-Key, and on its own otherwise. The general path
(``tickets.issue_walk_in``) stays for SQLite and is the reference the tests compare this
with.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from datetime import datetime

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from kezek.direct import Direct
from kezek.network.directory import OfficeInfo
from kezek.queue.bus import CHANNEL
from kezek.queue.closing import refuse_if_closed
from kezek.queue.models import Ticket, TicketKind, TicketStatus
from kezek.queue.one_statement import detached, one_row
from kezek.queue.tickets import Issued, hash_ticket_secret, new_ticket_secret

ISSUE = text("""
WITH closed AS (
    SELECT 1 FROM queue_day_closure WHERE office_id = :office_id AND day = :day
), counted AS (
    INSERT INTO ticket_counter (office_id, day, prefix, last_number)
    SELECT :office_id, :day, :prefix, 1 WHERE NOT EXISTS (SELECT 1 FROM closed)
    ON CONFLICT (office_id, day, prefix)
        DO UPDATE SET last_number = ticket_counter.last_number + 1
    RETURNING last_number
), made AS (
    INSERT INTO ticket (office_id, service_id, day, prefix, number, kind, "group", status,
                        arrived_at, calls, secret_hash, updated_at, remote)
    SELECT :office_id, :service_id, :day, :prefix, last_number, :kind, :group, :status,
           :now, 0, :secret_hash, :now, false
    FROM counted
    RETURNING ticket.*
), event AS (
    INSERT INTO queue_event (ticket_id, office_id, kind, at, window_id, actor, detail)
    SELECT id, office_id, 'issued', :now, window_id, :actor, CAST(:detail AS json) FROM made
), told AS (
    SELECT pg_notify(:channel, CAST(office_id AS text)) FROM made WHERE :notify
)
SELECT (SELECT count(*) FROM told) AS told, made.* FROM (SELECT 1) AS one
LEFT JOIN made ON true
""")
_ISSUING = Direct(ISSUE)


def issue_in_one_statement(
    runner: Session | Engine,
    *,
    office: OfficeInfo,
    service_code: str,
    group: str | None,
    now: datetime,
    ticket_secret: str | None = None,
    actor: str | None = None,
    notify: bool,
) -> Issued:
    """A walk-in ticket, as ``tickets.issue_walk_in`` makes it: in the session's
    transaction, or given the engine, committed on its own (one round trip). ``notify``:
    the statement sends the boards' NOTIFY itself (``BoardBus.sends_notices``)."""
    service = office.service(service_code)
    day = now.astimezone(office.zone).date()
    ticket_secret = ticket_secret or new_ticket_secret()
    row = one_row(
        _ISSUING,
        runner,
        {
            "office_id": office.id,
            "service_id": service.id,
            "day": day,
            "prefix": service.ticket_prefix,
            "kind": TicketKind.walk_in.value,
            "group": group,
            "status": TicketStatus.waiting.value,
            "now": now,
            "secret_hash": hash_ticket_secret(ticket_secret),
            "actor": actor,
            "detail": json.dumps({"kind": TicketKind.walk_in.value}),
            "channel": CHANNEL,
            "notify": notify,
        },
    )
    if row.id is None:  # nothing written: the line has closed
        with Session(runner) if isinstance(runner, Engine) else nullcontext(runner) as session:
            refuse_if_closed(session, office=office, day=day)
        raise AssertionError("a ticket is refused only on a closed day")
    ticket: Ticket = detached(row)
    return Issued(ticket, ticket_secret)
