"""Applications to a round, and what the draw and the waitlist made of each."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kezek.db import Base
from kezek.types import UTCDateTime, utcnow


class Standing(StrEnum):
    applied = "applied"  # before the draw
    offered = "offered"  # given a booking, to confirm by ``confirm_by``
    confirmed = "confirmed"  # the booking is theirs
    waiting = "waiting"  # on the waitlist, in draw order
    lapsed = "lapsed"  # did not confirm in time: the place went on
    cancelled = "cancelled"  # gave the place up


class DrawApplication(Base):
    __tablename__ = "draw_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("draw_round.id"))
    # The keyed hash of the document number, as bookings keep it: one application per
    # document and round. The number itself is never stored.
    document_hash: Mapped[str] = mapped_column(String(64))
    document_tail: Mapped[str] = mapped_column(String(3))
    # What the published files name the application by: keyed per round, so that the
    # files of two rounds cannot be joined to follow one person.
    entry_key: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    legal_stay_until: Mapped[date] = mapped_column(Date)
    group: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Best first: [{"office": …, "service": …, "days": ["2025-05-05", …]}, …]
    choices: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    standing: Mapped[str] = mapped_column(String(16), default=Standing.applied)
    position: Mapped[int | None] = mapped_column(Integer, nullable=True)  # in the draw's order
    category: Mapped[str | None] = mapped_column(String(16), nullable=True)  # of the place won
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), nullable=True)
    confirm_by: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("round_id", "document_hash", name="uq_draw_application_document"),
        UniqueConstraint("round_id", "entry_key", name="uq_draw_application_entry"),
        CheckConstraint(
            "standing IN ('applied', 'offered', 'confirmed', 'waiting', 'lapsed', 'cancelled')",
            name="known_standing",
        ),
        # The waitlist, read in draw order; and the offers to lapse.
        Index("ix_draw_application_round_standing", "round_id", "standing", "position"),
        Index("ix_draw_application_booking", "booking_id"),
    )
