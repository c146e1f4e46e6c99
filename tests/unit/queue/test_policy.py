"""The call-next policy, rule by rule, with tables of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kezek.network.queue_config import LateArrival, PolicyConfig
from kezek.queue.policy import CallingWindow, CheckIn, Policy, Rank, WaitingTicket

DAY = datetime(2025, 4, 10, tzinfo=UTC)
ANY = CallingWindow("1", frozenset({"passport", "return"}))


def at(hhmm: str) -> datetime:
    hours, minutes = hhmm.split(":")
    return DAY + timedelta(hours=int(hours), minutes=int(minutes))


def walk_in(
    number: int, arrived: str, *, group: str | None = None, service: str = "passport"
) -> WaitingTicket:
    return WaitingTicket(number, service, at(arrived), group=group)


def booked(number: int, arrived: str, appointment: str, *, group: str | None = None):  # type: ignore[no-untyped-def]
    return WaitingTicket(
        number, "passport", at(arrived), group=group, appointment_at=at(appointment)
    )


CASES = {
    # name: (tickets, now, expected ticket id)
    "first come, first served": ([walk_in(1, "09:05"), walk_in(2, "09:00")], "09:10", 2),
    "a tie goes to the ticket issued first": (
        [walk_in(2, "09:00"), walk_in(1, "09:00")],
        "09:10",
        1,
    ),
    "a due appointment goes before earlier walk-ins": (
        [walk_in(1, "08:30"), booked(2, "09:50", "10:00")],
        "10:00",
        2,
    ),
    "an appointment is due from 5 minutes before": (
        [walk_in(1, "08:30"), booked(2, "09:50", "10:00")],
        "09:55",
        2,
    ),
    "an appointment is not due 6 minutes before": (
        [walk_in(1, "08:30"), booked(2, "09:50", "10:00")],
        "09:54",
        1,
    ),
    "an early appointment holder queues by arrival until then": (
        [walk_in(1, "09:00"), booked(2, "08:30", "11:00")],
        "09:10",
        2,
    ),
    "due appointments go in order of booked time": (
        [booked(1, "09:00", "10:10"), booked(2, "09:30", "10:00")],
        "10:10",
        2,
    ),
    "a priority group goes before earlier walk-ins": (
        [walk_in(1, "09:00"), walk_in(2, "09:30", group="priority")],
        "09:40",
        2,
    ),
    "a due appointment goes before a priority group": (
        [walk_in(1, "09:00", group="priority"), booked(2, "09:30", "10:00")],
        "10:00",
        2,
    ),
    "a group that is not a priority group queues as everyone": (
        [walk_in(1, "09:00"), walk_in(2, "09:30", group="eaeu")],
        "09:40",
        1,
    ),
    "a ticket waiting two hours goes before priority and later walk-ins": (
        [walk_in(1, "08:00"), walk_in(2, "07:30", group="priority"), walk_in(3, "07:00")],
        "09:20",
        3,
    ),
    "a due appointment goes before a ticket waiting two hours": (
        [walk_in(1, "08:00"), booked(2, "09:55", "10:00")],
        "10:00",
        2,
    ),
    "overdue tickets go oldest first": (
        [walk_in(1, "07:30", group="priority"), walk_in(2, "07:00")],
        "10:00",
        2,
    ),
    "a ticket for a service the window does not serve is skipped": (
        [walk_in(1, "08:00", service="notarial"), walk_in(2, "09:00")],
        "09:10",
        2,
    ),
}


@pytest.mark.parametrize(("tickets", "now", "expected"), CASES.values(), ids=CASES.keys())
def test_the_default_policy(tickets: list[WaitingTicket], now: str, expected: int) -> None:
    called = Policy().next_ticket(ANY, tickets, at(now))
    assert called is not None
    assert called.id == expected


def test_priority_groups_go_in_the_configured_order() -> None:
    policy = Policy(PolicyConfig(priority_groups=("disability", "over75")))
    tickets = [walk_in(1, "09:00", group="over75"), walk_in(2, "09:30", group="disability")]

    assert [t.id for t in policy.order(tickets, at("09:40"))] == [2, 1]


def test_a_corridor_window_serves_its_group_first_then_others() -> None:
    corridor = CallingWindow("7", frozenset({"passport"}), corridor="eaeu")
    tickets = [walk_in(1, "08:00"), booked(2, "09:00", "09:00"), walk_in(3, "09:30", group="eaeu")]
    policy = Policy()

    first = policy.next_ticket(corridor, tickets, at("09:40"))
    second = policy.next_ticket(corridor, [t for t in tickets if t.id != 3], at("09:40"))

    assert first is not None and first.id == 3
    assert second is not None and second.id == 2  # the due appointment, by the usual order


def test_an_ordinary_window_serves_corridor_groups_in_the_usual_order() -> None:
    tickets = [walk_in(1, "08:00"), walk_in(2, "09:30", group="eaeu")]
    called = Policy().next_ticket(ANY, tickets, at("09:40"))
    assert called is not None and called.id == 1


def test_nothing_to_call() -> None:
    policy = Policy()
    assert policy.next_ticket(ANY, [], at("09:00")) is None
    only_other = [walk_in(1, "08:00", service="notarial")]
    assert policy.next_ticket(ANY, only_other, at("09:00")) is None


def test_early_appointments_can_be_held_back_until_due() -> None:
    policy = Policy(PolicyConfig(call_early_appointments=False))
    early = [booked(1, "08:00", "11:00")]

    assert policy.next_ticket(ANY, early, at("10:54")) is None
    called = policy.next_ticket(ANY, early, at("10:55"))
    assert called is not None and called.id == 1


CHECK_INS = {
    "on time": ("10:00", "10:03", LateArrival.walk_in, CheckIn.on_time),
    "within the early call": ("10:00", "09:55", LateArrival.walk_in, CheckIn.on_time),
    "early": ("10:00", "09:00", LateArrival.walk_in, CheckIn.early),
    "late within the grace": ("10:00", "10:15", LateArrival.walk_in, CheckIn.on_time),
    "late, becomes a walk-in": ("10:00", "10:16", LateArrival.walk_in, CheckIn.late_walk_in),
    "late, turned away": ("10:00", "10:16", LateArrival.refuse, CheckIn.refused),
}


@pytest.mark.parametrize(
    ("appointment", "arrived", "late_arrival", "expected"), CHECK_INS.values(), ids=CHECK_INS.keys()
)
def test_check_in(
    appointment: str, arrived: str, late_arrival: LateArrival, expected: CheckIn
) -> None:
    policy = Policy(PolicyConfig(late_arrival=late_arrival))
    assert policy.check_in(appointment_at=at(appointment), arrived_at=at(arrived)) == expected


@pytest.mark.parametrize(
    "config",
    [
        {"max_wait": timedelta(0)},
        {"call_early": timedelta(minutes=-1)},
        {"priority_groups": ("priority", "priority")},
    ],
)
def test_impossible_settings_are_refused(config: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PolicyConfig(**config)  # type: ignore[arg-type]


tickets = st.lists(
    st.builds(
        WaitingTicket,
        id=st.integers(1, 10_000),
        service=st.sampled_from(["passport", "return"]),
        arrived_at=st.integers(0, 600).map(lambda m: DAY + timedelta(minutes=m)),
        group=st.sampled_from([None, "priority", "eaeu"]),
        appointment_at=st.none() | st.integers(0, 700).map(lambda m: DAY + timedelta(minutes=m)),
    ),
    max_size=30,
    unique_by=lambda ticket: ticket.id,
)
moments = st.integers(0, 720).map(lambda m: DAY + timedelta(minutes=m))


def test_an_office_may_put_overdue_tickets_before_appointments() -> None:
    policy = Policy(PolicyConfig(overdue_before_appointments=True))
    tickets = [booked(1, "09:55", "10:00"), walk_in(2, "08:00"), walk_in(3, "09:00")]

    assert [t.id for t in policy.order(tickets, at("10:00"))] == [2, 1, 3]


def test_an_early_appointments_wait_counts_from_its_booked_time() -> None:
    policy = Policy(PolicyConfig(overdue_before_appointments=True))
    tickets = [booked(1, "07:00", "08:30"), walk_in(2, "08:10")]

    # The walk-in has waited 2 h 5 min; the appointment holder only 1 h 45 min since 08:30.
    assert [t.id for t in policy.order(tickets, at("10:15"))] == [2, 1]


@given(waiting=tickets, now=moments)
def test_only_a_due_appointment_overtakes_an_overdue_ticket(
    waiting: list[WaitingTicket], now: datetime
) -> None:
    policy = Policy()
    called = policy.next_ticket(ANY, waiting, now)
    overdue = [t for t in waiting if policy.rank(t, now) is Rank.overdue]

    if overdue:
        assert called is not None
        if policy.rank(called, now) is not Rank.appointment:
            assert policy.rank(called, now) is Rank.overdue
            assert policy.waiting_since(called) == min(policy.waiting_since(t) for t in overdue)


@given(waiting=tickets, now=moments)
def test_with_the_swap_no_overdue_ticket_is_overtaken(
    waiting: list[WaitingTicket], now: datetime
) -> None:
    policy = Policy(PolicyConfig(overdue_before_appointments=True))
    called = policy.next_ticket(ANY, waiting, now)
    overdue = [t for t in waiting if policy.rank(t, now) is Rank.overdue]

    if overdue:
        assert called is not None and policy.rank(called, now) is Rank.overdue
        assert policy.waiting_since(called) == min(policy.waiting_since(t) for t in overdue)


@given(waiting=tickets, now=moments)
def test_the_window_calls_the_head_of_the_order(
    waiting: list[WaitingTicket], now: datetime
) -> None:
    policy = Policy()
    order = policy.order(waiting, now)
    called = policy.next_ticket(ANY, waiting, now)
    assert called == (order[0] if order else None)
