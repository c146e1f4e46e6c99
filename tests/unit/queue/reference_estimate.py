"""The wait estimate as first written: simple, quadratic, and the oracle for the fast one."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from kezek.queue.estimate import OpenWindow, ServiceTimes
from kezek.queue.policy import CallingWindow, Policy, WaitingTicket


def reference_estimate_calls(
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
