"""The staff token read from the Authorization header by one dependency of the request alone:
the bearer scheme only, in any case, and described in the OpenAPI document as before."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.api import router as queue_router
from kezek.staff.deps import StaffBearer
from kezek.staff.models import Role
from tests.integration.staff.helpers import bearer, make_staff

CALL_NEXT = "/api/v1/offices/bsk/windows/1/call-next"


@pytest.mark.parametrize(
    "authorization",
    ["Basic Y2xlcms6cGFzc3dvcmQ=", "Token abc", "Bearer", "Bearer ", "abc"],
)
def test_anything_but_a_bearer_token_is_refused(client: TestClient, authorization: str) -> None:
    response = client.post(CALL_NEXT, headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthorized"
    assert "Authorization: Bearer" in response.json()["detail"]


def test_the_scheme_is_read_in_any_case(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "clerk", Role.clerk, ["bsk"])
    token = bearer(client, "clerk")["Authorization"].removeprefix("Bearer ")

    response = client.post(CALL_NEXT, headers={"Authorization": f"bearer {token}"})

    assert response.status_code == 409  # signed in: the window is not open
    assert response.json()["code"] == "window_not_open"


def test_the_staff_dependency_depends_on_the_request_alone() -> None:
    # FastAPI solves each dependency anew on every request: the token and the app's context
    # as dependencies of their own doubled a clerk's request's cost of solving.
    route = next(
        r
        for r in queue_router.routes
        if isinstance(r, APIRoute) and r.path == "/offices/{office}/windows/{window}/call-next"
    )
    (staff,) = [d for d in route.dependant.dependencies if isinstance(d.call, StaffBearer)]

    assert staff.dependencies == [] and staff.path_params == staff.header_params == []


def test_staff_operations_still_declare_the_bearer_scheme(client: TestClient) -> None:
    document = client.get("/openapi.json").json()

    assert document["components"]["securitySchemes"] == {
        "HTTPBearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/auth/token",
        }
    }
    operation = document["paths"]["/api/v1/offices/{office}/windows/{window}/call-next"]["post"]
    assert operation["security"] == [{"HTTPBearer": []}]
