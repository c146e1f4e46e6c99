from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.staff.models import ApiToken, Role, StaffUser
from kezek.staff.service import disable_staff
from tests.integration.staff.helpers import PASSWORD, bearer, make_staff


def test_a_clerk_signs_in_and_gets_a_bearer_token(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])

    response = client.post("/api/v1/auth/token", json={"username": "Aibek", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 12 * 3600
    with sessions() as session:
        stored = session.scalars(select(ApiToken.token_hash)).one()
        password_hash = session.scalars(select(StaffUser.password_hash)).one()
    assert stored != body["access_token"] and len(stored) == 64
    assert password_hash.startswith("$argon2id$")


def test_a_wrong_password_and_an_unknown_user_look_the_same(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])

    wrong = client.post("/api/v1/auth/token", json={"username": "aibek", "password": "nope"})
    unknown = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "nope"})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_staff_endpoints_need_a_valid_token(client: TestClient) -> None:
    missing = client.post("/api/v1/offices/bsk/windows/1/call-next")
    forged = client.post(
        "/api/v1/offices/bsk/windows/1/call-next",
        headers={"Authorization": "Bearer not-a-token"},
    )

    assert missing.status_code == forged.status_code == 401
    assert missing.json()["code"] == "unauthorized"


def test_disabling_a_user_ends_their_tokens(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    headers = bearer(client, "aibek")

    run_transaction(sessions, lambda session: disable_staff(session, username="aibek"))
    response = client.post("/api/v1/offices/bsk/windows/1/call-next", headers=headers)

    assert response.status_code == 401
