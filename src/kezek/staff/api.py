"""POST /api/v1/auth/token: a bearer token for a staff user."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from kezek.deps import ContextDep
from kezek.problems import problems
from kezek.staff.service import TOKEN_LIFETIME, sign_in

router = APIRouter(tags=["staff"])


class SignIn(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")
    password: str = Field(min_length=1, max_length=200)


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token stops working")


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
