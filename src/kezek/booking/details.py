"""A booking request, and a booking as a citizen sees it."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from kezek.booking.identity import document_tail
from kezek.booking.models import Booking, BookingStatus, Citizen
from kezek.network.directory import Directory, OfficeInfo, ServiceInfo


@dataclass(frozen=True)
class BookingRequest:
    office: str
    service: str
    starts_at: datetime
    document_number: str  # already normalised
    full_name: str  # already normalised
    phone: str  # as typed; read in the office's country
    language: str
    legal_stay_until: date | None = None
    # Where to send the confirmation and reminders besides the phone; never a login.
    email: str | None = None

    def fingerprint(self, secret: bytes) -> str:
        """Keyed, because a plain hash of a document number could be reversed by guessing."""
        canonical = json.dumps(
            [self.office, self.service, self.starts_at.isoformat(), self.document_number],
        )
        return hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class BookingDetails:
    """A booking with what a citizen needs to see of it, detached from the session."""

    reference: str
    status: str
    starts_at: datetime
    ends_at: datetime
    language: str
    office: OfficeInfo
    service: ServiceInfo
    full_name: str
    phone: str
    document_tail: str
    legal_stay_until: date | None
    round_code: str | None = None  # the round whose draw gave it
    moves_left: int | None = None  # None: may move freely
    calendar_sequence: int = 0  # the calendar entry's revision (``Booking``)


@dataclass(frozen=True)
class Booked:
    booking: BookingDetails
    replayed: bool


def new_booking_details(
    request: BookingRequest, *, office: OfficeInfo, service: ServiceInfo, reference: str, phone: str
) -> BookingDetails:
    return BookingDetails(
        reference=reference,
        status=BookingStatus.confirmed,
        starts_at=request.starts_at,
        ends_at=request.starts_at + timedelta(minutes=service.duration_minutes),
        language=request.language,
        office=office,
        service=service,
        full_name=request.full_name,
        phone=phone,
        document_tail=document_tail(request.document_number),
        legal_stay_until=request.legal_stay_until,
    )


def booking_details(
    session: Session, directory: Directory, booking: Booking, citizen: Citizen
) -> BookingDetails:
    return BookingDetails(
        reference=booking.reference,
        status=booking.status,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        language=booking.language,
        office=directory.office_by_id(session, booking.office_id),
        service=directory.service_by_id(session, booking.service_id),
        full_name=citizen.full_name,
        phone=citizen.phone,
        document_tail=citizen.document_tail,
        legal_stay_until=citizen.legal_stay_until,
        round_code=booking.round_code,
        moves_left=booking.moves_left,
        calendar_sequence=booking.calendar_sequence,
    )
