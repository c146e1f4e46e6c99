"""What is wrong is said, not only that something is: a digit in a name, a document number
too short, a date as people write it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import document

from .pages import submit, text, to_details

DETAILS = "/book/bsk/long/details"


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [
        ("full_name", "Асанов Айбек 2", "В имени не бывает цифр."),
        ("full_name", "Асанов @йбек", "В имени используйте только буквы, пробелы, дефисы"),
        ("full_name", "Асанов 艾别克", "Напишите имя кириллицей или латиницей"),
        ("document_number", "AC12", "В номере документа от 6 до 20 букв и цифр."),
        ("document_number", "АС№12345?7", "Укажите номер паспорта или ID-карты — только буквы"),
        ("legal_stay_until", "31.02.2025", "например 10.09.2025, или оставьте поле пустым."),
    ],
)
def test_a_mistake_is_named_for_what_it_is(
    client: TestClient, field: str, typed: str, said: str
) -> None:
    fields = {
        "full_name": "Асанов Айбек",
        "phone": "+996 555 123 456",
        "document_number": document(1),
        "legal_stay_until": "",
    }
    fields[field] = typed

    refused = submit(client, to_details(client, "ru"), DETAILS, **fields)

    assert refused.status_code == 422
    assert said in text(refused)
    assert f'id="{field}-error"' in refused.text


def test_a_date_written_by_hand_is_read_and_shown_in_the_readers_format(
    client: TestClient,
) -> None:
    booked = submit(
        client,
        to_details(client, "ru"),
        DETAILS,
        full_name="Асанов Айбек",
        phone="+996 555 123 456",
        document_number=document(1),
        legal_stay_until="10.09.2025",
    )

    assert "Законное пребывание до 10.09.2025" in text(booked)
