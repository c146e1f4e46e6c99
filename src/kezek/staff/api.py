"""POST /api/v1/auth/token: a bearer token for a staff user."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kezek.http.deps import ContextDep
from kezek.http.problems import problems
from kezek.staff.schemas import SignIn, TokenPublic
from kezek.staff.service import TOKEN_LIFETIME, sign_in

router = APIRouter(tags=["staff"])


@router.post("/auth/token", response_model=TokenPublic, responses=problems(401, 422, 429))
def sign_in_for_token(body: SignIn, context: ContextDep, request: Request) -> TokenPublic:
    token = sign_in(
        context.sessions,
        username=body.username,
        password=body.password,
        address=request.client.host if request.client else "",
        now=context.clock(),
        secret=context.secret,
    )
    return TokenPublic(access_token=token, expires_in=int(TOKEN_LIFETIME.total_seconds()))
