from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import booking_body, document


def _book(client: TestClient) -> str:
    reference: str = client.post("/api/v1/bookings", json=booking_body()).json()["reference"]
    return reference


def test_it_shows_the_booking_to_its_holder(client: TestClient) -> None:
    reference = _book(client)

    response = client.get(
        f"/api/v1/bookings/{reference}", headers={"X-Document-Number": document(1)}
    )

    assert response.status_code == 200
    assert response.json()["reference"] == reference
    assert response.json()["service"]["code"] == "quick"


def test_it_accepts_the_reference_as_typed_by_a_person(client: TestClient) -> None:
    reference = _book(client)
    typed = f"{reference[:4].lower()} - {reference[4:].lower()}".replace("0", "o").replace("1", "l")

    response = client.get(f"/api/v1/bookings/{typed}", headers={"X-Document-Number": document(1)})

    assert response.status_code == 200


def test_a_wrong_document_number_looks_like_an_unknown_reference(client: TestClient) -> None:
    reference = _book(client)

    wrong = client.get(f"/api/v1/bookings/{reference}", headers={"X-Document-Number": document(2)})
    unknown = client.get("/api/v1/bookings/ZZZZZZZZ", headers={"X-Document-Number": document(1)})

    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.json()["code"] == "not_found"


def test_it_requires_the_document_number_header(client: TestClient) -> None:
    reference = _book(client)

    response = client.get(f"/api/v1/bookings/{reference}")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "x-document-number"
    assert response.json()["errors"][0]["in"] == "header"
