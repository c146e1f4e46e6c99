"""Reading the office network for the API and for slot generation."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kezek.booking.slots import OfficePlan
from kezek.network.calendar import WindowPlan
from kezek.network.models import Office, Service, Window
from kezek.network.spec import calendar_from_document, weekly_from_document
from kezek.problems import Invalid, NotFound


def list_offices(session: Session) -> list[Office]:
    query = (
        select(Office)
        .where(Office.active)
        .options(selectinload(Office.services))
        .order_by(Office.code)
    )
    return list(session.scalars(query))


def list_services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).where(Service.active).order_by(Service.code)))


def get_office(session: Session, code: str) -> Office:
    office = session.scalar(
        select(Office)
        .where(Office.code == code, Office.active)
        .options(
            selectinload(Office.services),
            selectinload(Office.windows).selectinload(Window.services),
        )
    )
    if office is None:
        raise NotFound(
            f"There is no office '{code}'. GET /api/v1/offices lists them.",
            field="office",
        )
    return office


def get_offered_service(office: Office, code: str) -> Service:
    for service in office.services:
        if service.code == code and service.active:
            return service
    offered = ", ".join(s.code for s in office.services if s.active)
    raise Invalid(
        f"Office '{office.code}' does not offer service '{code}'. It offers: {offered}.",
        field="service",
    )


def office_plan(office: Office) -> OfficePlan:
    return OfficePlan(
        timezone=ZoneInfo(office.timezone),
        slot_minutes=office.slot_minutes,
        calendar=calendar_from_document(office.calendar),
        windows=tuple(
            WindowPlan(
                code=window.code,
                services=frozenset(s.code for s in window.services if s.active),
                bookable=window.bookable,
                group=window.dedicated_group,
                shifts=weekly_from_document(window.shifts) if window.shifts is not None else None,
            )
            for window in office.windows
            if window.active
        ),
    )
