"""POST /api/v1/auth/token: a bearer token for a staff user."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kezek.http.deps import ContextDep
from kezek.http.problems import problems
from kezek.ratelimit import client_address
from kezek.staff.attempts import TOKEN_LIFETIME
from kezek.staff.schemas import SignIn, TokenPublic
from kezek.staff.service import sign_in

router = APIRouter(tags=["staff"])


@router.post("/auth/token", response_model=TokenPublic, responses=problems(401, 422, 429, 503))
async def sign_in_for_token(body: SignIn, context: ContextDep, request: Request) -> TokenPublic:
    token = await sign_in(
        context, username=body.username, password=body.password, address=client_address(request)
    )
    return TokenPublic(access_token=token, expires_in=int(TOKEN_LIFETIME.total_seconds()))
