"""Staff accounts for tests anywhere in the suite: make one, and sign in for a bearer token."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.staff.models import Role
from kezek.staff.service import add_staff

PASSWORD = "correct horse battery"


def make_staff(
    sessions: sessionmaker[Session], username: str, role: Role, offices: list[str]
) -> None:
    run_transaction(
        sessions,
        lambda session: add_staff(
            session,
            username=username,
            full_name=username.title(),
            role=role,
            password=PASSWORD,
            office_codes=offices,
        ),
    )


def bearer(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
