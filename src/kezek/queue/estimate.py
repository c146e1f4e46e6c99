"""When each waiting ticket will be called: the policy played forward over the open windows.

Each open window becomes free at some moment: now if idle, or when its current citizen is
expected to leave. The estimate repeatedly takes the window that frees first, lets the
policy choose its next ticket among those still waiting at that moment, and books the
window for that service's mean duration. So the estimate honours everything the policy
does (appointments, priority groups, corridors, ageing, which services each window
serves), and a ticket no open window serves gets no estimate.

Appointment holders who have booked for later today but not checked in yet are known in
advance: passed as ``expected``, they join the line played forward when they are due, as
they will in the office, and push back the walk-ins they will overtake.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from kezek.queue.policy import CallingWindow, Policy, WaitingTicket


@dataclass(frozen=True)
class OpenWindow:
    window: CallingWindow
    free_at: datetime  # now, or when the citizen at the window is expected to leave


@dataclass
class ServiceTimes:
    """Exponentially weighted mean service time per service, started from the configured one.

    ``weight`` is how much one finished service moves the mean: 0.1 follows the last few
    dozen citizens, which is what a clerk's pace over the last hour looks like.
    """

    means: dict[str, timedelta]
    weight: float = 0.1

    def observe(self, service: str, took: timedelta) -> None:
        old = self.means[service]
        self.means[service] = old + (took - old) * self.weight

    def mean(self, service: str) -> timedelta:
        return self.means[service]


def estimate_calls(
    *,
    policy: Policy,
    waiting: Iterable[WaitingTicket],
    windows: Iterable[OpenWindow],
    service_times: ServiceTimes | Mapping[str, timedelta],
    now: datetime,
    expected: Iterable[WaitingTicket] = (),
) -> dict[int, datetime]:
    """Estimated call time per waiting ticket id; those no open window serves are left out.

    ``expected`` tickets take part from their ``arrived_at`` on, and get no estimate.
    """
    mean = service_times.mean if isinstance(service_times, ServiceTimes) else service_times.get
    open_windows = list(windows)
    corridors = {w.window.corridor for w in open_windows if w.window.corridor is not None}
    line = _Line(policy, corridors)
    to_estimate = {ticket.id for ticket in line.join(waiting, now)}
    line.join(expected, now)
    free: list[tuple[datetime, int, CallingWindow]] = [
        (max(open_window.free_at, now), order, open_window.window)
        for order, open_window in enumerate(open_windows)
    ]
    heapq.heapify(free)
    estimates: dict[int, datetime] = {}
    while free and len(estimates) < len(to_estimate):
        moment, order, window = heapq.heappop(free)
        line.catch_up(moment)
        ticket = line.best(window)
        if ticket is None:
            later = line.next_change()
            if later is not None:
                heapq.heappush(free, (later, order, window))
            continue  # otherwise this window serves none of those left
        line.take(ticket)
        if ticket.id in to_estimate:
            estimates[ticket.id] = moment
        duration = mean(ticket.service) or timedelta(0)
        heapq.heappush(free, (moment + duration, order, window))
    return estimates


_Entry = tuple[tuple[int, int, datetime, int], int, int]  # policy key, ticket id, version


class _Line:
    """The waiting line in policy order, cheap to ask "who is next for this window?".

    A ticket's place under the policy changes only at known moments: when it may first be
    called, when its appointment falls due, when it passes the ageing cap. Between those it
    keeps its key, so the line is a heap per service (and per service and corridor group),
    and each of those moments re-files the ticket with its new key; older entries are
    skipped when they reach the top. So a day of n tickets plays out in O(n log n), not
    O(n²): thousands waiting at a migration centre still get their estimate at once.
    """

    def __init__(self, policy: Policy, corridors: set[str]) -> None:
        self.policy = policy
        self.corridors = corridors
        self.tickets: dict[int, WaitingTicket] = {}
        self.version: dict[int, int] = {}
        self.by_service: dict[str, list[_Entry]] = {}
        self.by_group: dict[tuple[str, str], list[_Entry]] = {}
        self.changes: list[tuple[datetime, int]] = []  # (when, ticket id)

    def join(self, tickets: Iterable[WaitingTicket], now: datetime) -> list[WaitingTicket]:
        joined = list(tickets)
        config = self.policy.config
        for ticket in joined:
            self.tickets[ticket.id] = ticket
            self.version[ticket.id] = 0
            callable_from = _callable_from(self.policy, ticket)
            moments = [callable_from, self.policy.waiting_since(ticket) + config.max_wait]
            if ticket.appointment_at is not None:
                moments.append(ticket.appointment_at - config.call_early)
            for moment in moments:
                if moment > now and moment >= callable_from:
                    heapq.heappush(self.changes, (moment, ticket.id))
            if callable_from <= now:
                self._file(ticket, now)
        return joined

    def catch_up(self, moment: datetime) -> None:
        while self.changes and self.changes[0][0] <= moment:
            _, ticket_id = heapq.heappop(self.changes)
            ticket = self.tickets.get(ticket_id)
            if ticket is not None:
                self._file(ticket, moment)

    def next_change(self) -> datetime | None:
        return self.changes[0][0] if self.changes else None

    def best(self, window: CallingWindow) -> WaitingTicket | None:
        if window.corridor is not None:
            own = self._best_of(
                self.by_group.get((service, window.corridor)) for service in window.services
            )
            if own is not None:
                return own
        return self._best_of(self.by_service.get(service) for service in window.services)

    def take(self, ticket: WaitingTicket) -> None:
        del self.tickets[ticket.id]

    def _file(self, ticket: WaitingTicket, moment: datetime) -> None:
        self.version[ticket.id] += 1
        entry = (self.policy.sort_key(ticket, moment), ticket.id, self.version[ticket.id])
        heapq.heappush(self.by_service.setdefault(ticket.service, []), entry)
        if ticket.group in self.corridors:
            assert ticket.group is not None
            heapq.heappush(self.by_group.setdefault((ticket.service, ticket.group), []), entry)

    def _best_of(self, heaps: Iterable[list[_Entry] | None]) -> WaitingTicket | None:
        best: _Entry | None = None
        for heap in heaps:
            while heap and not self._current(heap[0]):
                heapq.heappop(heap)
            if heap and (best is None or heap[0] < best):
                best = heap[0]
        return None if best is None else self.tickets[best[1]]

    def _current(self, entry: _Entry) -> bool:
        _, ticket_id, version = entry
        return ticket_id in self.tickets and self.version[ticket_id] == version


def _callable_from(policy: Policy, ticket: WaitingTicket) -> datetime:
    if ticket.appointment_at is None or policy.config.call_early_appointments:
        return ticket.arrived_at
    return max(ticket.arrived_at, ticket.appointment_at - policy.config.call_early)
