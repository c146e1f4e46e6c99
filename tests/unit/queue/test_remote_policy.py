"""The policy with tickets taken from phones: never called absent, passed over once in
their places, no-shows at a later turn past the grace; and their wait counted from the
check-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kezek.queue.policy import CallingWindow, Policy, Rank, WaitingTicket

DAY = datetime(2025, 4, 10, tzinfo=UTC)
ANY = CallingWindow("1", frozenset({"passport", "return"}))
GRACE = Policy().config.late_grace


def at(minutes: int) -> datetime:
    return DAY + timedelta(minutes=minutes)


def walk_in(number: int, arrived: int) -> WaitingTicket:
    return WaitingTicket(number, "passport", at(arrived))


def by_phone(
    number: int, taken: int, *, checked_in: int | None = None, passed_over: int | None = None
) -> WaitingTicket:
    return WaitingTicket(
        number,
        "passport",
        at(taken),
        remote=True,
        checked_in_at=None if checked_in is None else at(checked_in),
        passed_over_at=None if passed_over is None else at(passed_over),
    )


def turn(waiting: list[WaitingTicket], now: int) -> tuple[int | None, int | None, list[int]]:
    """(called, passed over now, no-shows) at ``now``."""
    policy = Policy()
    line = policy.line(ANY, waiting, at(now))
    called = policy.next_ticket(ANY, waiting, at(now))
    passing = policy.passing(line, called, at(now))
    return (
        called.id if called else None,
        passing.passed_over.id if passing.passed_over else None,
        [ticket.id for ticket in passing.no_shows],
    )


def test_an_absent_ticket_is_passed_over_and_the_next_present_one_called() -> None:
    assert turn([by_phone(1, 0), walk_in(2, 60)], now=70) == (2, 1, [])


def test_checked_in_it_is_called_in_its_place() -> None:
    assert turn([by_phone(1, 0, checked_in=65, passed_over=62), walk_in(2, 60)], now=70) == (
        1,
        None,
        [],
    )


def test_passed_over_and_still_absent_it_is_a_no_show_once_the_grace_is_over() -> None:
    waiting = [by_phone(1, 0, passed_over=60), walk_in(2, 61), walk_in(3, 62)]

    assert turn(waiting, now=60 + GRACE.seconds // 60 - 1) == (2, None, [])
    assert turn(waiting, now=60 + GRACE.seconds // 60) == (2, None, [1])


def test_one_turn_passes_over_one_absent_ticket() -> None:
    waiting = [by_phone(1, 0, passed_over=60), by_phone(2, 1), by_phone(3, 2), walk_in(4, 60)]

    assert turn(waiting, now=61) == (4, 2, [])


def test_nobody_called_passes_nobody_over() -> None:
    assert turn([by_phone(1, 0), by_phone(2, 5, passed_over=10)], now=300) == (None, None, [])


def test_absent_tickets_behind_the_one_called_keep_their_turn() -> None:
    assert turn([walk_in(1, 0), by_phone(2, 5)], now=10) == (1, None, [])


def test_the_wait_of_a_ticket_from_a_phone_counts_from_its_check_in() -> None:
    policy = Policy()
    taken_early = by_phone(1, 0, checked_in=150)

    assert policy.waiting_since(taken_early) == at(150)
    assert policy.rank(taken_early, at(200)) is Rank.everyone
    assert policy.rank(taken_early, at(270)) is Rank.overdue
    # Absent, it waits for nothing: never past the cap, however early it was taken.
    assert policy.rank(by_phone(2, 0), at(600)) is Rank.everyone


waiting_lines = st.lists(
    st.builds(
        WaitingTicket,
        id=st.integers(1, 10_000),
        service=st.sampled_from(["passport", "return"]),
        arrived_at=st.integers(0, 600).map(at),
        group=st.sampled_from([None, "priority"]),
        appointment_at=st.none() | st.integers(0, 700).map(at),
        remote=st.booleans(),
        checked_in_at=st.none() | st.integers(0, 700).map(at),
        passed_over_at=st.none() | st.integers(0, 700).map(at),
    ).filter(lambda t: not t.remote or t.appointment_at is None),
    max_size=30,
    unique_by=lambda ticket: ticket.id,
)
moments = st.integers(0, 720).map(at)


@given(waiting=waiting_lines, now=moments)
def test_a_call_never_calls_an_absent_ticket_and_passes_over_only_those_ahead(
    waiting: list[WaitingTicket], now: datetime
) -> None:
    policy = Policy()
    line = policy.line(ANY, waiting, now)
    called = policy.next_ticket(ANY, waiting, now)
    passing = policy.passing(line, called, now)
    ahead = line[: line.index(called)] if called else []

    assert called is None or not called.absent
    # The one called is the first present ticket of the line.
    assert called == next((t for t in line if not t.absent), None)
    if passing.passed_over is not None:
        assert passing.passed_over.absent and passing.passed_over.passed_over_at is None
        # The first in line of those never passed over: one per turn.
        fresh = [t for t in ahead if t.absent and t.passed_over_at is None]
        assert passing.passed_over == fresh[0]
    for gone in passing.no_shows:
        assert gone in ahead and gone.absent
        assert gone.passed_over_at is not None and now - gone.passed_over_at >= GRACE


@given(waiting=waiting_lines, now=moments)
def test_an_absent_ticket_keeps_its_place_and_is_first_once_checked_in(
    waiting: list[WaitingTicket], now: datetime
) -> None:
    policy = Policy()
    line = policy.line(ANY, waiting, now)
    absent = [ticket for ticket in line if ticket.absent]
    if not absent:
        return
    first = absent[0]
    present = WaitingTicket(
        first.id,
        first.service,
        first.arrived_at,
        first.group,
        first.appointment_at,
        remote=True,
        checked_in_at=now,
        passed_over_at=first.passed_over_at,
    )
    others = [ticket for ticket in waiting if ticket.id != first.id]
    called = policy.next_ticket(ANY, [*others, present], now)

    # Checked in now, it is called unless a present ticket was before it in the line.
    before = [t for t in line[: line.index(first)] if not t.absent]
    assert called is not None
    assert (called.id == first.id) == (not before)
