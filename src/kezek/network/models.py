"""Offices, services and windows, as loaded from a network file."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kezek.db import Base
from kezek.types import UTCDateTime, utcnow

OFFICE_KINDS = ("embassy", "consulate", "migration_center", "mobile_team")

office_service = Table(
    "office_service",
    Base.metadata,
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
)

window_service = Table(
    "window_service",
    Base.metadata,
    Column("window_id", ForeignKey("service_window.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
)


class Service(Base):
    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    ticket_prefix: Mapped[str] = mapped_column(String(2))
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    documents: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # Where the network file lists it: the order in which citizens see the services.
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("duration_minutes > 0", name="positive_duration"),)


class PriorityGroup(Base):
    """A group that the queue calls first (people over 75, a corridor such as the EAEU's),
    with the name the kiosk shows and who belongs to it."""

    __tablename__ = "priority_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    who: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Office(Base):
    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    city: Mapped[dict[str, str]] = mapped_column(JSON)
    address: Mapped[dict[str, str]] = mapped_column(JSON)
    country: Mapped[str] = mapped_column(String(2))
    # The office's public phone, in E.164, for citizens who need to ask something.
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    # Weekly hours, closures and surge hours in the network file's own notation. The slot
    # generator always reads a whole calendar, so it is kept whole rather than as rows.
    calendar: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The live queue's call-next settings, in the network file's notation.
    queue_policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    services: Mapped[list[Service]] = relationship(secondary=office_service, order_by=Service.code)
    windows: Mapped[list[Window]] = relationship(
        back_populates="office", order_by="Window.code", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(f"kind IN {OFFICE_KINDS!r}", name="known_kind"),
        CheckConstraint("slot_minutes BETWEEN 1 AND 240", name="slot_minutes_range"),
    )


class Window(Base):
    """A counter where a clerk serves citizens."""

    __tablename__ = "service_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    # A corridor: the window serves this group first, such as "eaeu" or "priority".
    dedicated_group: Mapped[str | None] = mapped_column(String(32), nullable=True)
    bookable: Mapped[bool] = mapped_column(Boolean, default=True)
    shifts: Mapped[dict[str, list[str]] | None] = mapped_column(JSON, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    office: Mapped[Office] = relationship(back_populates="windows")
    services: Mapped[list[Service]] = relationship(secondary=window_service, order_by=Service.code)

    __table_args__ = (UniqueConstraint("office_id", "code"),)


class NetworkRevision(Base):
    """One row whose number goes up with every network load that changes something.

    Server processes cache the network and compare this number to know when to reload.
    """

    __tablename__ = "network_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class DrawRound(Base):
    """A round whose places go by a draw (``kezek.rounds``): set in the network file.

    While a round exists, its days of its services at its offices are not booked first come,
    first served. The seed is drawn when the round is first loaded and only its SHA-256, the
    commitment, is shown until the draw; a seed held outside (``seed_held_outside``) is
    handed to the draw instead. The places are fixed, and their SHA-256 published, before
    the first application (``kezek.rounds.places``).
    """

    __tablename__ = "draw_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    offices: Mapped[list[str]] = mapped_column(JSON)
    services: Mapped[list[str]] = mapped_column(JSON)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    draws_at: Mapped[datetime] = mapped_column(UTCDateTime)
    urgent_before: Mapped[date | None] = mapped_column(Date, nullable=True)
    urgent_share: Mapped[int] = mapped_column(Integer, default=0)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    groups_share: Mapped[int] = mapped_column(Integer, default=0)
    confirm_hours: Mapped[int] = mapped_column(Integer, default=48)
    commitment: Mapped[str] = mapped_column(String(64))
    # Hex; None when the seed is held outside until the draw.
    seed: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seed_held_outside: Mapped[bool] = mapped_column(Boolean, default=False)
    # The places per office, service and day, with their reserves, as published.
    places: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    places_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    places_fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    applications_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The draw's file, as ``kezek draw verify`` and the round's page give it.
    published: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(
            "urgent_share >= 0 AND groups_share >= 0 AND urgent_share + groups_share <= 100",
            name="shares_within_places",
        ),
        CheckConstraint("first_day <= last_day", name="days_in_order"),
    )
