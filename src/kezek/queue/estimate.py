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
    remaining = list(waiting)
    to_estimate = len(remaining)
    remaining += expected
    free: list[tuple[datetime, int, CallingWindow]] = [
        (max(open_window.free_at, now), order, open_window.window)
        for order, open_window in enumerate(windows)
    ]
    heapq.heapify(free)
    estimates: dict[int, datetime] = {}
    waiting_ids = {ticket.id for ticket in remaining[:to_estimate]}
    while free and len(estimates) < to_estimate:
        moment, order, window = heapq.heappop(free)
        present = [ticket for ticket in remaining if ticket.arrived_at <= moment]
        ticket = policy.next_ticket(window, present, moment)
        if ticket is None:
            later = _next_callable(policy, window, remaining, moment)
            if later is not None:
                heapq.heappush(free, (later, order, window))
            continue  # otherwise this window serves none of those left
        if ticket.id in waiting_ids:
            estimates[ticket.id] = moment
        remaining.remove(ticket)
        duration = mean(ticket.service) or timedelta(0)
        heapq.heappush(free, (moment + duration, order, window))
    return estimates


def _next_callable(
    policy: Policy, window: CallingWindow, remaining: list[WaitingTicket], moment: datetime
) -> datetime | None:
    """When the window next has someone to call: an expected arrival, or an early appointment
    holder whose time comes (with ``call_early_appointments`` off)."""
    times = [
        _callable_from(policy, ticket) for ticket in remaining if ticket.service in window.services
    ]
    later = [time for time in times if time > moment]
    return min(later, default=None)


def _callable_from(policy: Policy, ticket: WaitingTicket) -> datetime:
    if ticket.appointment_at is None or policy.config.call_early_appointments:
        return ticket.arrived_at
    return max(ticket.arrived_at, ticket.appointment_at - policy.config.call_early)
