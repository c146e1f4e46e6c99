"""The signed-in member of staff, as a FastAPI dependency for every staff route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kezek.http.deps import ContextDep
from kezek.staff.members import Staff, Unauthorized
from kezek.staff.service import staff_for_token

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


def get_staff(
    context: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Staff:
    if credentials is None:
        raise Unauthorized(
            "This needs a staff token: POST /api/v1/auth/token, then send it as "
            "'Authorization: Bearer <token>'."
        )
    return staff_for_token(context, token=credentials.credentials)


StaffDep = Annotated[Staff, Depends(get_staff)]
