"""Finding a booking, or a lost reference: a mistake in the document number is said beside
that field, for what it is."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from .pages import submit


def _beside(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error"[^>]*>([^<]+)<', html)
    assert found, f"no error beside {field}"
    return found.group(1).strip()


def test_a_short_or_missing_document_number_is_named_beside_its_field(
    client: TestClient,
) -> None:
    client.headers["Accept-Language"] = "ru"
    short = submit(
        client, client.get("/manage"), "/manage", reference="7KQ2-M9XD", document_number="AB12"
    )
    empty = submit(client, client.get("/manage"), "/manage", reference="", document_number="")
    forgot = submit(
        client,
        client.get("/manage/forgot"),
        "/manage/forgot",
        document_number="AB12",
        phone="+996 555 000 001",
    )

    for page in (short, forgot):
        assert page.status_code == 422
        assert _beside(page.text, "document_number").startswith("В номере документа от 6 до 20")
    assert empty.status_code == 422 and _beside(empty.text, "document_number")
