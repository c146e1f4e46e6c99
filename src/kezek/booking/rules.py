"""When a booking may be made, and the refusals the API reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kezek.errors import Conflict, Invalid
from kezek.network.directory import OfficeInfo
from kezek.network.plan import OfficePlan
from kezek.notify.rules import NotifyRules


@dataclass(frozen=True)
class BookingRules:
    horizon_days: int
    min_notice: timedelta
    max_range_days: int
    # Active bookings one phone number may hold; 0 for no cap.
    bookings_per_phone: int = 0
    # On PostgreSQL, book a service of one window pool in one statement (the fast path).
    one_statement: bool = True
    # Which messages a booking writes to the outbox, and where they link to.
    notify: NotifyRules = field(default_factory=NotifyRules)
    # Every office needs a phone proven by a one-time code (an office may ask it alone).
    verify_phones: bool = False


class SlotFull(Conflict):
    code = "slot_full"
    title = "This time is fully booked"


class AlreadyBooked(Conflict):
    code = "already_booked"
    title = "You already have a booking for this service"


class NotActive(Conflict):
    code = "booking_not_active"
    title = "This booking is no longer active"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    title = "The Idempotency-Key was used for a different request"


class SlotRefused(Invalid):
    code = "slot_not_bookable"


def check_bookable_time(
    plan: OfficePlan, *, starts_at: datetime, now: datetime, rules: BookingRules
) -> None:
    if starts_at <= now:
        raise SlotRefused("This time is in the past. Choose a later time.", field="start")
    if starts_at < now + rules.min_notice:
        minutes = int(rules.min_notice.total_seconds() // 60)
        raise SlotRefused(
            f"Bookings close {minutes} minutes before the time. Choose a later time.",
            field="start",
        )
    today = now.astimezone(plan.timezone).date()
    last_day = today + timedelta(days=rules.horizon_days)
    if starts_at.astimezone(plan.timezone).date() > last_day:
        raise SlotRefused(
            f"Bookings open {rules.horizon_days} days ahead; "
            f"choose a date up to {last_day.isoformat()}.",
            field="start",
        )


class DrawnDay(Conflict):
    code = "day_goes_by_draw"
    title = "This day's places go by a draw"


class NoMovesLeft(Conflict):
    code = "no_moves_left"
    title = "This booking cannot be moved again"


def check_not_drawn(
    office: OfficeInfo, *, service: str, starts_at: datetime, allowed: str | None = None
) -> None:
    """Refuse a time on a day whose places a round's draw gives out, except to a booking
    from that round (``allowed``)."""
    day = starts_at.astimezone(office.zone).date()
    code = office.round_on(service, day)
    if code is not None and code != allowed:
        raise DrawnDay(
            f"Places on {day.isoformat()} are given by the draw of round '{code}', not first "
            f"come, first served. Apply to the round at /rounds/{code}, or choose another day.",
            field="start",
            round=code,
        )


def slot_full() -> SlotFull:
    return SlotFull(
        "Someone has just taken the last place at this time. Choose another time.",
        field="start",
    )


def already_booked() -> AlreadyBooked:
    return AlreadyBooked(
        "This document already has an active booking for this service. "
        "Reschedule or cancel it with its reference instead of booking again.",
        field="document_number",
    )
