"""The draw gives each place once, each applicant at most one place from their own choices,
reserved places only to those they are reserved for, and leaves no one waiting who could have
had a place."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kezek.allocation.draw import OPEN, Applicant, Bucket, Supply, allocate
from kezek.allocation.seed import draw_order
from tests.unit.allocation.strategies import applicants, supplies

MSK = Bucket("msk", "passport", date(2025, 4, 1))
SPB = Bucket("spb", "passport", date(2025, 4, 1))


@given(applicants(), supplies(), st.binary(min_size=32, max_size=32))
def test_no_place_twice_no_applicant_twice_and_only_their_choices(
    people: list[Applicant], supply: dict[Bucket, Supply], seed: bytes
) -> None:
    outcome = allocate(people, supply, draw_order(seed, [a.key for a in people]))

    by_key = {a.key: a for a in people}
    taken = Counter((win.bucket, win.category) for win in outcome.wins.values())
    for (bucket, category), count in taken.items():
        assert count <= supply[bucket].free()[category]
    for key, win in outcome.wins.items():
        assert win.bucket in by_key[key].choices[win.choice]
        assert win.category == OPEN or win.category in by_key[key].categories
    assert set(outcome.wins).isdisjoint(outcome.waitlist)
    assert set(outcome.wins) | set(outcome.waitlist) == set(by_key)
    assert list(outcome.waitlist) == [k for k in outcome.order if k in outcome.waitlist]


@given(applicants(), supplies(), st.binary(min_size=32, max_size=32))
def test_no_one_is_left_with_worse_while_a_place_they_could_take_is_free(
    people: list[Applicant], supply: dict[Bucket, Supply], seed: bytes
) -> None:
    outcome = allocate(people, supply, draw_order(seed, [a.key for a in people]))

    for applicant in people:
        win = outcome.wins.get(applicant.key)
        better = applicant.choices if win is None else applicant.choices[: win.choice]
        for choice in better:
            for bucket in choice:
                left = outcome.left.get(bucket, {})
                usable = [OPEN, *applicant.categories]
                assert all(left.get(category, 0) == 0 for category in usable)


def test_the_reserve_serves_the_urgent_after_the_open_places_are_gone() -> None:
    supply = {MSK: Supply(3, (("urgent", 1),))}
    people = [
        Applicant("first", ((MSK,),)),
        Applicant("urgent-early", ((MSK,),), frozenset({"urgent"})),
        Applicant("third", ((MSK,),)),
        Applicant("urgent-late", ((MSK,),), frozenset({"urgent"})),
    ]

    outcome = allocate(people, supply, [a.key for a in people])

    # The urgent applicant early in the order takes an open place, keeping the reserved one
    # for the urgent applicant who comes after the open places are gone.
    assert {key: win.category for key, win in outcome.wins.items()} == {
        "first": OPEN,
        "urgent-early": OPEN,
        "urgent-late": "urgent",
    }
    assert outcome.waitlist == ("third",)


def test_each_gets_their_best_choice_still_free_and_a_week_in_its_days_order() -> None:
    week = (Bucket("msk", "passport", date(2025, 4, 2)), MSK)
    supply = {MSK: Supply(1), week[0]: Supply(1), SPB: Supply(1)}
    people = [
        Applicant("a", ((SPB,),)),
        Applicant("b", ((SPB,), week)),
        Applicant("c", (week,)),
    ]

    outcome = allocate(people, supply, ["a", "b", "c"])

    assert {key: (win.bucket, win.choice) for key, win in outcome.wins.items()} == {
        "a": (SPB, 0),
        "b": (week[0], 1),
        "c": (MSK, 0),
    }


def test_an_order_that_misses_an_applicant_is_refused() -> None:
    with pytest.raises(ValueError, match="exactly once"):
        allocate([Applicant("a", ((MSK,),))], {MSK: Supply(1)}, ["a", "a"])


@pytest.mark.parametrize(
    ("places", "reserves", "problem"),
    [
        (2, (("urgent", 3),), "exceed"),
        (-1, (), "negative"),
        (2, (("open", 1),), "'open'"),
        (2, (("urgent", 1), ("urgent", 1)), "named once"),
    ],
)
def test_a_supply_that_cannot_be_is_refused(
    places: int, reserves: tuple[tuple[str, int], ...], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        Supply(places, reserves)
