"""Loading a network file into the database as an idempotent upsert.

Rows are matched by code. Anything missing from the file is deactivated rather than
deleted, because bookings and queue history keep pointing at it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from kezek.network.models import NetworkRevision, Office, PriorityGroup, Service, Window
from kezek.network.spec import NetworkSpec, OfficeSpec, WindowSpec
from kezek.types import utcnow


@dataclass
class LoadReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deactivated: Counter[str] = field(default_factory=Counter)
    # Offices whose slot length or window pools changed: bookings already made keep their
    # places, but the new counters do not include them (see the README).
    regridded: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(counts.total() for counts in (self.created, self.updated, self.deactivated))


def load_network(session: Session, spec: NetworkSpec) -> LoadReport:
    report = LoadReport()
    _load_groups(session, spec, report)
    services = _load_services(session, spec, report)
    offices = {
        office.code: office
        for office in session.scalars(
            select(Office).options(
                selectinload(Office.services),
                selectinload(Office.windows).selectinload(Window.services),
            )
        )
    }
    for office_spec in spec.offices:
        office = offices.get(office_spec.code)
        if office is None:
            office = Office(code=office_spec.code, windows=[], services=[])
            session.add(office)
            report.created["office"] += 1
        grid_before = _grid(office)
        changed = _apply(office, _office_values(office_spec))
        changed |= _relink(office, [services[code] for code in office_spec.services])
        if changed and office.code in offices:
            report.updated["office"] += 1
        _load_windows(office, office_spec, services, report)
        if office.code in offices and _grid(office) != grid_before:
            report.regridded.append(office.code)
    listed = {office.code for office in spec.offices}
    for code, office in offices.items():
        if code not in listed and office.active:
            _apply(office, {"active": False})
            report.deactivated["office"] += 1
    session.flush()
    if report.changed:
        _bump_revision(session)
    return report


def _bump_revision(session: Session) -> None:
    bumped = session.execute(
        update(NetworkRevision)
        .where(NetworkRevision.id == 1)
        .values(revision=NetworkRevision.revision + 1)
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        session.add(NetworkRevision(id=1, revision=1))
        session.flush()


def _load_groups(session: Session, spec: NetworkSpec, report: LoadReport) -> None:
    groups = {group.code: group for group in session.scalars(select(PriorityGroup))}
    for position, group_spec in enumerate(spec.groups):
        values = {
            "name": group_spec.name.model_dump(),
            "who": group_spec.who.model_dump() if group_spec.who else None,
            "position": position,
            "active": True,
        }
        group = groups.get(group_spec.code)
        if group is None:
            group = PriorityGroup(code=group_spec.code)
            _apply(group, values)
            session.add(group)
            report.created["group"] += 1
        elif _apply(group, values):
            report.updated["group"] += 1
    listed = {group.code for group in spec.groups}
    for code, group in groups.items():
        if code not in listed and group.active:
            _apply(group, {"active": False})
            report.deactivated["group"] += 1


def _load_services(session: Session, spec: NetworkSpec, report: LoadReport) -> dict[str, Service]:
    services = {service.code: service for service in session.scalars(select(Service))}
    for position, service_spec in enumerate(spec.services):
        values = {
            "ticket_prefix": service_spec.ticket_prefix,
            "name": service_spec.name.model_dump(),
            "duration_minutes": service_spec.duration_minutes,
            "documents": [document.model_dump() for document in service_spec.documents],
            "position": position,
            "active": True,
        }
        service = services.get(service_spec.code)
        if service is None:
            service = Service(code=service_spec.code)
            _apply(service, values)
            session.add(service)
            services[service.code] = service
            report.created["service"] += 1
        elif _apply(service, values):
            report.updated["service"] += 1
    listed = {service.code for service in spec.services}
    for code, service in services.items():
        if code not in listed and service.active:
            _apply(service, {"active": False})
            report.deactivated["service"] += 1
    return services


def _load_windows(
    office: Office, office_spec: OfficeSpec, services: dict[str, Service], report: LoadReport
) -> None:
    windows = {window.code: window for window in office.windows}
    for window_spec in office_spec.windows:
        window = windows.get(window_spec.code)
        if window is None:
            window = Window(code=window_spec.code, services=[])
            office.windows.append(window)
            report.created["window"] += 1
        changed = _apply(window, _window_values(window_spec))
        changed |= _relink(window, [services[code] for code in window_spec.services])
        if changed and window_spec.code in windows:
            report.updated["window"] += 1
    listed = {window.code for window in office_spec.windows}
    for code, window in windows.items():
        if code not in listed and window.active:
            _apply(window, {"active": False})
            report.deactivated["window"] += 1


def _grid(office: Office) -> tuple[int, frozenset[str]]:
    """What the slot counters of an office depend on: the cell length and the window pools."""
    pools = frozenset(
        ",".join(sorted(service.code for service in window.services))
        for window in office.windows
        if window.active and window.bookable
    )
    return office.slot_minutes, pools


def _office_values(spec: OfficeSpec) -> dict[str, Any]:
    return {
        "kind": spec.kind,
        "name": spec.name.model_dump(),
        "city": spec.city.model_dump(),
        "address": spec.address.model_dump(),
        "country": spec.country,
        "phone": spec.phone,
        "timezone": spec.timezone,
        "latitude": spec.coordinates.lat,
        "longitude": spec.coordinates.lon,
        "slot_minutes": spec.slot_minutes,
        "calendar": spec.calendar_document(),
        "queue_policy": spec.queue.model_dump(),
        "active": True,
    }


def _window_values(spec: WindowSpec) -> dict[str, Any]:
    return {
        "name": spec.name.model_dump() if spec.name else None,
        "dedicated_group": spec.group,
        "bookable": spec.bookable,
        "shifts": dict(spec.hours) if spec.hours is not None else None,
        "active": True,
    }


def _apply(row: Office | Service | Window | PriorityGroup, values: dict[str, Any]) -> bool:
    """Set only what differs, so that an unchanged file writes nothing."""
    changed = False
    for name, value in values.items():
        if getattr(row, name, None) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        row.updated_at = utcnow()
    return changed


def _relink(row: Office | Window, services: list[Service]) -> bool:
    wanted = sorted(services, key=lambda service: service.code)
    if [s.code for s in row.services] == [s.code for s in wanted]:
        return False
    row.services = wanted
    row.updated_at = utcnow()
    return True
