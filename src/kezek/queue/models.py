"""Tickets of the live queue, their daily numbering, and the append-only event trail."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kezek.codes import ticket_code
from kezek.db import Base
from kezek.types import UTCDateTime, utcnow


class TicketStatus(StrEnum):
    waiting = "waiting"
    called = "called"
    serving = "serving"
    done = "done"
    no_show = "no_show"
    cancelled = "cancelled"
    transferred = "transferred"
    # Still waiting when the office closed for the day: the holder comes back or books.
    not_served = "not_served"


class TicketKind(StrEnum):
    walk_in = "walk_in"
    appointment = "appointment"


STATUSES = tuple(status.value for status in TicketStatus)


_GROUP_WALK_INS = "status = 'waiting' AND appointment_at IS NULL AND \"group\" IS NOT NULL"


class Ticket(Base):
    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    # The office's local date: numbers start again at 1 each day.
    day: Mapped[date] = mapped_column(Date)
    prefix: Mapped[str] = mapped_column(String(2))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    group: Mapped[str | None] = mapped_column(String(32), nullable=True)
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking.id"), nullable=True, unique=True
    )
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.waiting)
    # The first arrival; a ticket transferred to another service keeps it, for fairness.
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("service_window.id"), nullable=True)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), nullable=True)
    # SHA-256 of the secret printed on the ticket; the citizen's only key to its status.
    secret_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Taken from a phone before arriving: called only once checked in at the office.
    remote: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    language: Mapped[str | None] = mapped_column(String(2), nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A remote ticket whose turn came before its holder arrived is passed over once.
    passed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When its holder was told that few people are before them: told once.
    near_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="known_status"),
        CheckConstraint("kind IN ('walk_in', 'appointment')", name="known_kind"),
        CheckConstraint("number > 0", name="positive_number"),
        Index("uq_ticket_number", "office_id", "day", "prefix", "number", unique=True),
        Index("ix_ticket_waiting", "office_id", "status", "service_id"),
        # One ticket from a phone per phone, office and day.
        Index(
            "uq_ticket_remote_phone",
            "office_id",
            "day",
            "phone",
            unique=True,
            postgresql_where=text("remote"),
            sqlite_where=text("remote"),
        ),
        # The board's last calls: the newest called_at of the office's day.
        Index("ix_ticket_called", "office_id", "day", "called_at"),
        # Call-next reads the heads of the line (``kezek.queue.candidates``): the oldest
        # walk-ins, of each group, and from phones, in the order of arrival, and the
        # appointments, so that a line thousands long is read no further than its heads.
        Index(
            "ix_ticket_walk_ins_in_line",
            "office_id",
            "day",
            "arrived_at",
            "id",
            postgresql_where=text("status = 'waiting' AND appointment_at IS NULL"),
            sqlite_where=text("status = 'waiting' AND appointment_at IS NULL"),
        ),
        # The oldest walk-ins of a priority group (or a corridor's), read by the group alone:
        # through the index above, a group of few was found among thousands of others.
        Index(
            "ix_ticket_group_walk_ins_in_line",
            "office_id",
            "day",
            "group",
            "arrived_at",
            "id",
            postgresql_where=text(_GROUP_WALK_INS),
            sqlite_where=text(_GROUP_WALK_INS),
        ),
        Index(
            "ix_ticket_appointments_in_line",
            "office_id",
            "day",
            "appointment_at",
            postgresql_where=text("status = 'waiting' AND appointment_at IS NOT NULL"),
            sqlite_where=text("status = 'waiting' AND appointment_at IS NOT NULL"),
        ),
        # One citizen at a window at a time: calling the next person settles the one called.
        Index(
            "uq_ticket_at_window",
            "window_id",
            unique=True,
            postgresql_where=text("status IN ('called', 'serving')"),
            sqlite_where=text("status IN ('called', 'serving')"),
        ),
    )

    @property
    def code(self) -> str:
        return ticket_code(self.prefix, self.number)


class TicketCounter(Base):
    """The last number given out per office, local day and prefix."""

    __tablename__ = "ticket_counter"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(2), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class QueueDayClosure(Base):
    """An office's queue day that has ended: at closing time, or closed early by a manager.

    Tickets still waiting then are closed as not served, and no ticket is issued for that
    day any more.
    """

    __tablename__ = "queue_day_closure"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who closed it early; None when the closing time closed it.
    actor: Mapped[str | None] = mapped_column(String(100), nullable=True)
    not_served: Mapped[int] = mapped_column(Integer, default=0)


class QueueEvent(Base):
    """One transition of one ticket. Rows are only ever added: the audit trail and KPIs."""

    __tablename__ = "queue_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("service_window.id"), nullable=True)
    actor: Mapped[str | None] = mapped_column(String(100), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_queue_event_office_at", "office_id", "at"),)


class QueueRequest(Base):
    """A kiosk's or a clerk's request sent with an Idempotency-Key, and the ticket it acted on.

    Written in the same transaction as the action, so a repeat of the request, after its
    answer was lost, finds the ticket instead of acting a second time.
    """

    __tablename__ = "queue_request"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    # SHA-256 of who asked for what: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WindowSessionStatus(StrEnum):
    open = "open"
    paused = "paused"
    closed = "closed"


class WindowSession(Base):
    """A clerk at a window: which services they serve now, from opening to closing."""

    __tablename__ = "window_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("service_window.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    services: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), default=WindowSessionStatus.open)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint("status IN ('open', 'paused', 'closed')", name="known_status"),
        # One clerk per window at a time: the database refuses a second open session.
        Index(
            "uq_window_session_current",
            "window_id",
            unique=True,
            postgresql_where=text("status <> 'closed'"),
            sqlite_where=text("status <> 'closed'"),
        ),
    )
