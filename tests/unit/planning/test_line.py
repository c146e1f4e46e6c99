"""The compiled line against the plain reference, and what must always hold."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kezek.planning.line import Window, simulate_line

from .reference_line import reference_line

ORDERS = [(0, 1, 2), (1, 0, 2), (0, 1), (2,)]


@st.composite
def lines(draw: st.DrawFn) -> dict[str, object]:
    """A few windows with shifts and call orders, and people of three classes."""
    windows = []
    for _ in range(draw(st.integers(1, 4))):
        edges = sorted(draw(st.lists(st.integers(0, 60), min_size=0, max_size=6, unique=True)))
        shifts = tuple((float(a), float(b)) for a, b in zip(edges[::2], edges[1::2], strict=False))
        windows.append(Window(shifts, draw(st.sampled_from(ORDERS))))
    count = draw(st.integers(0, 25))
    # Whole minutes make ties between arrivals, ends and shifts common, as they are at 09:00.
    arrival = sorted(draw(st.lists(st.integers(0, 60), min_size=count, max_size=count)))
    return {
        "windows": windows,
        "arrival": [float(a) for a in arrival],
        "kind": draw(st.lists(st.integers(0, 2), min_size=count, max_size=count)),
        "duration": [
            float(d) for d in draw(st.lists(st.integers(1, 15), min_size=count, max_size=count))
        ],
        "patience": [
            math.inf if p > 30 else float(p)
            for p in draw(st.lists(st.integers(0, 40), min_size=count, max_size=count))
        ],
    }


@settings(max_examples=300, deadline=None)
@given(lines())
def test_the_compiled_line_serves_exactly_as_the_reference(case: dict[str, object]) -> None:
    start, served_by = reference_line(**case)  # type: ignore[arg-type]

    result = _simulate(case)

    assert result.window.tolist() == served_by
    np.testing.assert_array_equal(result.start, np.asarray(start))


@settings(max_examples=200, deadline=None)
@given(lines())
def test_everyone_is_served_gave_up_or_left_over_and_only_one_of_them(
    case: dict[str, object],
) -> None:
    result = _simulate(case)

    outcomes = result.served.astype(int) + result.abandoned + result.left_over
    assert (outcomes == 1).all()
    served = result.served
    assert (result.start[served] >= np.asarray(case["arrival"])[served]).all()


@settings(max_examples=200, deadline=None)
@given(lines())
def test_no_window_serves_two_people_at_once_or_outside_its_shifts(
    case: dict[str, object],
) -> None:
    result = _simulate(case)

    windows: list[Window] = case["windows"]  # type: ignore[assignment]
    for number, window in enumerate(windows):
        mine = np.nonzero(result.window == number)[0]
        order = np.argsort(result.start[mine])
        starts, ends = result.start[mine][order], result.end[mine][order]
        assert (starts[1:] >= ends[:-1]).all()
        for begins in starts:
            assert any(opens <= begins < closes for opens, closes in window.intervals)


def test_a_corridor_window_calls_its_group_first_and_others_when_none_wait() -> None:
    ordinary = Window(((0.0, 100.0),), (0, 1, 2))
    corridor = Window(((0.0, 100.0),), (1, 0, 2))
    # At 0 a walk-in (2), an appointment (0) and a priority person (1) wait.
    result = simulate_line(
        windows=[ordinary, corridor],
        arrival=np.asarray([0.0, 0.0, 0.0, 0.0]),
        kind=np.asarray([2, 0, 1, 2]),
        duration=np.asarray([10.0, 10.0, 10.0, 10.0]),
    )

    assert result.window.tolist() == [0, 0, 1, 1]
    assert result.start.tolist() == [10.0, 0.0, 0.0, 10.0]


def test_a_service_under_way_at_closing_is_finished_and_nobody_starts_after() -> None:
    result = simulate_line(
        windows=[Window(((0.0, 30.0),), (0,))],
        arrival=np.asarray([0.0, 1.0, 2.0]),
        kind=np.asarray([0, 0, 0]),
        duration=np.asarray([20.0, 20.0, 20.0]),
    )

    assert result.start[:2].tolist() == [0.0, 20.0]
    assert result.end[1] == 40.0
    assert result.left_over.tolist() == [False, False, True]


def test_bad_input_is_refused_with_the_reason() -> None:
    window = Window(((0.0, 10.0),), (0,))
    for arrival, kind, message in [
        ([2.0, 1.0], [0, 0], "sorted"),
        ([1.0, 2.0], [0, -1], "numbered from 0"),
        ([1.0], [0, 0], "one entry per person"),
    ]:
        try:
            simulate_line(
                windows=[window],
                arrival=np.asarray(arrival),
                kind=np.asarray(kind),
                duration=np.ones(len(arrival)),
            )
        except ValueError as exc:
            assert message in str(exc)
        else:
            raise AssertionError(f"{arrival}, {kind} was accepted")


def _simulate(case: dict[str, object]):  # type: ignore[no-untyped-def]
    return simulate_line(
        windows=case["windows"],  # type: ignore[arg-type]
        arrival=np.asarray(case["arrival"], dtype=float),
        kind=np.asarray(case["kind"], dtype=np.int64),
        duration=np.asarray(case["duration"], dtype=float),
        patience=np.asarray(case["patience"], dtype=float),
    )
