"""Loading a network file into the database as an idempotent upsert.

Rows are matched by code. Anything missing from the file is deactivated rather than
deleted, because bookings and queue history keep pointing at it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from kezek.allocation.seed import commitment, new_seed
from kezek.errors import Conflict
from kezek.network.models import (
    DrawRound,
    NetworkRevision,
    Office,
    PriorityGroup,
    Service,
    Window,
)
from kezek.network.spec import NetworkSpec, OfficeSpec, RoundSpec, WindowSpec
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
    _load_rounds(session, spec, report)
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
    wanted = {
        group.code: {
            "name": group.name.model_dump(),
            "who": group.who.model_dump() if group.who else None,
            "position": position,
        }
        for position, group in enumerate(spec.groups)
    }
    _upsert(session, PriorityGroup, wanted, report, "group")


def _load_services(session: Session, spec: NetworkSpec, report: LoadReport) -> dict[str, Service]:
    wanted = {
        service.code: {
            "ticket_prefix": service.ticket_prefix,
            "name": service.name.model_dump(),
            "duration_minutes": service.duration_minutes,
            "documents": [document.model_dump() for document in service.documents],
            "position": position,
        }
        for position, service in enumerate(spec.services)
    }
    return _upsert(session, Service, wanted, report, "service")


Row = TypeVar("Row", Service, PriorityGroup)


def _upsert(
    session: Session,
    model: type[Row],
    wanted: dict[str, dict[str, Any]],
    report: LoadReport,
    kind: str,
) -> dict[str, Row]:
    """Rows by code as the file has them: created, updated, or deactivated when gone."""
    rows = {row.code: row for row in session.scalars(select(model))}
    for code, values in wanted.items():
        row = rows.get(code)
        if row is None:
            row = rows[code] = model(code=code)
            _apply(row, {**values, "active": True})
            session.add(row)
            report.created[kind] += 1
        elif _apply(row, {**values, "active": True}):
            report.updated[kind] += 1
    for code, row in rows.items():
        if code not in wanted and row.active:
            _apply(row, {"active": False})
            report.deactivated[kind] += 1
    return rows


class RoundFixed(Conflict):
    code = "round_places_fixed"
    title = "The round's places are already published"


# What decides a round's places: fixed once they are published (``kezek.rounds.places``).
_ROUND_PLACES = (
    "offices",
    "services",
    "first_day",
    "last_day",
    "urgent_before",
    "urgent_share",
    "groups",
    "groups_share",
)


def _load_rounds(session: Session, spec: NetworkSpec, report: LoadReport) -> None:
    rounds = {row.code: row for row in session.scalars(select(DrawRound))}
    for round_spec in spec.rounds:
        values = _round_values(round_spec)
        row = rounds.get(round_spec.code)
        if row is None:
            seed = None if round_spec.commitment else new_seed()
            row = DrawRound(
                code=round_spec.code,
                seed=seed.hex() if seed else None,
                seed_held_outside=seed is None,
                commitment=round_spec.commitment or commitment(seed or b""),
            )
            _apply(row, values)
            session.add(row)
            report.created["round"] += 1
            continue
        _refuse_changed_places(row, round_spec, values)
        if _apply(row, values):
            report.updated["round"] += 1
    listed = {round_spec.code for round_spec in spec.rounds}
    for code, row in rounds.items():
        if code not in listed and row.active:
            _apply(row, {"active": False})
            report.deactivated["round"] += 1


def _refuse_changed_places(row: DrawRound, spec: RoundSpec, values: dict[str, Any]) -> None:
    """Once published, the places and the seed's commitment stay what was published: a
    round is changed by a new round, not by rewriting one people have applied to."""
    if spec.commitment and spec.commitment != row.commitment:
        raise RoundFixed(
            f"Round '{row.code}' was published with another commitment; a seed's commitment "
            "cannot change. Give the round a new code.",
            field=f"rounds.{row.code}.commitment",
        )
    if row.places_fixed_at is None:
        return
    changed = [name for name in _ROUND_PLACES if getattr(row, name) != values[name]]
    if changed:
        raise RoundFixed(
            f"Round '{row.code}' has published its places, so {', '.join(changed)} can no "
            "longer change. Put them back as they were, or set up a new round.",
            field=f"rounds.{row.code}",
        )


def _round_values(spec: RoundSpec) -> dict[str, Any]:
    return {
        "name": spec.name.model_dump(),
        "offices": list(spec.offices),
        "services": list(spec.services),
        "first_day": spec.first,
        "last_day": spec.last,
        "opens_at": spec.opens,
        "closes_at": spec.closes,
        "draws_at": spec.draw,
        "urgent_before": spec.urgent_before,
        "urgent_share": spec.urgent_share,
        "groups": list(spec.groups),
        "groups_share": spec.groups_share,
        "confirm_hours": spec.confirm_hours,
        "active": True,
    }


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


def _apply(
    row: Office | Service | Window | PriorityGroup | DrawRound, values: dict[str, Any]
) -> bool:
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
