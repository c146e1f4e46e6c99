"""A process works out an office's line once per change, for all its ticket pages."""

from __future__ import annotations

import threading
from collections import Counter, namedtuple
from datetime import UTC, date, datetime, timedelta

from kezek.queue.status import KeptLines, LineEstimate

NOW = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
DAY = date(2025, 4, 1)

Read = namedtuple(  # the database row's attributes, as the line reads them
    "Read",
    "id office_id day prefix number status window_id remote checked_in_at passed_over_at "
    "language secret_hash ended_at",
)


def _read(ticket_id: int, status: str = "waiting", window_id: int | None = None) -> Read:
    return Read(
        ticket_id, 7, DAY, "A", ticket_id, status, window_id, False, None, None, None, "hash", None
    )


class Office:
    """Changes heard per office, and the line's work counted."""

    def __init__(self) -> None:
        self.changes: Counter[int] = Counter()
        self.worked = 0

    def work(self) -> LineEstimate:
        self.worked += 1
        estimates = {1: NOW + timedelta(minutes=5), 2: NOW + timedelta(minutes=9)}
        # 5: no open window serves it; 9: called to a window
        rows = {n: _read(n) for n in (1, 2, 5)} | {9: _read(9, "called", window_id=3)}
        return LineEstimate(estimates, frozenset({1, 2, 5}), rows=rows)


def test_pages_read_between_two_changes_share_one_line() -> None:
    office = Office()
    kept = KeptLines(office.changes.__getitem__)

    lines = [kept.line(7, DAY, now=NOW + timedelta(seconds=s), work=office.work) for s in (0, 3, 6)]

    assert office.worked == 1
    assert lines[0].position(NOW + timedelta(minutes=9)) == 2


def test_a_change_of_the_office_works_the_line_out_again() -> None:
    office = Office()
    kept = KeptLines(office.changes.__getitem__)
    kept.line(7, DAY, now=NOW, work=office.work)

    office.changes[7] += 1
    kept.line(7, DAY, now=NOW, work=office.work)
    office.changes[8] += 1  # another office
    kept.line(7, DAY, now=NOW, work=office.work)

    assert office.worked == 2


def test_a_line_is_kept_no_longer_than_its_age_nor_across_days() -> None:
    office = Office()
    kept = KeptLines(office.changes.__getitem__, max_age=timedelta(seconds=10))
    kept.line(7, DAY, now=NOW, work=office.work)

    kept.line(7, DAY, now=NOW + timedelta(seconds=10), work=office.work)
    kept.line(7, DAY, now=NOW - timedelta(seconds=1), work=office.work)  # a clock set back
    kept.line(7, DAY + timedelta(days=1), now=NOW - timedelta(seconds=1), work=office.work)

    assert office.worked == 4


def _working_slowly(kept: KeptLines, office: Office) -> tuple[threading.Thread, threading.Event]:
    """A page's thread working the line out until the event returned is set."""
    started, go = threading.Event(), threading.Event()

    def slow_work() -> LineEstimate:
        started.set()
        go.wait(timeout=10)
        return office.work()

    working = threading.Thread(
        target=kept.line, args=(7, DAY), kwargs={"now": NOW, "work": slow_work}
    )
    working.start()
    started.wait(timeout=10)
    return working, go


def test_pages_asking_at_once_wait_for_one_to_work_the_line_out() -> None:
    office = Office()
    kept = KeptLines(office.changes.__getitem__)
    first, go = _working_slowly(kept, office)
    others = [
        threading.Thread(target=kept.line, args=(7, DAY), kwargs={"now": NOW, "work": office.work})
        for _ in range(8)
    ]
    for thread in others:
        thread.start()
    go.set()
    for thread in [first, *others]:
        thread.join(timeout=10)

    assert office.worked == 1


def test_the_place_counts_the_tickets_estimated_before() -> None:
    line = LineEstimate(
        {1: NOW, 2: NOW + timedelta(minutes=4), 3: NOW + timedelta(minutes=4), 4: NOW}
    )

    assert [line.position(line.estimates[n]) for n in (1, 2, 3, 4)] == [1, 3, 3, 1]
    assert line.position(None) is None


class Ticks:
    """The machine's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _busy(office: Office, ticks: Ticks) -> KeptLines:
    """An office worked out twice within a second: it is changing faster than it settles."""
    kept = KeptLines(office.changes.__getitem__, ticks=ticks)
    kept.line(7, DAY, now=NOW, work=office.work)
    office.changes[7] += 1
    ticks.now += 0.1
    kept.line(7, DAY, now=NOW, work=office.work)
    return kept


def test_a_busy_offices_line_is_worked_out_at_most_once_a_second() -> None:
    office, ticks = Office(), Ticks()
    kept = _busy(office, ticks)  # worked out at 100.1
    assert office.worked == 2

    for step in (0.2, 0.5, 0.99):  # changes keep coming; the business clock stands still
        office.changes[7] += 1
        ticks.now = 100.0 + step
        kept.line(7, DAY, now=NOW, work=office.work, holding=1)
    assert office.worked == 2

    ticks.now = 101.1  # a second after the last work
    kept.line(7, DAY, now=NOW, work=office.work, holding=1)
    assert office.worked == 3

    office.changes[7] += 1  # still busy: the next second is served from that work
    ticks.now = 101.2
    kept.line(7, DAY, now=NOW, work=office.work, holding=1)
    assert office.worked == 3


def test_a_long_lines_work_is_kept_ten_times_as_long_as_it_took() -> None:
    office, ticks = Office(), Ticks()
    kept = KeptLines(office.changes.__getitem__, ticks=ticks)

    def slow_work() -> LineEstimate:  # a line of thousands: half a second to work out
        ticks.now += 0.5
        return office.work()

    for _ in range(2):  # worked out twice within a second: busy
        office.changes[7] += 1
        kept.line(7, DAY, now=NOW, work=slow_work, holding=1)
    assert office.worked == 2
    finished = ticks.now

    for step in (1.5, 3.0, 4.9):  # changes keep coming: five seconds (10 x 0.5 s) serve
        office.changes[7] += 1
        ticks.now = finished + step
        kept.line(7, DAY, now=NOW, work=slow_work, holding=1)
    assert office.worked == 2

    ticks.now = finished + 5.1
    kept.line(7, DAY, now=NOW, work=slow_work, holding=1)
    assert office.worked == 3


def test_a_quiet_offices_change_is_shown_at_once_even_just_after_a_read() -> None:
    office, ticks = Office(), Ticks()
    kept = KeptLines(office.changes.__getitem__, ticks=ticks)

    for _ in range(3):  # quiet for two seconds, a page read, and a change a moment later
        ticks.now += 2
        office.changes[7] += 1
        kept.line(7, DAY, now=NOW, work=office.work, holding=1)
        ticks.now += 0.3
        office.changes[7] += 1
        kept.line(7, DAY, now=NOW, work=office.work, holding=1)

    assert office.worked == 6


def test_a_ticket_the_kept_line_does_not_hold_has_it_worked_out_again() -> None:
    office, ticks = Office(), Ticks()
    kept = _busy(office, ticks)
    office.changes[7] += 1
    ticks.now += 0.1

    kept.line(7, DAY, now=NOW, work=office.work, holding=2)  # in the line: kept
    kept.line(7, DAY, now=NOW, work=office.work, holding=5)  # in it, no window serves it
    assert office.worked == 2
    kept.line(7, DAY, now=NOW, work=office.work, holding=3)  # issued since: worked out
    assert office.worked == 3


def test_while_one_page_works_the_line_out_the_others_are_served_the_kept_one() -> None:
    office, ticks = Office(), Ticks()
    kept = KeptLines(office.changes.__getitem__, ticks=ticks)
    before = kept.line(7, DAY, now=NOW, work=office.work)
    office.changes[7] += 1
    working, go = _working_slowly(kept, office)
    # Asked while the work is under way, and answered without waiting for it.
    meanwhile = kept.line(7, DAY, now=NOW, work=office.work, holding=2)
    go.set()
    working.join(timeout=10)

    assert meanwhile is before
    assert office.worked == 2  # the first line, and the one worked out after the change


def test_a_line_two_seconds_old_is_not_served_while_another_is_worked_out() -> None:
    office, ticks = Office(), Ticks()
    kept = KeptLines(office.changes.__getitem__, ticks=ticks)
    before = kept.line(7, DAY, now=NOW, work=office.work)
    office.changes[7] += 1
    ticks.now += 2.5
    working, go = _working_slowly(kept, office)
    threading.Timer(0.5, go.set).start()  # only bounds the wait this page must make

    waited = kept.line(7, DAY, now=NOW, work=office.work, holding=2)
    working.join(timeout=10)

    assert waited is not before and office.worked == 2  # the line the other worked out


def test_a_page_reads_its_ticket_from_the_kept_line_which_it_never_works_out() -> None:
    office = Office()
    kept = KeptLines(office.changes.__getitem__)
    assert kept.held(2, now=NOW) is None  # nothing kept yet: the page goes to the database
    kept.line(7, DAY, now=NOW, work=office.work)

    line, waiting = kept.held(2, now=NOW + timedelta(seconds=3)) or (None, None)
    _, called = kept.held(9, now=NOW) or (None, None)

    assert line is not None and waiting is not None and called is not None
    assert (waiting.code, waiting.status, line.position(line.estimates[2])) == (
        "A-002",
        "waiting",
        2,
    )
    assert (called.status, called.window_id) == ("called", 3)
    assert kept.held(3, now=NOW) is None  # not in the line when it was worked out
    assert office.worked == 1


def test_after_a_change_a_quiet_offices_ticket_is_read_afresh() -> None:
    office = Office()
    kept = KeptLines(office.changes.__getitem__)
    kept.line(7, DAY, now=NOW, work=office.work)

    office.changes[7] += 1

    assert kept.held(9, now=NOW) is None
    assert kept.held(2, now=NOW + timedelta(seconds=10)) is None  # too old, too
    assert office.worked == 1


def test_a_busy_offices_tickets_are_read_from_its_line_for_a_second_after_its_work() -> None:
    office, ticks = Office(), Ticks()
    kept = _busy(office, ticks)  # worked out at 100.1
    office.changes[7] += 1

    ticks.now = 100.9
    assert kept.held(2, now=NOW) is not None
    assert kept.held(9, now=NOW) is None  # called there: since then maybe served, read afresh
    ticks.now = 101.2
    assert kept.held(2, now=NOW) is None
    assert office.worked == 2


def test_a_ticket_put_back_in_line_since_it_was_called_has_the_line_worked_out() -> None:
    office, ticks = Office(), Ticks()
    kept = _busy(office, ticks)  # worked out at 100.1, ticket 9 called in it
    office.changes[7] += 1  # 9 put back in line: its window closed
    ticks.now = 100.5

    kept.line(7, DAY, now=NOW, work=office.work, holding=9)

    assert office.worked == 3


def test_a_ticket_its_holder_checked_in_here_is_read_afresh_even_in_a_busy_office() -> None:
    office, ticks = Office(), Ticks()
    kept = _busy(office, ticks)  # worked out at 100.1
    ticks.now = 100.3
    kept.touched(2)  # its holder checked in at this process's kiosk
    office.changes[7] += 1

    ticks.now = 100.5
    assert kept.held(2, now=NOW) is None  # the kept row asks to check in: read afresh
    assert kept.held(1, now=NOW) is not None  # the others still from the kept line

    ticks.now = 101.5
    kept.line(7, DAY, now=NOW, work=office.work)  # worked out after the check-in
    assert kept.held(2, now=NOW) is not None


def test_a_check_in_while_the_line_is_worked_out_is_not_shown_from_that_work() -> None:
    office, ticks = Office(), Ticks()
    kept = _busy(office, ticks)  # worked out at 100.1: busy, kept across changes
    office.changes[7] += 1
    ticks.now = 101.5  # too old to serve across the change: worked out again

    def the_holder_checks_in_meanwhile() -> LineEstimate:
        line = office.work()  # its rows read: ticket 2 not checked in yet
        ticks.now = 101.52
        kept.touched(2)  # the check-in commits on another thread
        office.changes[7] += 1
        ticks.now = 101.55  # the work ends after the check-in
        return line

    kept.line(7, DAY, now=NOW, work=the_holder_checks_in_meanwhile)
    ticks.now = 101.6

    assert kept.held(2, now=NOW) is None
    assert kept.held(1, now=NOW) is not None
