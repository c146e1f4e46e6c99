"""The day replay's checker catches each broken promise, so that its silence means something."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from tests.integration.queue.replay import ZONE, Person, QueueChecker, Seen

DAY = datetime.combine(datetime(2025, 4, 10), time(9), tzinfo=ZONE)


def seen(
    ticket_id: int,
    arrived: int,
    *,
    service: str = "quick",
    group: str | None = None,
    appointment: int | None = None,
) -> Seen:
    """A ticket that arrived ``arrived`` minutes after 09:00."""
    at = DAY + timedelta(minutes=arrived)
    booked = DAY + timedelta(minutes=appointment) if appointment is not None else None
    person = Person(arrives_at=at, service=service, service_minutes=10, appointment_at=booked)
    return Seen(ticket_id, "secret", service, group, at, booked, at, person)


def checker_with(*tickets: Seen) -> QueueChecker:
    checker = QueueChecker()
    for ticket in tickets:
        checker.issued(ticket)
    return checker


def minutes(n: int) -> datetime:
    return DAY + timedelta(minutes=n)


def test_a_fair_call_raises_nothing() -> None:
    checker = checker_with(seen(1, 0), seen(2, 5))

    checker.call("1", 1, minutes(10))

    assert checker.broken == []


def test_a_later_walk_in_called_first_breaks_fifo() -> None:
    checker = checker_with(seen(1, 0), seen(2, 5))

    checker.call("1", 2, minutes(10))

    assert checker.broken and "FIFO" in checker.broken[0]


def test_passing_over_an_overdue_walk_in_breaks_ageing() -> None:
    checker = checker_with(seen(1, 0, service="long"), seen(2, 50, group="priority"))

    checker.call("1", 2, minutes(61))

    assert checker.broken and "ageing" in checker.broken[0]


def test_passing_over_a_due_appointment_is_caught() -> None:
    checker = checker_with(seen(1, 0), seen(2, 20, service="long", appointment=30))

    checker.call("1", 1, minutes(30))

    assert checker.broken and "appointment" in checker.broken[0]


def test_a_corridor_may_serve_its_group_first() -> None:
    checker = checker_with(seen(1, 0), seen(2, 50, group="priority"))

    checker.call("4", 2, minutes(61))

    assert checker.broken == []


def test_an_idle_window_with_people_waiting_is_caught() -> None:
    checker = checker_with(seen(1, 0))

    checker.idle("2", minutes(1))

    assert checker.broken and "nobody waits" in checker.broken[0]


def test_a_second_call_of_one_ticket_is_caught() -> None:
    checker = checker_with(seen(1, 0), seen(2, 1))
    checker.call("1", 1, minutes(2))
    checker.issued(seen(1, 0))

    checker.call("2", 1, minutes(3))

    assert any("called twice" in problem for problem in checker.broken)
