"""POST /api/v1/auth/token: a bearer token for a staff user."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kezek.db import run_transaction
from kezek.deps import ContextDep
from kezek.staff.service import TOKEN_LIFETIME, issue_token

router = APIRouter(tags=["staff"])


class SignIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token stops working")


@router.post("/auth/token", response_model=TokenPublic)
def sign_in(body: SignIn, context: ContextDep) -> TokenPublic:
    token = run_transaction(
        context.sessions,
        lambda session: issue_token(
            session, username=body.username, password=body.password, now=context.clock()
        ),
    )
    return TokenPublic(access_token=token, expires_in=int(TOKEN_LIFETIME.total_seconds()))
