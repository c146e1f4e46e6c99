"""Request and response bodies of the rounds API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kezek.booking.reference import display_reference
from kezek.booking.schemas import Code, DocumentNumber, FullName, Phone, PhoneProof
from kezek.i18n import Language
from kezek.rounds.applications import ApplicationRequest, ChoiceRequest, Receipt
from kezek.rounds.rules import MAX_CHOICES
from kezek.rounds.views import ApplicationView, RoundView
from kezek.types import IsoDate


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChoiceCreate(Body):
    office: Code
    service: Code
    day: IsoDate | None = Field(default=None, description="One day, YYYY-MM-DD; or")
    week: IsoDate | None = Field(
        default=None, description="Any day of the week holding this date, YYYY-MM-DD"
    )

    @model_validator(mode="after")
    def _day_or_week(self) -> ChoiceCreate:
        if (self.day is None) == (self.week is None):
            raise ValueError("give either day or week, not both")
        return self


class ApplicationCreate(Body):
    full_name: FullName
    document_number: DocumentNumber
    phone: Phone
    phone_proof: PhoneProof = Field(
        description="From POST /api/v1/phone-codes/verify, for the same phone number"
    )
    language: Language = "ru"
    legal_stay_until: IsoDate = Field(description="The last day of the legal stay")
    group: Code | None = Field(
        default=None, description="A priority group of the round, proven at the window"
    )
    choices: list[ChoiceCreate] = Field(min_length=1, max_length=MAX_CHOICES)

    def as_request(self) -> ApplicationRequest:
        return ApplicationRequest(
            full_name=self.full_name,
            document_number=self.document_number,
            phone=self.phone,
            language=self.language,
            legal_stay_until=self.legal_stay_until,
            group=self.group,
            choices=tuple(ChoiceRequest(c.office, c.service, c.day, c.week) for c in self.choices),
        )


class ChoicePublic(BaseModel):
    office: str
    service: str
    days: list[date]


class ReceiptPublic(BaseModel):
    round: str
    choices: list[ChoicePublic]
    closes_at: datetime
    draws_at: datetime

    @classmethod
    def of(cls, receipt: Receipt) -> ReceiptPublic:
        return cls(
            round=receipt.round,
            choices=[
                ChoicePublic(
                    office=choice[0].office, service=choice[0].service, days=[b.day for b in choice]
                )
                for choice in receipt.choices
            ],
            closes_at=receipt.closes_at,
            draws_at=receipt.draws_at,
        )


class ApplicationLookup(Body):
    document_number: DocumentNumber
    phone: Phone


class ApplicationPublic(BaseModel):
    round: str
    standing: str = Field(
        description="applied, offered (confirm by confirm_by), confirmed, waiting, lapsed "
        "or cancelled"
    )
    position: int | None = Field(description="Place in the draw's order")
    waitlist_number: int | None
    category: str | None = Field(description="open, urgent or groups: what the place came from")
    reference: str | None = Field(description="The booking offered")
    confirm_by: datetime | None
    entry_key: str = Field(description="What the published draw file calls this application")
    choices: list[dict[str, Any]]
    legal_stay_until: date
    group: str | None

    @classmethod
    def of(cls, view: ApplicationView) -> ApplicationPublic:
        reference = display_reference(view.reference) if view.reference else None
        return cls(
            round=view.round,
            standing=view.standing,
            position=view.position,
            waitlist_number=view.waitlist_number,
            category=view.category,
            reference=reference,
            confirm_by=view.confirm_by,
            entry_key=view.entry_key,
            choices=view.choices,
            legal_stay_until=view.legal_stay_until,
            group=view.group,
        )


class ConfirmationPublic(BaseModel):
    reference: str
    standing: str


class PlacesPublic(BaseModel):
    office: str
    service: str
    day: date
    places: int
    reserves: dict[str, int]


class RoundPublic(BaseModel):
    code: str
    name: dict[str, str]
    phase: str = Field(description="upcoming, open, closed or drawn")
    offices: list[str]
    services: list[str]
    first_day: date
    last_day: date
    opens_at: datetime
    closes_at: datetime
    draws_at: datetime
    urgent_before: date | None
    urgent_share: int
    groups: list[str]
    groups_share: int
    confirm_hours: int
    commitment: str = Field(description="SHA-256 of the seed, published before applications")
    seed: str | None = Field(description="The seed, once drawn")
    places_sha256: str | None
    applications_sha256: str | None = Field(description="Published when applications close")
    places: int
    applications: int | None = Field(description="Once applications close")
    won: dict[str, int] = Field(description="Places won in the draw, by category")
    urgent_served: float | None = Field(
        description="After the last day: share of urgent applicants served before their "
        "legal stay ended"
    )
    days: list[PlacesPublic]

    @classmethod
    def of(cls, view: RoundView) -> RoundPublic:
        shared = {name: getattr(view, name) for name in cls.model_fields if name != "days"}
        return cls(
            **shared,
            days=[
                PlacesPublic(
                    office=b.office,
                    service=b.service,
                    day=b.day,
                    places=each.places,
                    reserves=dict(each.reserves),
                )
                for b, each in sorted(view.supply.items())
            ],
        )
