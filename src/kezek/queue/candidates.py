"""The waiting tickets a window might call next, read without reading the whole line.

A migration centre can have thousands waiting. The policy only ever picks among the oldest
walk-ins (first come, first served, and the oldest are the first past the ageing cap), the
oldest of each priority group and of the window's corridor group, and appointment holders,
whom the booking grid keeps few. So each of those is read with an index and a limit, and
the policy orders their union. Tickets taken from a phone are read apart: those whose
holders have not checked in are never called, and would otherwise fill the walk-ins'
limit at opening, when hundreds taken since the morning wait ahead of the door; and
those checked in have waited only since then, so the oldest of them by taking are not
the first past the ageing cap.
``LIMIT`` leaves room for the windows calling at the same instant, whose claims
``SKIP LOCKED`` passes over. A ticket from a phone has no group (``remote``), so the
groups' oldest are read among walk-ins only. The call-next statement reads the same heads
(``kezek.queue.one_statement``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TypeAlias

from sqlalchemy import Select, bindparam, false, select
from sqlalchemy.orm import Session

from kezek.network.directory import OfficeInfo
from kezek.queue.models import Ticket, TicketStatus
from kezek.queue.policy import CallingWindow, WaitingTicket

PER_CLASS = 64
WaitingRows: TypeAlias = (
    "Select[int, int, datetime, str | None, datetime | None, bool, datetime | None, "
    "datetime | None]"
)

# Built once: on the call-next path, building a statement costs more than running it.
_WAITING = select(
    Ticket.id,
    Ticket.service_id,
    Ticket.arrived_at,
    Ticket.group,
    Ticket.appointment_at,
    Ticket.remote,
    Ticket.checked_in_at,
    Ticket.passed_over_at,
).where(
    Ticket.office_id == bindparam("office_id"),
    Ticket.status == TicketStatus.waiting,
    Ticket.day == bindparam("day"),
    Ticket.service_id.in_(bindparam("service_ids", expanding=True)),
)
_APPOINTMENTS = _WAITING.where(Ticket.appointment_at.is_not(None))
_WALK_INS = _WAITING.where(Ticket.appointment_at.is_(None), Ticket.remote == false())


def _oldest(query: WaitingRows) -> WaitingRows:
    return query.order_by(Ticket.arrived_at, Ticket.id).limit(bindparam("per_class"))


_OLDEST_WALK_INS = _oldest(_WALK_INS)
_OLDEST_OF_GROUP = _oldest(_WALK_INS.where(Ticket.group == bindparam("group")))
# From phones: absent, or at the office, whose place counts from the taking and whose wait
# for the ageing cap from the check-in, so the earliest of each are read.
_ABSENT = _WAITING.where(Ticket.remote, Ticket.checked_in_at.is_(None))
# The first never passed over is the one whose turn comes. Those passed over are read
# whole: each call passes over one at most, and a call once the grace is over ends all
# those it passed over before it, so they are never more than the calls of one grace.
_OLDEST_ABSENT = _oldest(_ABSENT.where(Ticket.passed_over_at.is_(None)))
_PASSED_OVER = _ABSENT.where(Ticket.passed_over_at.is_not(None))
_CHECKED_IN = _WAITING.where(Ticket.remote, Ticket.checked_in_at.is_not(None))
_OLDEST_CHECKED_IN = _oldest(_CHECKED_IN)
_FIRST_CHECKED_IN = _CHECKED_IN.order_by(Ticket.checked_in_at, Ticket.id).limit(
    bindparam("per_class")
)


def head_groups(groups: Sequence[str], corridor: str | None) -> list[str]:
    """The groups whose oldest walk-ins are heads: the priority groups, and the corridor's."""
    return [*groups, *([corridor] if corridor is not None and corridor not in groups else [])]


def waiting_for_window(
    session: Session, *, office: OfficeInfo, window: CallingWindow, day: date
) -> list[WaitingTicket]:
    codes = office.service_codes
    where = {
        "office_id": office.id,
        "day": day,
        "service_ids": [
            service_id for service_id, code in codes.items() if code in window.services
        ],
        "per_class": PER_CLASS,
    }
    groups = head_groups(office.queue_config.priority_groups, window.corridor)
    found: dict[int, WaitingTicket] = {}
    for query, group in [
        (_APPOINTMENTS, None),
        (_OLDEST_WALK_INS, None),
        (_OLDEST_ABSENT, None),
        (_PASSED_OVER, None),
        (_OLDEST_CHECKED_IN, None),
        (_FIRST_CHECKED_IN, None),
        *((_OLDEST_OF_GROUP, group) for group in groups),
    ]:
        for row in session.execute(query, {**where, "group": group}):
            found[row.id] = WaitingTicket(
                row.id,
                codes[row.service_id],
                row.arrived_at,
                row.group,
                row.appointment_at,
                remote=row.remote,
                checked_in_at=row.checked_in_at,
                passed_over_at=row.passed_over_at,
            )
    return list(found.values())
