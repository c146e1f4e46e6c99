"""Call-next, start and finish on PostgreSQL in one SQL statement each, where the general
path needs a dozen and six.

The statement locks the clerk's open session of the window, orders the window's line by
the policy's own rules (``kezek.queue.policy``, written here as SQL: the keys below follow
``Policy.sort_key`` and ``Policy.line`` term by term), claims the first ticket present with
``FOR UPDATE SKIP LOCKED``, so that a ticket another window is taking at this instant is
passed over rather than waited for, marks it called, writes the event and sends the boards'
``NOTIFY`` (unless the server sends it after the commit: ``kezek.queue.bus``). A test
compares its choice with the pure
policy's on random lines (``tests/integration/queue/test_call_next_statement.py``).

Start and finish (``ACTIONS``) move a ticket at a window the clerk holds (any window, for
a manager), write the event and notify, in one statement; one that changes nothing leaves
the request to the general path, which says why: no such ticket, not in that state, or at
another clerk's window.

Each runs in the caller's transaction, or on its own in autocommit (``kezek.direct``), one
round trip where a transaction takes three, when nothing else is written with it: no
Idempotency-Key to record, no message to the citizen (``kezek.queue.service``).

Call-next leaves to the general path (``tickets.call_next``) what it does not do, by calling
nobody and saying why: a window that holds a citizen (to settle them, or refuse), and a line
in which a ticket taken from a phone, its holder not at the office yet, comes before the
one to call (its turn passes it over, or ends it: ``Policy.passing``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Engine, Row, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kezek.db import violated_constraint, with_retries
from kezek.direct import Direct
from kezek.network.directory import OfficeInfo
from kezek.queue import candidates
from kezek.queue.bus import CHANNEL
from kezek.queue.models import Ticket
from kezek.queue.policy import CallingWindow
from kezek.queue.tickets import WindowBusy
from kezek.types import as_utc

# The window's line, each waiting ticket with its keys: the corridor's own first, then
# the policy's place (appointments due, then those waiting past the cap, then priority
# groups, then everyone), the group's rank, the time that orders the class, the ticket.
# A sub-select, not a WITH query, so that the pick can lock its rows as it reads them: it
# must stay one PostgreSQL can flatten into the pick (no LIMIT, OFFSET, DISTINCT, aggregate,
# window function or WITH of its own), or the pick would lock every ticket it reads and
# leave the other windows calling at the same instant nobody.
# It reads only the heads of the line's classes (``heads``), as the general path does
# (``kezek.queue.candidates``, which says why they are enough): a line thousands long costs
# no more than one of a hundred (the indexes ``ix_ticket_*_in_line``).

# A waiting ticket of the window's services, today.
_WAITING = """t.office_id = :office_id AND t.status = 'waiting' AND t.day = :day
      AND t.service_id IN (SELECT id FROM wanted)"""

_HELD = f"""
WITH held AS (
    SELECT id, services FROM window_session
    WHERE window_id = :window_id AND status = 'open' AND staff_id = :staff_id
    FOR UPDATE
), wanted AS (
    SELECT service.id FROM service, held
    WHERE service.code IN (SELECT json_array_elements_text(held.services))
      AND service.code = ANY(CAST(:plan_services AS varchar[]))
), heads AS (
    SELECT t.id FROM ticket AS t WHERE {_WAITING} AND t.appointment_at IS NOT NULL
    UNION (
        SELECT t.id FROM ticket AS t
        WHERE {_WAITING} AND t.appointment_at IS NULL AND NOT t.remote
        ORDER BY t.arrived_at, t.id LIMIT :per_class
    ) UNION (
        SELECT t.id FROM ticket AS t
        WHERE {_WAITING} AND t.appointment_at IS NULL AND t.remote
          AND t.checked_in_at IS NULL AND t.passed_over_at IS NULL
        ORDER BY t.arrived_at, t.id LIMIT :per_class
    ) UNION
    SELECT t.id FROM ticket AS t
    WHERE {_WAITING} AND t.appointment_at IS NULL AND t.remote
      AND t.checked_in_at IS NULL AND t.passed_over_at IS NOT NULL
    UNION (
        SELECT t.id FROM ticket AS t
        WHERE {_WAITING} AND t.appointment_at IS NULL AND t.remote
          AND t.checked_in_at IS NOT NULL
        ORDER BY t.arrived_at, t.id LIMIT :per_class
    ) UNION (
        SELECT t.id FROM ticket AS t
        WHERE {_WAITING} AND t.appointment_at IS NULL AND t.remote
          AND t.checked_in_at IS NOT NULL
        ORDER BY t.checked_in_at, t.id LIMIT :per_class
    ) UNION
    SELECT oldest.id FROM unnest(CAST(:head_groups AS varchar[])) AS head(name)
    CROSS JOIN LATERAL (
        SELECT t.id FROM ticket AS t
        WHERE {_WAITING} AND t.appointment_at IS NULL AND NOT t.remote
          AND t."group" = head.name
        ORDER BY t.arrived_at, t.id LIMIT :per_class
    ) AS oldest
)"""

_LINE = """(
    SELECT t.id, t.absent,
           CASE WHEN t."group" = CAST(:corridor AS varchar) THEN 0 ELSE 1 END AS k0,
           CASE WHEN t.rank = 0 AND :overdue_first THEN 1
                WHEN t.rank = 1 AND :overdue_first THEN 0
                ELSE t.rank END AS k1,
           CASE WHEN t.rank = 2 THEN array_position(CAST(:groups AS varchar[]), t."group")
                ELSE 0 END AS k2,
           CASE t.rank WHEN 0 THEN t.appointment_at WHEN 1 THEN t.since
                ELSE t.arrived_at END AS k3
    FROM (
        SELECT w.*, CASE WHEN w.due THEN 0
                         WHEN NOT w.absent
                              AND CAST(:now AS timestamptz) - w.since >= :max_wait THEN 1
                         WHEN w."group" = ANY(CAST(:groups AS varchar[])) THEN 2
                         ELSE 3 END AS rank
        FROM (
            SELECT t.id, t."group", t.arrived_at, t.appointment_at,
                   t.remote AND t.checked_in_at IS NULL AS absent,
                   t.appointment_at IS NOT NULL
                       AND CAST(:now AS timestamptz) >= t.appointment_at - :call_early AS due,
                   CASE WHEN t.appointment_at IS NOT NULL
                            THEN greatest(t.arrived_at, t.appointment_at)
                        WHEN t.checked_in_at IS NOT NULL
                            THEN greatest(t.arrived_at, t.checked_in_at)
                        ELSE t.arrived_at END AS since
            FROM ticket AS t
            -- By the heads' ids alone, so that the plan reads them by key whatever the
            -- statistics say; the status again, for the lock's second look at a row.
            WHERE t.id = ANY(ARRAY(SELECT id FROM heads)) AND t.status = 'waiting'
        ) AS w
        WHERE w.appointment_at IS NULL OR :call_early_appointments OR w.due
    ) AS t
)"""

_CALL = (
    _HELD
    + """, busy AS (
    SELECT 1 FROM ticket WHERE window_id = :window_id AND status IN ('called', 'serving')
), picked AS (
    SELECT line.id, line.k0, line.k1, line.k2, line.k3
    FROM """
    + _LINE
    + """ AS line
    WHERE NOT line.absent
      AND EXISTS (SELECT 1 FROM held) AND NOT EXISTS (SELECT 1 FROM busy)
    ORDER BY line.k0, line.k1, line.k2, line.k3, line.id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
), ahead AS (
    SELECT 1 FROM picked, """
    + _LINE
    + """ AS line
    WHERE line.absent
      AND (line.k0, line.k1, line.k2, line.k3, line.id)
          < (picked.k0, picked.k1, picked.k2, picked.k3, picked.id)
), called AS (
    UPDATE ticket SET status = 'called', window_id = :window_id, called_at = :now,
                      calls = ticket.calls + 1, updated_at = :now
    FROM picked
    WHERE ticket.id = picked.id AND NOT EXISTS (SELECT 1 FROM ahead)
    RETURNING ticket.*
), event AS (
    INSERT INTO queue_event (ticket_id, office_id, kind, at, window_id, actor, detail)
    SELECT id, office_id, 'called', :now, :window_id, :actor, CAST('{}' AS json) FROM called
), told AS (
    SELECT pg_notify(:channel, :office) FROM called WHERE :notify
)
SELECT EXISTS (SELECT 1 FROM held) AS window_open,
       EXISTS (SELECT 1 FROM busy) AS busy,
       EXISTS (SELECT 1 FROM ahead) AS absent_ahead,
       (SELECT count(*) FROM told) AS told,
       called.*
FROM (SELECT 1) AS one LEFT JOIN called ON true
"""
)

CALL = text(_CALL)
_CALLING = Direct(CALL)


class Leave(Enum):
    """Why the statement called nobody and left the call to the general path."""

    window_busy = "window_busy"
    absent_ahead = "absent_ahead"


@dataclass(frozen=True)
class Outcome:
    window_open: bool
    ticket: Ticket | None  # the ticket called, detached; None: nobody, or left
    left: Leave | None = None


def call_in_one_statement(
    runner: Session | Engine,
    *,
    office: OfficeInfo,
    window: CallingWindow,
    staff_id: int,
    now: datetime,
    actor: str | None,
    notify: bool,
) -> Outcome:
    """Call the next ticket to ``window``, if the clerk ``staff_id`` has it open: in the
    session's transaction, or given the engine, committed on its own (``kezek.direct``: one
    round trip). ``notify``: the statement sends the boards' NOTIFY itself."""
    parameters = line_parameters(office, window, staff_id=staff_id, now=now)
    parameters |= {"actor": actor, "channel": CHANNEL, "office": str(office.id), "notify": notify}
    try:
        row = one_row(_CALLING, runner, parameters)
    except IntegrityError as exc:
        if violated_constraint(exc) != "uq_ticket_at_window":
            raise
        # The statement saw the window free as it began, but waited for its session's lock
        # while another call to it committed: as on the general path, that call won.
        raise WindowBusy(
            f"Window {window.code} has just called someone else.", reason="race"
        ) from None
    if not row.window_open:
        return Outcome(window_open=False, ticket=None)
    if row.busy:
        return Outcome(window_open=True, ticket=None, left=Leave.window_busy)
    if row.absent_ahead:
        return Outcome(window_open=True, ticket=None, left=Leave.absent_ahead)
    if row.id is None:
        return Outcome(window_open=True, ticket=None)
    return Outcome(window_open=True, ticket=detached(row))


def line_parameters(
    office: OfficeInfo, window: CallingWindow, *, staff_id: int, now: datetime
) -> dict[str, object]:
    config = office.queue_config
    plan = next(plan for plan in office.plan.windows if plan.code == window.code)
    day: date = now.astimezone(office.zone).date()
    return {
        "window_id": office.window_ids[window.code],
        "staff_id": staff_id,
        "office_id": office.id,
        "day": day,
        "now": now,
        "plan_services": sorted(plan.services),
        "call_early": config.call_early,
        "max_wait": config.max_wait,
        "groups": list(config.priority_groups),
        "corridor": window.corridor,
        "head_groups": candidates.head_groups(config.priority_groups, window.corridor),
        "per_class": candidates.PER_CLASS,
        "overdue_first": config.overdue_before_appointments,
        "call_early_appointments": config.call_early_appointments,
    }


# What a ticket at a window becomes, and which of its times is set.
ACTIONS = {"start": ("called", "serving", "started_at"), "finish": ("serving", "done", "ended_at")}

_ACT = """
WITH changed AS (
    UPDATE ticket SET status = :to,
                      started_at = CASE WHEN :stamp = 'started_at' THEN :now ELSE started_at END,
                      ended_at = CASE WHEN :stamp = 'ended_at' THEN :now ELSE ended_at END,
                      updated_at = :now
    WHERE id = :ticket_id AND status = :from
      AND (:oversees OR window_id IN (
          SELECT window_id FROM window_session WHERE staff_id = :staff_id AND status <> 'closed'
      ))
      AND (:any_office OR office_id = ANY(CAST(:office_ids AS integer[])))
    RETURNING ticket.*
), event AS (
    INSERT INTO queue_event (ticket_id, office_id, kind, at, window_id, actor, detail)
    SELECT id, office_id, :action, :now, window_id, :actor, CAST('{}' AS json) FROM changed
), told AS (
    SELECT pg_notify(:channel, CAST(office_id AS text)) FROM changed WHERE :notify
)
SELECT (SELECT count(*) FROM told) AS told, changed.* FROM (SELECT 1) AS one
LEFT JOIN changed ON true
"""
ACT = text(_ACT)
_ACTING = Direct(ACT)


def act_in_one_statement(
    runner: Session | Engine,
    *,
    ticket_id: int,
    action: str,
    staff_id: int,
    oversees: bool,
    office_ids: Collection[int] | None,
    now: datetime,
    actor: str | None,
    notify: bool,
) -> Ticket | None:
    """Start or finish the ticket, of one of ``office_ids`` (None: of any office); None
    when that changed nothing (the general path says why). In the session's transaction,
    or given the engine, committed on its own, as ``call_in_one_statement``."""
    before, after, stamp = ACTIONS[action]
    parameters = {
        "ticket_id": ticket_id,
        "action": action,
        "from": before,
        "to": after,
        "stamp": stamp,
        "staff_id": staff_id,
        "oversees": oversees,
        "any_office": office_ids is None,
        "office_ids": sorted(office_ids or ()),
        "now": now,
        "actor": actor,
        "channel": CHANNEL,
        "notify": notify,
    }
    row = one_row(_ACTING, runner, parameters)
    return None if row.id is None else detached(row)


def one_row(statement: Direct, runner: Session | Engine, parameters: dict[str, Any]) -> Any:
    """The statement's one row: in the session's transaction (which ``run_transaction``
    runs again after a deadlock), or on its own, run again here after a deadlock or a
    serialization failure, which rolled the whole statement back."""
    if isinstance(runner, Session):
        return statement.one(runner, parameters)
    return with_retries(lambda: statement.one(runner, parameters))


def detached(row: Row[Any] | Any) -> Ticket:
    """The ticket a statement returned, as an object the answers and messages can read;
    its times in UTC, as the column type gives them, also when read below it."""
    found = row._asdict()
    return Ticket(
        **{
            key: as_utc(value) if isinstance(value, datetime) else value
            for key, value in found.items()
            if key in _COLUMNS
        }
    )


_COLUMNS = frozenset(column.key for column in Ticket.__table__.columns)
