"""How many SMS parts a text costs: GSM-7 160 alone, 153 a part; UCS-2 70 alone, 67 a part."""

from __future__ import annotations

import pytest

from kezek.notify.segments import is_gsm, segments


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # an extended character takes two septets: 160
        ("€" * 81, 2),
        ("a" * 158 + "[", 1),
        ("a" * 159 + "[", 2),
    ],
)
def test_gsm_7_packs_160_alone_and_153_a_part(text: str, parts: int) -> None:
    assert is_gsm(text)
    assert segments(text) == parts


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("б" * 70, 1),  # Russian and Kyrgyz are Cyrillic: UCS-2
        ("б" * 71, 2),
        ("б" * 134, 2),
        ("б" * 135, 3),
        ("ңөү" * 23 + "ң", 1),  # Kyrgyz letters, 70 of them
        ("a" * 69 + "ө", 1),  # one Cyrillic letter turns the whole text to UCS-2
        ("a" * 70 + "ө", 2),
    ],
)
def test_anything_outside_gsm_7_is_ucs_2_70_alone_and_67_a_part(text: str, parts: int) -> None:
    assert not is_gsm(text)
    assert segments(text) == parts


def test_an_emoji_counts_as_two_units() -> None:
    assert segments("🙂" * 35) == 1
    assert segments("🙂" * 35 + "б") == 2
    assert segments("б" * 69 + "🙂") == 2


def test_a_two_unit_character_is_never_split_between_parts() -> None:
    # 306 septets would be two parts, but the escape pair at septets 153-154 cannot be cut:
    # the first part carries 152 and the rest spill into a third.
    assert segments("a" * 152 + "€" + "a" * 152) == 3
    assert segments("a" * 151 + "€" + "a" * 153) == 2
    # Likewise a surrogate pair at UCS-2's part boundary of 67.
    assert segments("б" * 66 + "🙂" + "б" * 66) == 3
    assert segments("б" * 65 + "🙂" + "б" * 67) == 2


def test_gsm_7_s_own_accents_stay_gsm_others_do_not() -> None:
    assert is_gsm("Café à Zürich, Ñoño ¿?")
    assert not is_gsm("ç")  # only the capital Ç is in GSM-7's basic set
    assert not is_gsm("Сабина")
