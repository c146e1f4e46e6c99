"""Who is acting, and the refusals of acting without the right: what every feature checks."""

from __future__ import annotations

from dataclasses import dataclass

from kezek.errors import Problem
from kezek.staff.models import Role


class Unauthorized(Problem):
    status = 401
    code = "unauthorized"
    title = "Sign in first"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012


class Forbidden(Problem):
    status = 403
    code = "forbidden"
    title = "Not allowed for this office"


@dataclass(frozen=True)
class Staff:
    """Who is acting, detached from the session."""

    id: int
    username: str
    role: Role
    office_codes: frozenset[str]

    def may_act_for(self, office_code: str) -> bool:
        return self.role is Role.admin or office_code in self.office_codes

    def require_office(self, office_code: str) -> None:
        if not self.may_act_for(office_code):
            raise Forbidden(f"{self.username} does not work for office '{office_code}'.")
