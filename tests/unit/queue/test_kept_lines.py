"""A process works out an office's line once per change, for all its ticket pages."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from kezek.queue.status import KeptLines, LineEstimate

NOW = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
DAY = date(2025, 4, 1)


class Office:
    """Changes heard per office, and the line's work counted."""

    def __init__(self) -> None:
        self.changes: Counter[int] = Counter()
        self.worked = 0

    def work(self) -> LineEstimate:
        self.worked += 1
        return LineEstimate({1: NOW + timedelta(minutes=5), 2: NOW + timedelta(minutes=9)})


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


def test_pages_asking_at_once_wait_for_one_to_work_the_line_out() -> None:
    office = Office()
    kept = KeptLines(office.changes.__getitem__)
    started, go = threading.Event(), threading.Event()

    def slow_work() -> LineEstimate:
        started.set()
        go.wait(timeout=10)
        return office.work()

    first = threading.Thread(
        target=kept.line, args=(7, DAY), kwargs={"now": NOW, "work": slow_work}
    )
    first.start()
    started.wait(timeout=10)
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
