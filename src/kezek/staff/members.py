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

    @property
    def oversees(self) -> bool:
        """Managers and admins: the dashboard, the figures, and stepping in at any window."""
        return self.role in (Role.admin, Role.manager)

    def require_office(self, office_code: str, *, at_kiosk: bool = False) -> None:
        """Refuse another office's business; a kiosk account may only do the kiosk's
        (``at_kiosk``): issue tickets and check bookings in."""
        if not self.may_act_for(office_code):
            raise Forbidden(f"{self.username} does not work for office '{office_code}'.")
        if self.role is Role.kiosk and not at_kiosk:
            raise Forbidden(f"{self.username} is a kiosk: it issues tickets and checks in only.")
