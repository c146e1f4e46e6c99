"""The seed is committed to before applications open and checked against the commitment
after; the order it gives depends on the applicants' keys alone, and the chance to win does
not depend on when one applied."""

from __future__ import annotations

import hashlib
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from kezek.allocation.draw import Applicant, Bucket, Supply, allocate
from kezek.allocation.seed import commitment, draw_order, lot, new_seed, seed_matches

# The chi-square statistic's 0.999 quantile with 4 degrees of freedom (five groups).
CHI_SQUARE_4_999 = 18.467


def test_the_seed_matches_its_commitment_and_no_other() -> None:
    seed = new_seed()
    published = commitment(seed)

    assert len(seed) == 32 and published == hashlib.sha256(seed).hexdigest()
    assert seed_matches(seed, published.upper() + "\n")
    assert not seed_matches(new_seed(), published)


@given(st.lists(st.text(min_size=1, max_size=12), unique=True), st.binary(min_size=32))
def test_the_order_depends_on_the_keys_alone(keys: list[str], seed: bytes) -> None:
    order = draw_order(seed, keys)

    assert draw_order(seed, reversed(keys)) == order
    assert draw_order(seed, sorted(keys)) == order
    assert sorted(order) == sorted(keys)
    assert [lot(seed, key) for key in order] == sorted(lot(seed, key) for key in keys)


def test_another_seed_gives_another_order() -> None:
    keys = [f"applicant-{n}" for n in range(50)]

    assert draw_order(b"\x01" * 32, keys) != draw_order(b"\x02" * 32, keys)


def test_the_chance_to_win_does_not_depend_on_when_one_applied() -> None:
    """500 draws of 200 places among 1,000 applicants, who applied one after another: the
    wins of each fifth of them, by time of application, against an even split."""
    day = Bucket("msk", "passport", date(2025, 4, 1))
    # Keys as the service makes them: keyed hashes of documents, in order of application.
    keys = [hashlib.sha256(f"AC{n:07d}".encode()).hexdigest() for n in range(1000)]
    people = [Applicant(key, ((day,),)) for key in keys]
    applied = {key: n for n, key in enumerate(keys)}
    wins_by_fifth = [0] * 5
    for draw in range(500):
        seed = hashlib.sha256(f"draw {draw}".encode()).digest()
        outcome = allocate(people, {day: Supply(200)}, draw_order(seed, keys))
        for key in outcome.wins:
            wins_by_fifth[applied[key] // 200] += 1

    expected = 500 * 200 / 5
    chi_square = sum((wins - expected) ** 2 / expected for wins in wins_by_fifth)
    assert sum(wins_by_fifth) == 500 * 200
    assert chi_square < CHI_SQUARE_4_999, wins_by_fifth
