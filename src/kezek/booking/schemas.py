"""Request and response bodies of the booking API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from kezek.booking.contacts import EMAIL_MAX_LENGTH, normalize_email
from kezek.booking.details import BookingDetails, BookingRequest
from kezek.booking.identity import (
    normalize_document,
    normalize_full_name,
    reject_control_characters,
)
from kezek.booking.reference import display_reference
from kezek.booking.slots import Slot
from kezek.codes import CODE_MAX_LENGTH, CODE_PATTERN
from kezek.i18n import Language
from kezek.network.schemas import Localized, ServicePublic
from kezek.types import IsoDate

Code = Annotated[str, Field(min_length=1, max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN)]


def _require_offset(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        # pydantic alone would read a number as seconds since 1970.
        raise ValueError("is not a time; write it as 2025-04-10T09:00:00+03:00")
    if value and not (value.endswith(("Z", "z")) or "+" in value[10:] or "-" in value[10:]):
        raise ValueError(
            "has no UTC offset; write the time as given by the availability list, "
            "for example 2025-04-10T09:00:00+03:00"
        )
    return value


StartTime = Annotated[datetime, BeforeValidator(_require_offset)]
DocumentNumber = Annotated[str, Field(max_length=40), AfterValidator(normalize_document)]
FullName = Annotated[str, Field(max_length=300), AfterValidator(normalize_full_name)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(reject_control_characters)]


def _blank_is_none(value: object) -> object:
    # A form's e-mail field left empty means no e-mail, not a wrong one.
    return None if isinstance(value, str) and not value.strip() else value


def _email(value: str | None) -> str | None:
    return None if value is None else normalize_email(value)


# The length on the string itself: on the optional whole, pydantic would measure None too.
Email = Annotated[
    Annotated[str, Field(max_length=EMAIL_MAX_LENGTH)] | None,
    BeforeValidator(_blank_is_none),
    AfterValidator(_email),
    Field(examples=["aibek@example.com"]),
]
PhoneProof = Annotated[
    str,
    Field(
        max_length=100,
        pattern=r"^[0-9]+\.[0-9a-f]+$",
        description="From POST /api/v1/phone-codes/verify, for the same phone number",
    ),
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BookingCreate(Body):
    office: Code
    service: Code
    start: StartTime
    document_number: DocumentNumber
    full_name: FullName
    phone: Phone
    language: Language = "ru"
    legal_stay_until: IsoDate | None = None
    email: Email = Field(
        default=None,
        description="Where to send the confirmation and reminders besides the phone",
    )
    phone_proof: PhoneProof | None = Field(
        default=None,
        description="Needed where the office asks for a confirmed phone (the office's "
        "verify_phone): POST /api/v1/phone-codes, then /api/v1/phone-codes/verify",
    )

    def as_request(self) -> BookingRequest:
        return BookingRequest(
            office=self.office,
            service=self.service,
            starts_at=self.start,
            document_number=self.document_number,
            full_name=self.full_name,
            phone=self.phone,
            language=self.language,
            legal_stay_until=self.legal_stay_until,
            email=self.email,
        )


class PhoneCodeCreate(Body):
    office: Code = Field(description="The office to book at: its country reads a local number")
    phone: Phone
    language: Language = Field(default="ru", description="The language of the SMS")


class PhoneCodePublic(BaseModel):
    phone: str = Field(description="The number the code was sent to, in E.164")
    expires_at: datetime = Field(description="The code works until then (UTC)")


class PhoneCodeVerify(Body):
    office: Code
    phone: Phone
    code: str = Field(min_length=1, max_length=20, description="The 6 digits of the SMS")


class PhoneProofPublic(BaseModel):
    phone_proof: str = Field(description="Send it as phone_proof with the booking")
    valid_until: datetime = Field(description="The proof works until then (UTC)")


class BookingReschedule(Body):
    start: StartTime


class OfficeBrief(BaseModel):
    code: str
    name: Localized
    address: Localized
    timezone: str


class BookingPublic(BaseModel):
    reference: str = Field(description="8 characters; shown to people as XXXX-XXXX")
    reference_display: str
    status: str
    office: OfficeBrief
    service: ServicePublic
    start: datetime = Field(description="In the office's own UTC offset")
    end: datetime
    full_name: str
    phone: str
    document_tail: str = Field(description="The last 3 characters of the document number")
    language: str
    legal_stay_until: date | None

    @classmethod
    def of(cls, booking: BookingDetails) -> BookingPublic:
        office = booking.office
        return cls(
            reference=booking.reference,
            reference_display=display_reference(booking.reference),
            status=booking.status,
            office=OfficeBrief(
                code=office.code,
                name=Localized.model_validate(office.name),
                address=Localized.model_validate(office.address),
                timezone=office.timezone,
            ),
            service=ServicePublic.of(booking.service),
            start=booking.starts_at.astimezone(office.zone),
            end=booking.ends_at.astimezone(office.zone),
            full_name=booking.full_name,
            phone=booking.phone,
            document_tail=booking.document_tail,
            language=booking.language,
            legal_stay_until=booking.legal_stay_until,
        )


class SlotPublic(BaseModel):
    start: datetime
    end: datetime
    available: int
    capacity: int

    @classmethod
    def of(cls, slot: Slot, zone: ZoneInfo) -> SlotPublic:
        return cls(
            start=slot.starts_at.astimezone(zone),
            end=slot.ends_at.astimezone(zone),
            available=slot.available,
            capacity=slot.capacity,
        )


class AvailabilityPublic(BaseModel):
    office: str
    service: str
    timezone: str
    slots: list[SlotPublic]
