"""Citizens, bookings, and the per-slot counters that make overselling impossible."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kezek.db import Base
from kezek.network.models import Office, Service
from kezek.types import UTCDateTime, utcnow


class BookingStatus(StrEnum):
    confirmed = "confirmed"
    cancelled = "cancelled"
    # A confirmed booking whose time passed without a check-in.
    lapsed = "lapsed"


class Citizen(Base):
    __tablename__ = "citizen"

    id: Mapped[int] = mapped_column(primary_key=True)
    # HMAC-SHA256 of the normalised document number; the number itself is never stored.
    document_hash: Mapped[str] = mapped_column(String(64), unique=True)
    document_tail: Mapped[str] = mapped_column(String(3))
    full_name: Mapped[str] = mapped_column(String(200))
    # Indexed for the cap of bookings per phone.
    phone: Mapped[str] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(2))
    legal_stay_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Booking(Base):
    __tablename__ = "booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(8), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Which window pool and which consecutive slot cells the booking holds. The cell length
    # is kept too, so that the office changing its slot length later frees the right cells.
    pool: Mapped[str] = mapped_column(String(500))
    cells: Mapped[int] = mapped_column(Integer)
    cell_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.confirmed)
    language: Mapped[str] = mapped_column(String(2))
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the next reminder is due; None once none is left. The reminders are written to
    # the outbox when they are nearly due (``reminders``), not with the booking: a rush
    # writes one message per booking, and a move or a cancellation has less to withdraw.
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A booking a round's draw gave: the round, and how many moves it has left (None for
    # a booking made first come, first served, which may move freely).
    round_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    moves_left: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The calendar entry's SEQUENCE (RFC 5545): one more at each move and at cancelling, so
    # that a calendar given the entry again takes it for the one of the same UID it holds.
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    office: Mapped[Office] = relationship()
    service: Mapped[Service] = relationship()
    citizen: Mapped[Citizen] = relationship()

    __table_args__ = (
        CheckConstraint(
            "status IN ('confirmed', 'cancelled', 'lapsed')",
            name="known_status",
        ),
        CheckConstraint(
            "cells > 0 AND cell_minutes > 0 AND ends_at > starts_at", name="positive_span"
        ),
        # At most one active booking per citizen and service, enforced by the database.
        Index(
            "uq_booking_one_active",
            "citizen_id",
            "service_id",
            unique=True,
            postgresql_where=text("status = 'confirmed'"),
            sqlite_where=text("status = 'confirmed'"),
        ),
        # Also how the reminders' pass finds the bookings of the next days: no index of
        # its own on remind_at, which every booking of a rush would have to write.
        Index("ix_booking_office_starts_at", "office_id", "starts_at"),
    )


class SlotCell(Base):
    """How many bookings hold one slot cell of a window pool.

    A row appears with the first booking of its cell. ``capacity`` is what the windows
    offered when that booking was taken; every increment is conditional on the counter
    being below it and the CHECK makes the database itself refuse an oversold cell.
    """

    __tablename__ = "slot_cell"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    pool: Mapped[str] = mapped_column(String(500), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    booked: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("booked >= 0 AND booked <= capacity", name="within_capacity"),
    )
