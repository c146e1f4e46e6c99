from __future__ import annotations

import pytest

from kezek.booking.reference import (
    ALPHABET,
    display_reference,
    new_reference,
    normalize_reference,
)


def test_references_are_8_unambiguous_characters() -> None:
    codes = {new_reference() for _ in range(2000)}

    assert len(codes) == 2000
    assert all(len(code) == 8 and set(code) <= set(ALPHABET) for code in codes)
    assert not set("ILOU") & set("".join(codes))


@pytest.mark.parametrize("typed", ["7kq2-m9xd", "7KQ2 M9XD", " 7kq2m9xd "])
def test_typed_references_are_normalized(typed: str) -> None:
    assert normalize_reference(typed) == "7KQ2M9XD"


def test_lookalike_letters_map_to_digits() -> None:
    assert normalize_reference("OIL0-0000") == "01100000"


@pytest.mark.parametrize("typed", ["", "7KQ2M9X", "7KQ2M9XD1", "7KQ2M9X!", "7KQ2M9XU"])
def test_bad_references_are_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="booking reference"):
        normalize_reference(typed)


def test_display_form() -> None:
    assert display_reference("7KQ2M9XD") == "7KQ2-M9XD"
