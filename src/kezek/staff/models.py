"""Staff users, the offices they work for, and their API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, String, Table, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kezek.db import Base
from kezek.network.models import Office
from kezek.types import UTCDateTime, utcnow


class Role(StrEnum):
    admin = "admin"  # every office, and the staff list
    manager = "manager"  # their offices: queues, KPIs, plans
    clerk = "clerk"  # their offices' windows
    kiosk = "kiosk"  # a ticket machine at their office's door: issues tickets, checks in


ROLES = tuple(role.value for role in Role)

staff_office = Table(
    "staff_office",
    Base.metadata,
    Column("staff_id", ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
)


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offices: Mapped[list[Office]] = relationship(secondary=staff_office, order_by=Office.code)

    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="known_role"),)


class SignInFailure(Base):
    """A wrong password, or one being checked, by keyed hashes of the address it came from
    and of the username it was for: for the throttle and the lock (``staff.attempts``)."""

    __tablename__ = "sign_in_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64))
    account_hash: Mapped[str] = mapped_column(String(64), server_default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # False while the password is being checked: it counts only towards the address's limit.
    checked: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    __table_args__ = (
        Index("ix_sign_in_failure_address_at", "address_hash", "at"),
        Index("ix_sign_in_failure_account_address_at", "account_hash", "address_hash", "at"),
    )


class ApiToken(Base):
    """A bearer token, stored as its SHA-256: a leaked table gives no working token."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
