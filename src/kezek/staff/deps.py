"""The signed-in member of staff, as a FastAPI dependency for every staff route."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool

from kezek.context import AppContext
from kezek.http.deps import get_context
from kezek.staff.members import Staff, Unauthorized
from kezek.staff.service import remembered_staff, staff_for_token


class StaffBearer(HTTPBearer):
    """The bearer token's member of staff, as one dependency of the request alone.

    FastAPI solves every dependency anew on each request, sub-dependencies and all; with the
    token and the app's context as dependencies of their own, a clerk's request solved
    four, half of what FastAPI spent on it. As a bearer scheme, the dependency still
    describes the token in the API's OpenAPI document.
    """

    async def __call__(self, request: Request) -> Staff:  # type: ignore[override]
        credentials = await super().__call__(request)
        if credentials is None:
            raise Unauthorized(
                "This needs a staff token: POST /api/v1/auth/token, then send it as "
                "'Authorization: Bearer <token>'."
            )
        return await staff_of_token(await get_context(request), credentials.credentials)


async def staff_of_token(context: AppContext, token: str) -> Staff:
    """The member of staff signed in with ``token``, or Unauthorized.

    A token this worker remembers is answered on the event loop; only one it must read from
    the database goes to a worker thread."""
    known = remembered_staff(context, token=token)
    if known is not None:
        return known
    return await run_in_threadpool(partial(staff_for_token, context, token=token))


# Named as FastAPI names its own bearer scheme, which the OpenAPI document has always shown.
StaffDep = Annotated[
    Staff,
    Depends(
        StaffBearer(
            auto_error=False,
            scheme_name="HTTPBearer",
            description="A token from POST /api/v1/auth/token",
        )
    ),
]
