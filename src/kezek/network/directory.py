"""The office network as each server process sees it: read once, reloaded when it changes.

Every request needs an office's calendar and windows, and the network changes only when
a file is loaded. So each process keeps an immutable snapshot and checks one integer,
the network revision that ``kezek network load`` bumps, before trusting it.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from datetime import date
from datetime import time as clock_time
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from kezek.errors import Invalid, NotFound
from kezek.network.calendar import WindowPlan
from kezek.network.models import (
    DrawRound,
    NetworkRevision,
    Office,
    PriorityGroup,
    Service,
    Window,
)
from kezek.network.plan import OfficePlan
from kezek.network.queue_config import PolicyConfig, queue_config_from_document
from kezek.network.spec import (
    BUILT_IN_GROUP_NAMES,
    BUILT_IN_GROUP_WHO,
    QueueSpec,
    calendar_from_document,
    weekly_from_document,
)


@dataclass(frozen=True)
class ServiceInfo:
    id: int
    code: str
    ticket_prefix: str
    name: dict[str, str]
    duration_minutes: int
    documents: list[dict[str, str]]
    active: bool
    position: int = 0  # where the network file lists it


@dataclass(frozen=True)
class GroupInfo:
    """A priority group or corridor group, with the name the kiosk offers it by."""

    code: str
    name: dict[str, str]
    who: dict[str, str] | None


@dataclass(frozen=True)
class RemoteTickets:
    """How an office gives today's walk-in tickets to phones before people arrive."""

    per_day: int
    opens_at: clock_time  # local time from which they are given


@dataclass(frozen=True)
class RoundDays:
    """Days of services at an office whose places go by a round's draw, not first come."""

    code: str
    services: frozenset[str]
    first: date
    last: date


@dataclass(frozen=True)
class OfficeInfo:
    id: int
    code: str
    kind: str
    name: dict[str, str]
    city: dict[str, str]
    address: dict[str, str]
    country: str
    timezone: str
    latitude: float
    longitude: float
    active: bool
    services: tuple[ServiceInfo, ...]
    plan: OfficePlan
    window_ids: dict[str, int]  # active windows by code, in number order (2 before 10)
    queue_config: PolicyConfig  # how its queue calls the next ticket
    phone: str | None = None  # E.164
    groups: tuple[GroupInfo, ...] = ()  # that its kiosk offers, the queue's order first
    arrive_early_minutes: int = 15  # what booking holders are told: come this early
    not_served_note: dict[str, str] | None = None  # the office's word to those sent home
    verify_phone: bool = False  # a booking needs a phone confirmed by a one-time code
    remote: RemoteTickets | None = None  # today's tickets from a phone; None: not offered
    rounds: tuple[RoundDays, ...] = ()  # its days given out by draws

    def round_on(self, service: str, day: date) -> str | None:
        """The code of the round whose draw gives out this service's places on this day."""
        for each in self.rounds:
            if service in each.services and each.first <= day <= each.last:
                return each.code
        return None

    @property
    def zone(self) -> ZoneInfo:
        return self.plan.timezone

    @cached_property
    def service_codes(self) -> dict[int, str]:
        return {service.id: service.code for service in self.services}

    @cached_property
    def window_codes(self) -> dict[int, str]:
        return {window_id: code for code, window_id in self.window_ids.items()}

    def window_code(self, window_id: int | None) -> str | None:
        """The code of an active window; None for no window or one since removed."""
        return self.window_codes.get(window_id) if window_id is not None else None

    def service(self, code: str) -> ServiceInfo:
        for service in self.services:
            if service.code == code:
                return service
        offered = ", ".join(s.code for s in self.services)
        raise Invalid(
            f"Office '{self.code}' does not offer service '{code}'. It offers: {offered}.",
            field="service",
        )


@dataclass(frozen=True)
class _Snapshot:
    revision: int | None
    offices: dict[int, OfficeInfo]
    services: dict[int, ServiceInfo]


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Codes as people count them: window 2 before window 10, "1a" after "1"."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.findall(r"\d+|\D+", code)
    )


# What a lookup reads the network with when its snapshot is due for a check: the caller's
# session, or a session factory, opened only then. Most lookups find the snapshot fresh,
# and a hot path that needs no other session then builds none.
Reader = Session | sessionmaker[Session]


class Directory:
    """A process's snapshot of the network.

    The revision is checked at most every ``max_age`` seconds, so a loaded network file
    reaches every worker within that time while a booking rush pays for no extra query.
    """

    def __init__(self, *, max_age: float = 1.0) -> None:
        self._snapshot = _Snapshot(revision=None, offices={}, services={})
        self._max_age = max_age
        self._checked_at = -math.inf
        self._checking = threading.Lock()

    def _current(self, reader: Reader) -> _Snapshot:
        snapshot = self._snapshot
        if self._fresh(snapshot):
            return snapshot
        if isinstance(reader, Session):
            return self._checked(reader, time.monotonic())
        # One thread checks while the others go on with the snapshot they have: in a rush,
        # each of dozens of threads would otherwise read the revision in the same instant.
        if not self._checking.acquire(blocking=snapshot.revision is None):
            return snapshot
        try:
            if self._fresh(self._snapshot):  # loaded by the thread this one waited for
                return self._snapshot
            # Committed, not rolled back: the driver forgets every statement it prepared on
            # a connection that rolls back, and call-next's takes 6 ms to plan again.
            with reader.begin() as session:
                return self._checked(session, time.monotonic())
        finally:
            self._checking.release()

    def _fresh(self, snapshot: _Snapshot) -> bool:
        return snapshot.revision is not None and time.monotonic() - self._checked_at < self._max_age

    def _checked(self, session: Session, now: float) -> _Snapshot:
        snapshot = self._snapshot
        revision = session.scalar(select(NetworkRevision.revision).where(NetworkRevision.id == 1))
        if revision is None or revision != snapshot.revision:
            snapshot = _read(session, revision)
            # One assignment: threads of this process see the old or the new snapshot whole.
            self._snapshot = snapshot
        self._checked_at = now
        return snapshot

    def offices(self, reader: Reader) -> list[OfficeInfo]:
        offices = self._current(reader).offices.values()
        return sorted((o for o in offices if o.active), key=lambda o: o.code)

    def services(self, reader: Reader) -> list[ServiceInfo]:
        services = self._current(reader).services.values()
        return sorted((s for s in services if s.active), key=lambda s: (s.position, s.code))

    def office(self, reader: Reader, code: str) -> OfficeInfo:
        for office in self._current(reader).offices.values():
            if office.code == code and office.active:
                return office
        raise NotFound(
            f"There is no office '{code}'. GET /api/v1/offices lists them.", field="office"
        )

    def office_by_id(self, reader: Reader, office_id: int) -> OfficeInfo:
        """Also an office that has since been deactivated: its bookings still show."""
        return self._current(reader).offices[office_id]

    def service_by_id(self, reader: Reader, service_id: int) -> ServiceInfo:
        return self._current(reader).services[service_id]


def _read(session: Session, revision: int | None) -> _Snapshot:
    services = {service.id: _service_info(service) for service in session.scalars(select(Service))}
    groups = {
        group.code: GroupInfo(group.code, dict(group.name), dict(group.who) if group.who else None)
        for group in session.scalars(select(PriorityGroup).where(PriorityGroup.active))
    }
    offices = session.scalars(
        select(Office).options(
            selectinload(Office.services),
            selectinload(Office.windows).selectinload(Window.services),
        )
    )
    rounds: dict[str, list[RoundDays]] = {}
    for row in session.scalars(select(DrawRound).where(DrawRound.active)):
        days = RoundDays(row.code, frozenset(row.services), row.first_day, row.last_day)
        for code in row.offices:
            rounds.setdefault(code, []).append(days)
    return _Snapshot(
        revision=revision,
        offices={
            office.id: _office_info(office, services, groups, tuple(rounds.get(office.code, ())))
            for office in offices
        },
        services=services,
    )


def _service_info(service: Service) -> ServiceInfo:
    return ServiceInfo(
        id=service.id,
        code=service.code,
        ticket_prefix=service.ticket_prefix,
        name=dict(service.name),
        duration_minutes=service.duration_minutes,
        documents=[dict(document) for document in service.documents],
        active=service.active,
        position=service.position,
    )


def _office_info(
    office: Office,
    services: dict[int, ServiceInfo],
    groups: dict[str, GroupInfo],
    rounds: tuple[RoundDays, ...] = (),
) -> OfficeInfo:
    values: dict[str, Any] = {
        name: getattr(office, name)
        for name in ("id", "code", "kind", "name", "city", "address", "country", "timezone")
    }
    queue_config = queue_config_from_document(office.queue_policy)
    queue_spec = QueueSpec.model_validate(office.queue_policy)
    windows = sorted((w for w in office.windows if w.active), key=lambda w: natural_key(w.code))
    group_codes = list(queue_config.priority_groups)
    group_codes += [w.dedicated_group for w in windows if w.dedicated_group]
    return OfficeInfo(
        **values,
        latitude=office.latitude,
        longitude=office.longitude,
        active=office.active,
        services=tuple(
            sorted(
                (services[s.id] for s in office.services if s.active),
                key=lambda service: (service.position, service.code),
            )
        ),
        plan=office_plan(office),
        window_ids={window.code: window.id for window in windows},
        queue_config=queue_config,
        phone=office.phone,
        verify_phone=queue_spec.verify_phone,
        remote=RemoteTickets(
            per_day=queue_spec.remote_tickets_per_day,
            opens_at=clock_time.fromisoformat(queue_spec.remote_tickets_from),
        )
        if queue_spec.remote_tickets
        else None,
        rounds=rounds,
        arrive_early_minutes=queue_spec.arrive_early_minutes,
        not_served_note=queue_spec.not_served_note.model_dump()
        if queue_spec.not_served_note
        else None,
        groups=tuple(
            groups.get(code)
            or GroupInfo(code, BUILT_IN_GROUP_NAMES.get(code, {}), BUILT_IN_GROUP_WHO.get(code))
            for code in dict.fromkeys(group_codes)
        ),
    )


def office_plan(office: Office) -> OfficePlan:
    windows = []
    for window in office.windows:
        codes = frozenset(service.code for service in window.services if service.active)
        if not window.active or not codes:
            continue
        shifts = weekly_from_document(window.shifts) if window.shifts is not None else None
        windows.append(
            WindowPlan(
                code=window.code,
                services=codes,
                bookable=window.bookable,
                group=window.dedicated_group,
                shifts=shifts,
            )
        )
    return OfficePlan(
        timezone=ZoneInfo(office.timezone),
        slot_minutes=office.slot_minutes,
        calendar=calendar_from_document(office.calendar),
        windows=tuple(windows),
    )
