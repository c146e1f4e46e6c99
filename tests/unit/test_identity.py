from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kezek.booking.identity import (
    document_hash,
    document_tail,
    normalize_document,
    normalize_full_name,
    normalize_phone,
)


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("AC1234567", "AC1234567"),
        ("ac 123 45 67", "AC1234567"),
        ("АС1234567", "AC1234567"),  # Cyrillic А and С
        ("ID-0123456", "ID0123456"),
        ("№ AN 1234567", "AN1234567"),
        ("ＡＣ１２３４５６７", "AC1234567"),  # full-width, from some phone keyboards
    ],
)
def test_document_numbers_are_normalized(typed: str, normal: str) -> None:
    assert normalize_document(typed) == normal


@pytest.mark.parametrize(
    "typed", ["", "AC12", "AC12345$7", "A" * 21, "AC\u200b1234567", "ДЖ1234567"]
)
def test_bad_document_numbers_are_refused(typed: str) -> None:
    with pytest.raises(ValueError, match=r"passport|invisible"):
        normalize_document(typed)


def test_the_hash_depends_on_the_secret_and_hides_the_number() -> None:
    one = document_hash("AC1234567", secret=b"one")
    assert one == document_hash("AC1234567", secret=b"one")
    assert one != document_hash("AC1234567", secret=b"two")
    assert one != document_hash("AC1234568", secret=b"one")
    assert "1234567" not in one and len(one) == 64
    assert document_tail("AC1234567") == "567"


@given(st.text(alphabet="ABCDEFGHJKLMNPRSTUVWXYZ0123456789", min_size=6, max_size=20))
def test_normalizing_is_idempotent(number: str) -> None:
    assert normalize_document(normalize_document(number)) == normalize_document(number)


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("  Асанов   Айбек ", "Асанов Айбек"),
        ("Жылдызбек уулу Нурлан", "Жылдызбек уулу Нурлан"),
        ("Өмүрбеков Үсөн", "Өмүрбеков Үсөн"),
        ("O'Brien-Smith Anna", "O'Brien-Smith Anna"),
        ("Аи\u0306бек", "Айбек"),
    ],
)
def test_names_in_cyrillic_or_latin(typed: str, normal: str) -> None:
    assert normalize_full_name(typed) == normal


@pytest.mark.parametrize("typed", ["A", "Agent 007", "山田", "محمد", "Ivan\tPetrov", "x" * 201])
def test_bad_names_are_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        normalize_full_name(typed)


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("+7 916 123-45-67", "RU", "+79161234567"),
        ("8 (916) 123-45-67", "RU", "+79161234567"),
        ("+996 555 123 456", "RU", "+996555123456"),
        ("0555 123 456", "KG", "+996555123456"),
    ],
)
def test_phones_become_e164(typed: str, region: str, e164: str) -> None:
    assert normalize_phone(typed, region=region) == e164


@pytest.mark.parametrize("typed", ["", "12345", "+7 916", "not a phone", "+999 123 456 789"])
def test_bad_phones_are_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="country code"):
        normalize_phone(typed)
