"""Hypothesis strategies for draws: a few buckets with reserves, applicants who rank them."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from kezek.allocation.draw import Applicant, Bucket, Supply

CATEGORIES = ("urgent", "disabled")
BUCKETS = [
    Bucket(office, "passport", date(2025, 4, 1) + timedelta(days=day))
    for office in ("msk", "spb")
    for day in range(3)
]


@st.composite
def supplies(draw: st.DrawFn) -> dict[Bucket, Supply]:
    found = {}
    for bucket in draw(st.lists(st.sampled_from(BUCKETS), min_size=1, max_size=6, unique=True)):
        places = draw(st.integers(0, 4))
        urgent = draw(st.integers(0, places))
        disabled = draw(st.integers(0, places - urgent))
        found[bucket] = Supply(places, (("urgent", urgent), ("disabled", disabled)))
    return found


@st.composite
def applicants(draw: st.DrawFn) -> list[Applicant]:
    count = draw(st.integers(0, 25))
    found = []
    for n in range(count):
        ranked = draw(st.lists(st.sampled_from(BUCKETS), max_size=4, unique=True))
        # Choices of one day or of several (as "any day this week" expands).
        choices: list[tuple[Bucket, ...]] = []
        while ranked:
            size = draw(st.integers(1, len(ranked)))
            choices.append(tuple(ranked[:size]))
            ranked = ranked[size:]
        categories = draw(st.frozensets(st.sampled_from(CATEGORIES)))
        found.append(Applicant(f"a{n:03d}", tuple(choices), categories))
    return found
