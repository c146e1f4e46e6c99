"""Who is called next: the live queue's fair, configurable call-next policy.

Pure code: the queue service passes in the waiting tickets, the calling window and the
time, and gets back the ticket to call. In plain words, with the default settings:

1. Appointments whose time has come: from ``call_early`` before the booked time
   (5 minutes) on, in order of booked time. What is booked is bounded by the booking grid
   (a place per bookable window and slot), so appointments cannot starve the walk-ins.
2. Then anyone who has waited longer than ``max_wait``, oldest first: from then on, no
   priority citizen and no later walk-in overtakes them. An office where walk-ins should
   go even before due appointments sets ``overdue_before_appointments``.
3. Then priority groups, such as people over 75 or with a group-I disability, in the order
   the groups are listed, each first come, first served.
4. Then everyone else, first come, first served. An appointment holder who is early waits
   here until the booked time comes round, unless ``call_early_appointments`` is off, in
   which case the ticket is not called before ``call_early``.

A window dedicated to a group (a "corridor", such as ``eaeu``) applies the same order to
that group's tickets first, and serves others only when none of the group is waiting. A
window only ever calls tickets for the services its clerk chose to serve. Ties go to the
ticket issued first. How long a ticket has waited counts from its arrival, or from the
booked time for an appointment holder who came early; a transfer keeps the arrival.

Arrivals for an appointment are sorted at check-in by ``check_in``: on time, early, or
late; a late arrival (after ``late_grace``) becomes a walk-in or is turned away, as the
office chooses.

A ticket taken from a phone (``remote``) keeps its place in line from when it was taken,
but is called only once its holder has checked in at the office; until then it is
``absent``, and its wait for the ageing cap starts only at the check-in. Each call is one
turn of the line: the absent tickets ahead of the one called had their turn and missed it
(``passing``). The first of them not passed over before is passed over now, keeping its
place; one passed over at least ``late_grace`` ago, and still absent, is a no-show. A turn
given to nobody (no one present waits) passes nobody over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from functools import cached_property, lru_cache

from kezek.network.queue_config import LateArrival, PolicyConfig


class CheckIn(StrEnum):
    on_time = "on_time"
    early = "early"
    late_walk_in = "late_walk_in"
    refused = "refused"


@dataclass(frozen=True)
class WaitingTicket:
    id: int  # issue order: the smaller, the earlier
    service: str
    arrived_at: datetime  # the first arrival; a transfer keeps it
    group: str | None = None
    appointment_at: datetime | None = None  # set for an appointment holder on time or early
    remote: bool = False  # taken from a phone before coming
    checked_in_at: datetime | None = None  # when a remote ticket's holder came
    passed_over_at: datetime | None = None  # when a remote ticket's turn came in its absence

    @property
    def absent(self) -> bool:
        """Taken from a phone, and its holder not at the office yet: not called."""
        return self.remote and self.checked_in_at is None


@dataclass(frozen=True)
class CallingWindow:
    code: str
    services: frozenset[str]  # what the clerk serves now
    corridor: str | None = None


@dataclass(frozen=True)
class Passing:
    """What a call does to the absent tickets ahead of the one it calls."""

    passed_over: WaitingTicket | None = None  # its turn came: passed over, keeps its place
    no_shows: tuple[WaitingTicket, ...] = ()  # passed over before, absent again: no-shows


class Rank(IntEnum):
    """The classes of the policy, called in this order (see ``Policy.ranks`` for the swap)."""

    appointment = 0
    overdue = 1
    priority = 2
    everyone = 3


@dataclass(frozen=True)
class Policy:
    config: PolicyConfig = field(default_factory=PolicyConfig)

    def check_in(self, *, appointment_at: datetime, arrived_at: datetime) -> CheckIn:
        if arrived_at > appointment_at + self.config.late_grace:
            if self.config.late_arrival is LateArrival.walk_in:
                return CheckIn.late_walk_in
            return CheckIn.refused
        if arrived_at < appointment_at - self.config.call_early:
            return CheckIn.early
        return CheckIn.on_time

    def next_ticket(
        self, window: CallingWindow, waiting: Iterable[WaitingTicket], now: datetime
    ) -> WaitingTicket | None:
        candidates = self.candidates(window, waiting, now)
        return candidates[0] if candidates else None

    def candidates(
        self, window: CallingWindow, waiting: Iterable[WaitingTicket], now: datetime
    ) -> list[WaitingTicket]:
        """Every ticket the window may call, best first.

        The queue tries them in turn, so that a ticket another window is taking at the same
        instant is passed over rather than waited for.
        """
        return [ticket for ticket in self.line(window, waiting, now) if not ticket.absent]

    def line(
        self, window: CallingWindow, waiting: Iterable[WaitingTicket], now: datetime
    ) -> list[WaitingTicket]:
        """The window's line, best first: what it may call, and the absent tickets in their
        places."""
        callable_here = [
            ticket
            for ticket in waiting
            if ticket.service in window.services and self._callable(ticket, now)
        ]
        ranked = sorted(callable_here, key=lambda ticket: self.sort_key(ticket, now))
        if window.corridor is None:
            return ranked
        own = [ticket for ticket in ranked if ticket.group == window.corridor]
        return own + [ticket for ticket in ranked if ticket.group != window.corridor]

    def passing(
        self, line: list[WaitingTicket], called: WaitingTicket | None, now: datetime
    ) -> Passing:
        """What calling ``called`` (from the window's ``line``) does to the absent tickets
        ahead of it; nothing when nobody is called."""
        if called is None:
            return Passing()
        ahead = [ticket for ticket in line[: line.index(called)] if ticket.absent]
        fresh = [ticket for ticket in ahead if ticket.passed_over_at is None]
        # Waited for long enough: as long as a holder of a time may be late.
        gone = tuple(
            ticket
            for ticket in ahead
            if ticket.passed_over_at is not None
            and now - ticket.passed_over_at >= self.config.late_grace
        )
        return Passing(fresh[0] if fresh else None, gone)

    def order(self, waiting: Iterable[WaitingTicket], now: datetime) -> list[WaitingTicket]:
        """Everyone waiting, in the order the policy would call them at ``now``."""
        return sorted(waiting, key=lambda ticket: self.sort_key(ticket, now))

    def sort_key(self, ticket: WaitingTicket, now: datetime) -> tuple[int, int, datetime, int]:
        rank = self.rank(ticket, now)
        place = self._places[rank]
        if rank is Rank.appointment:
            assert ticket.appointment_at is not None
            return (place, 0, ticket.appointment_at, ticket.id)
        if rank is Rank.overdue:
            return (place, 0, self.waiting_since(ticket), ticket.id)
        if rank is Rank.priority:
            assert ticket.group is not None
            return (
                place,
                self.config.priority_groups.index(ticket.group),
                ticket.arrived_at,
                ticket.id,
            )
        return (place, 0, ticket.arrived_at, ticket.id)

    def rank(self, ticket: WaitingTicket, now: datetime) -> Rank:
        if ticket.appointment_at is not None and self._due(ticket, now):
            return Rank.appointment
        if not ticket.absent and now - self.waiting_since(ticket) >= self.config.max_wait:
            return Rank.overdue
        if ticket.group in self.config.priority_groups:
            return Rank.priority
        return Rank.everyone

    @cached_property
    def _places(self) -> dict[Rank, int]:
        if self.config.overdue_before_appointments:
            return {Rank.overdue: 0, Rank.appointment: 1, Rank.priority: 2, Rank.everyone: 3}
        return {rank: rank.value for rank in Rank}

    def waiting_since(self, ticket: WaitingTicket) -> datetime:
        """An appointment holder who came early has waited only since the booked time, and
        the holder of a ticket from a phone only since checking in."""
        if ticket.appointment_at is not None:
            return max(ticket.arrived_at, ticket.appointment_at)
        if ticket.checked_in_at is not None:
            return max(ticket.arrived_at, ticket.checked_in_at)
        return ticket.arrived_at

    def _due(self, ticket: WaitingTicket, now: datetime) -> bool:
        assert ticket.appointment_at is not None
        return now >= ticket.appointment_at - self.config.call_early

    def _callable(self, ticket: WaitingTicket, now: datetime) -> bool:
        if ticket.appointment_at is None or self.config.call_early_appointments:
            return True
        return self._due(ticket, now)


@lru_cache(maxsize=256)  # one per office configuration, a few dozen at most
def policy_for(config: PolicyConfig) -> Policy:
    """One policy per configuration, so that what it works out once is kept."""
    return Policy(config)
