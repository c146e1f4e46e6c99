"""Wait estimates: the policy played forward over the open windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from kezek.network.queue_config import PolicyConfig
from kezek.queue.estimate import OpenWindow, ServiceTimes, estimate_calls
from kezek.queue.policy import CallingWindow, Policy, WaitingTicket
from tests.unit.queue.reference_estimate import reference_estimate_calls

NOW = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
PASSPORT = frozenset({"passport"})
MINUTES = {"passport": timedelta(minutes=20), "return": timedelta(minutes=10)}


def minutes(n: float) -> datetime:
    return NOW + timedelta(minutes=n)


def walk_ins(count: int, service: str = "passport") -> list[WaitingTicket]:
    return [WaitingTicket(i, service, minutes(-60 + i)) for i in range(1, count + 1)]


def test_one_window_calls_every_twenty_minutes() -> None:
    windows = [OpenWindow(CallingWindow("1", PASSPORT), NOW)]

    estimates = estimate_calls(
        policy=Policy(), waiting=walk_ins(3), windows=windows, service_times=MINUTES, now=NOW
    )

    assert estimates == {1: minutes(0), 2: minutes(20), 3: minutes(40)}


def test_two_windows_halve_the_wait_and_a_busy_window_starts_later() -> None:
    windows = [
        OpenWindow(CallingWindow("1", PASSPORT), NOW),
        OpenWindow(CallingWindow("2", PASSPORT), minutes(5)),  # its citizen leaves at 09:05
    ]

    estimates = estimate_calls(
        policy=Policy(), waiting=walk_ins(4), windows=windows, service_times=MINUTES, now=NOW
    )

    assert estimates == {1: minutes(0), 2: minutes(5), 3: minutes(20), 4: minutes(25)}


def test_a_ticket_no_open_window_serves_gets_no_estimate() -> None:
    windows = [OpenWindow(CallingWindow("1", PASSPORT), NOW)]
    waiting = [*walk_ins(1), WaitingTicket(9, "return", minutes(-30))]

    estimates = estimate_calls(
        policy=Policy(), waiting=waiting, windows=windows, service_times=MINUTES, now=NOW
    )

    assert estimates == {1: NOW}


def test_a_due_appointment_is_estimated_ahead_of_earlier_walk_ins() -> None:
    windows = [OpenWindow(CallingWindow("1", PASSPORT), NOW)]
    appointment = WaitingTicket(9, "passport", minutes(-1), appointment_at=minutes(20))

    estimates = estimate_calls(
        policy=Policy(),
        waiting=[*walk_ins(3), appointment],
        windows=windows,
        service_times=MINUTES,
        now=NOW,
    )

    # Walk-in 1 at 09:00; at 09:20 the appointment is due and goes before walk-ins 2 and 3.
    assert estimates == {1: minutes(0), 9: minutes(20), 2: minutes(40), 3: minutes(60)}


def test_a_held_back_early_appointment_is_called_when_it_becomes_due() -> None:
    policy = Policy(PolicyConfig(call_early_appointments=False))
    windows = [OpenWindow(CallingWindow("1", PASSPORT), NOW)]
    early = WaitingTicket(9, "passport", minutes(-10), appointment_at=minutes(65))

    estimates = estimate_calls(
        policy=policy, waiting=[early], windows=windows, service_times=MINUTES, now=NOW
    )

    assert estimates == {9: minutes(60)}


def test_service_times_follow_the_clerks_pace() -> None:
    times = ServiceTimes({"passport": timedelta(minutes=20)}, weight=0.5)

    times.observe("passport", timedelta(minutes=10))
    times.observe("passport", timedelta(minutes=10))

    assert times.mean("passport") == timedelta(minutes=12, seconds=30)


tickets = st.lists(
    st.builds(
        WaitingTicket,
        id=st.integers(1, 10_000),
        service=st.sampled_from(["passport", "return"]),
        arrived_at=st.integers(-300, 0).map(minutes),
        group=st.sampled_from([None, "priority", "eaeu"]),
        appointment_at=st.none() | st.integers(-60, 120).map(minutes),
    ),
    max_size=25,
    unique_by=lambda ticket: ticket.id,
)
window_sets = st.lists(
    st.builds(
        CallingWindow,
        code=st.just("w"),
        services=st.sets(st.sampled_from(["passport", "return"]), min_size=1).map(frozenset),
        corridor=st.sampled_from([None, "eaeu"]),
    ),
    min_size=1,
    max_size=4,
)


@given(waiting=tickets, windows=window_sets)
def test_every_servable_ticket_gets_one_estimate_no_earlier_than_now(
    waiting: list[WaitingTicket], windows: list[CallingWindow]
) -> None:
    estimates = estimate_calls(
        policy=Policy(),
        waiting=waiting,
        windows=[OpenWindow(window, NOW) for window in windows],
        service_times=MINUTES,
        now=NOW,
    )

    servable = {t.id for t in waiting if any(t.service in w.services for w in windows)}
    assert set(estimates) == servable
    assert all(moment >= NOW for moment in estimates.values())


@given(waiting=tickets)
def test_one_window_calls_in_the_policy_order_back_to_back(waiting: list[WaitingTicket]) -> None:
    window = CallingWindow("1", frozenset({"passport", "return"}))
    estimates = estimate_calls(
        policy=Policy(),
        waiting=waiting,
        windows=[OpenWindow(window, NOW)],
        service_times=MINUTES,
        now=NOW,
    )

    by_time = sorted(waiting, key=lambda ticket: estimates[ticket.id])
    gaps = [estimates[b.id] - estimates[a.id] for a, b in pairwise(by_time)]
    assert gaps == [MINUTES[a.service] for a in by_time[:-1]]


def test_a_booked_citizen_due_later_pushes_back_the_walk_ins() -> None:
    windows = [OpenWindow(CallingWindow("1", PASSPORT), minutes(10))]  # busy until 09:10
    booked = WaitingTicket(-7, "passport", minutes(5), appointment_at=minutes(10))

    estimates = estimate_calls(
        policy=Policy(),
        waiting=walk_ins(1),
        windows=windows,
        service_times=MINUTES,
        now=NOW,
        expected=[booked],
    )

    # Without the booking the walk-in would be called at 09:10; the expected one gets none.
    assert estimates == {1: minutes(30)}


def test_a_window_waits_for_an_expected_arrival_it_may_serve_first() -> None:
    windows = [OpenWindow(CallingWindow("1", PASSPORT), NOW)]
    booked = WaitingTicket(-7, "passport", minutes(15), appointment_at=minutes(20))

    estimates = estimate_calls(
        policy=Policy(),
        waiting=walk_ins(2),
        windows=windows,
        service_times=MINUTES,
        now=NOW,
        expected=[booked],
    )

    # The first walk-in is called now; at 09:20 the booked citizen is due and goes first.
    assert estimates == {1: minutes(0), 2: minutes(40)}


DAY = datetime(2025, 4, 10, 8, 0, tzinfo=UTC)
at_minute = st.integers(0, 300).map(lambda m: DAY + timedelta(minutes=m))
some_tickets = st.lists(
    st.builds(
        WaitingTicket,
        id=st.integers(1, 10_000),
        service=st.sampled_from(["passport", "return"]),
        arrived_at=at_minute,
        group=st.sampled_from([None, "priority", "eaeu"]),
        appointment_at=st.none() | at_minute,
    ),
    max_size=40,
    unique_by=lambda ticket: ticket.id,
)
some_windows = st.lists(
    st.builds(
        OpenWindow,
        window=st.builds(
            CallingWindow,
            code=st.sampled_from(["1", "2", "3"]),
            services=st.sampled_from([PASSPORT, frozenset({"return"}), frozenset(MINUTES)]),
            corridor=st.sampled_from([None, "eaeu", "priority"]),
        ),
        free_at=at_minute,
    ),
    min_size=1,
    max_size=4,
)
some_policies = st.builds(
    PolicyConfig,
    max_wait=st.sampled_from([timedelta(minutes=30), timedelta(hours=2)]),
    call_early_appointments=st.booleans(),
    overdue_before_appointments=st.booleans(),
).map(Policy)


@given(
    tickets=some_tickets,
    windows=some_windows,
    policy=some_policies,
    now=at_minute,
    expected_share=st.integers(0, 3),
)
def test_the_fast_estimate_agrees_with_the_simple_one(
    tickets: list[WaitingTicket],
    windows: list[OpenWindow],
    policy: Policy,
    now: datetime,
    expected_share: int,
) -> None:
    # Some tickets have arrived by now; some are bookings expected later.
    waiting = [t for t in tickets if t.arrived_at <= now]
    later = [t for t in tickets if t.arrived_at > now and t.id % 4 < expected_share]
    arguments = {
        "policy": policy,
        "waiting": waiting,
        "windows": windows,
        "service_times": MINUTES,
        "now": now,
        "expected": later,
    }

    assert estimate_calls(**arguments) == reference_estimate_calls(**arguments)  # type: ignore[arg-type]
