"""The signed-in member of staff, as a FastAPI dependency for every staff route."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from kezek.http.deps import ContextDep
from kezek.staff.members import Staff, Unauthorized
from kezek.staff.service import remembered_staff, staff_for_token

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


async def get_staff(
    context: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Staff:
    # async: a token this worker remembers is answered on the event loop; only one it must
    # read from the database goes to a worker thread.
    if credentials is None:
        raise Unauthorized(
            "This needs a staff token: POST /api/v1/auth/token, then send it as "
            "'Authorization: Bearer <token>'."
        )
    token = credentials.credentials
    known = remembered_staff(context, token=token)
    if known is not None:
        return known
    return await run_in_threadpool(partial(staff_for_token, context, token=token))


StaffDep = Annotated[Staff, Depends(get_staff)]
