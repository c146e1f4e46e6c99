"""From a scenario and its network to the offices the planner simulates, with changes.

An office here is its calendar and windows from the network file, its backlog and demand
from the scenario, and any changes a what-if or a recommendation makes: windows added for
a period, hours extended, an extra day opened, a mobile team, or demand moved elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from kezek.network.calendar import (
    WEEKDAYS,
    OfficeCalendar,
    TimeRange,
    WeeklyHours,
    WindowPlan,
    merge_ranges,
    window_hours,
)
from kezek.network.spec import NetworkSpec, Weekday, calendar_from_document, weekly_from_document
from kezek.planning.office_model import OfficeModel, ServiceTimes, WindowDay
from kezek.planning.scenario import (
    BEHAVIOUR_DEFAULTS,
    AddWindows,
    Behaviour,
    Change,
    ExtendHours,
    ExtraDay,
    MobileTeam,
    OfficeDemand,
    ScenarioSpec,
    ShiftDemand,
)


@dataclass(frozen=True)
class AddedWindows:
    """``count`` windows on days from ``first`` to ``last``, at the office's hours or
    ``hours``, on ``weekdays`` (Monday = 0; None: the days the office opens)."""

    count: int
    first: dt.date
    last: dt.date | None = None
    hours: tuple[TimeRange, ...] | None = None
    weekdays: frozenset[int] | None = None
    bookable: bool = True

    def on(self, day: dt.date) -> bool:
        return (
            self.first <= day
            and (self.last is None or day <= self.last)
            and (self.weekdays is None or day.weekday() in self.weekdays)
        )


@dataclass(frozen=True)
class AddedHours:
    """Hours every window works on top of its own, on matching days."""

    ranges: tuple[TimeRange, ...]
    weekdays: frozenset[int]
    first: dt.date
    last: dt.date | None = None

    def on(self, day: dt.date) -> bool:
        return (
            day.weekday() in self.weekdays
            and self.first <= day
            and (self.last is None or day <= self.last)
        )


@dataclass(frozen=True)
class ExtraHours:
    """Hours the planner may add to every window: ``saturdays`` or ``evenings``."""

    name: str
    ranges: tuple[TimeRange, ...]
    weekdays: frozenset[int]

    def added(self, first: dt.date, last: dt.date) -> AddedHours:
        return AddedHours(self.ranges, self.weekdays, first, last)


@dataclass(frozen=True)
class PlanningOffice:
    code: str
    name: str
    calendar: OfficeCalendar
    windows: tuple[WindowPlan, ...]
    backlog: tuple[int, ...]  # per service, in the order of ``services``
    service_codes: tuple[str, ...]
    services: tuple[ServiceTimes, ...]
    demand: tuple[tuple[dt.date, float], ...]  # new people per day from each date on
    behaviour: Behaviour
    added_windows: tuple[AddedWindows, ...] = ()
    added_hours: tuple[AddedHours, ...] = ()
    demand_scale: float = 1.0
    demand_from_others: tuple[tuple[PlanningOffice, float], ...] = ()
    max_windows: int | None = None  # the most the premises hold; None: no limit given
    served_share: float = 1.0  # the scenario's target: cleared once this share is served
    windows_from: dt.date | None = None  # added windows open no sooner (lead time)
    window_day_cost: float | None = None  # of one added window for one day
    extras: tuple[ExtraHours, ...] = ()  # hours the planner may add
    location: tuple[float, float] | None = None  # latitude and longitude
    saturday_cost_factor: float = 2.0  # an hour on a day off, against a usual hour
    evening_cost_factor: float = 1.5  # an hour of the allowed evenings
    # What this office's days and models come to, kept: the fluid rule asks for the same
    # ones many times, and a changed office (dataclasses.replace) starts with none.
    _days: dict[dt.date, tuple[WindowDay, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _models: dict[tuple[dt.date, int], OfficeModel] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _kinds: dict[tuple[object, ...], tuple[WindowDay, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def evening_ranges(self) -> tuple[TimeRange, ...]:
        return next((extra.ranges for extra in self.extras if extra.name == "evenings"), ())

    def with_extras(self, names: frozenset[str], first: dt.date, last: dt.date) -> PlanningOffice:
        """The office with the named extra hours worked from ``first`` to ``last``."""
        hours = tuple(extra.added(first, last) for extra in self.extras if extra.name in names)
        return replace(self, added_hours=(*self.added_hours, *hours))

    @property
    def backlog_total(self) -> int:
        return sum(self.backlog)

    def demand_on(self, day: dt.date) -> float:
        own = 0.0
        for since, per_day in self.demand:
            if since <= day:
                own = per_day
        moved = sum(other.demand_on(day) * share for other, share in self.demand_from_others)
        return own * self.demand_scale + moved

    def model(self, *, start: dt.date, days: int) -> OfficeModel:
        found = self._models.get((start, days))
        if found is None:
            found = self._models[start, days] = self._model(start=start, days=days)
        return found

    def _model(self, *, start: dt.date, days: int) -> OfficeModel:
        """The simulation's view of this office for ``days`` days from ``start``.

        Those of the backlog who never come are not in it; it is cleared once
        ``served_share`` of those who come are served.
        """
        behaviour = _resolved(self.behaviour)
        dates = [start + dt.timedelta(days=n) for n in range(days)]
        backlog = list(self.backlog)
        coming = round(sum(backlog) * (1 - _value(behaviour.never_come)))
        total = sum(backlog)
        mix = tuple(count / total for count in backlog) if total else _even(len(backlog))
        mean = sum(share * s.mean for share, s in zip(mix, self.services, strict=True))
        assert behaviour.hourly_profile is not None
        return OfficeModel(
            code=self.code,
            windows=tuple(self.windows_on(day) for day in dates),
            backlog=coming,
            served_share=self.served_share,
            services=self.services,
            mix=mix,
            daily_demand=tuple(self.demand_on(day) for day in dates),
            walk_in_share=_value(behaviour.walk_in_share),
            priority_share=_value(behaviour.priority_share),
            no_show=_value(behaviour.no_show),
            patience_minutes=behaviour.patience_minutes or None,
            arrive_early_minutes=_value(behaviour.arrive_early_minutes),
            punctuality_minutes=_value(behaviour.punctuality_minutes),
            slot_minutes=mean,
            hourly_profile=tuple(behaviour.hourly_profile),
            at_door=round(coming * _value(behaviour.backlog_at_door)),
            door_days=behaviour.door_days or 1,
        )

    def windows_on(self, day: dt.date) -> tuple[WindowDay, ...]:
        found = self._days.get(day)
        if found is None:
            # Days alike in all that shapes them share one answer: a horizon of 540
            # days has a dozen kinds, and a plan builds thousands of horizons.
            kind = self._kind_of(day)
            found = self._kinds.get(kind)
            if found is None:
                found = self._kinds[kind] = self._windows_on(day)
            self._days[day] = found
        return found

    def _kind_of(self, day: dt.date) -> tuple[object, ...]:
        """What the windows of ``day`` depend on, bar the date itself."""
        calendar = self.calendar
        return (
            day.weekday(),
            calendar.is_closed(day),
            tuple(n for n, hours in enumerate(calendar.extra) if hours.day == day),
            tuple(n for n, hours in enumerate(self.added_hours) if hours.on(day)),
            tuple(n for n, added in enumerate(self.added_windows) if added.on(day)),
        )

    def _windows_on(self, day: dt.date) -> tuple[WindowDay, ...]:
        closed = self.calendar.is_closed(day)
        extra = [r for hours in self.added_hours if hours.on(day) for r in hours.ranges]
        out = []
        for plan in self.windows:
            ranges = [] if closed else [*window_hours(self.calendar, plan, day), *extra]
            out.append(_window_day(tuple(ranges), plan.bookable, plan.group is not None))
        # Added windows keep the office's hours of the day, its extra Saturdays included.
        surge = [
            r
            for hours in self.calendar.extra
            if hours.day == day and not hours.windows
            for r in hours.ranges
        ]
        office_hours = [] if closed else [*self.calendar.weekly.on(day), *surge, *extra]
        for added in self.added_windows:
            if added.on(day) and not closed:
                ranges = list(added.hours) if added.hours is not None else office_hours
                out += [_window_day(tuple(ranges), added.bookable, False)] * added.count
        return tuple(out)

    def changed(self, changes: Sequence[Change]) -> PlanningOffice:
        office = self
        for change in changes:
            if isinstance(change, AddWindows) and change.office == self.code:
                office = office.with_windows(
                    AddedWindows(change.windows, change.first, change.last)
                )
            elif isinstance(change, MobileTeam) and change.office == self.code and not change.at:
                office = office.with_windows(
                    AddedWindows(
                        change.windows,
                        change.first,
                        change.last,
                        hours=hours_of(change.hours),
                        weekdays=weekdays_of(change.weekdays),
                    )
                )
            elif isinstance(change, ExtendHours | ExtraDay) and change.office == self.code:
                days = change.weekdays if isinstance(change, ExtendHours) else [change.weekday]
                hours = AddedHours(
                    hours_of(change.hours), weekdays_of(days), change.first, change.last
                )
                office = replace(office, added_hours=(*office.added_hours, hours))
        return office

    def with_windows(self, added: AddedWindows) -> PlanningOffice:
        return replace(self, added_windows=(*self.added_windows, added))


def shift_demand(
    offices: dict[str, PlanningOffice], changes: Sequence[Change]
) -> dict[str, PlanningOffice]:
    """Move a share of one office's backlog and new demand to another."""
    out = dict(offices)
    for change in changes:
        if not isinstance(change, ShiftDemand):
            continue
        source, target = out[change.source], out[change.target]
        moved = {
            code: round(count * change.share)
            for code, count in zip(source.service_codes, source.backlog, strict=True)
        }
        out[change.source] = replace(
            source,
            backlog=tuple(
                count - moved[code]
                for code, count in zip(source.service_codes, source.backlog, strict=True)
            ),
            demand_scale=source.demand_scale * (1 - change.share),
        )
        out[change.target] = receiving(target, source, moved, change.share)
    return out


def receiving(
    target: PlanningOffice, source: PlanningOffice, moved: dict[str, int], share: float
) -> PlanningOffice:
    codes = list(target.service_codes)
    services = list(target.services)
    backlog = list(target.backlog)
    for code, count in moved.items():
        if code not in codes:  # a service the target does not offer yet: it takes it on
            codes.append(code)
            services.append(source.services[source.service_codes.index(code)])
            backlog.append(0)
        backlog[codes.index(code)] += count
    return replace(
        target,
        service_codes=tuple(codes),
        services=tuple(services),
        backlog=tuple(backlog),
        demand_from_others=(*target.demand_from_others, (source, share)),
    )


def planning_offices(spec: ScenarioSpec, network: NetworkSpec) -> dict[str, PlanningOffice]:
    durations = {service.code: service.duration_minutes for service in network.services}
    by_code = {office.code: office for office in network.offices}
    out = {}
    for demand in spec.offices:
        office = by_code[demand.code]
        codes = tuple(office.services)
        behaviour = _layered(BEHAVIOUR_DEFAULTS, spec.defaults, demand)
        out[demand.code] = PlanningOffice(
            code=office.code,
            name=office.name.en,
            calendar=calendar_from_document(office.calendar_document()),
            windows=tuple(
                WindowPlan(
                    code=window.code,
                    services=frozenset(window.services),
                    bookable=window.bookable,
                    group=window.group,
                    shifts=_weekly(window.hours),
                )
                for window in office.windows
            ),
            backlog=tuple(demand.backlog.get(code, 0) for code in codes),
            service_codes=codes,
            services=tuple(_service_times(spec, code, durations[code]) for code in codes),
            demand=(
                (spec.scenario.start, demand.daily_demand),
                *((change.first, change.per_day) for change in demand.demand_changes),
            ),
            behaviour=behaviour,
            max_windows=demand.max_windows,
            served_share=spec.scenario.served_share,
            windows_from=demand.windows_from,
            window_day_cost=demand.window_day_cost,
            extras=_extras(demand, office.hours),
            location=(office.coordinates.lat, office.coordinates.lon),
            saturday_cost_factor=demand.saturday_cost_factor,
            evening_cost_factor=demand.evening_cost_factor,
        )
    return out


def _extras(demand: OfficeDemand, weekly: Mapping[Weekday, list[str]]) -> tuple[ExtraHours, ...]:
    """The Saturdays and evenings the scenario lets the planner add; evenings on the days
    the office opens."""
    extras = []
    if demand.evenings:
        opens = [day for day, ranges in weekly.items() if ranges and day not in ("sat", "sun")]
        extras.append(
            ExtraHours(
                "evenings",
                hours_of(demand.evenings),
                weekdays_of(opens),
            )
        )
    if demand.saturdays:
        extras.append(
            ExtraHours(
                "saturdays",
                hours_of(demand.saturdays),
                weekdays_of(["sat"]),
            )
        )
    return tuple(extras)


def _service_times(spec: ScenarioSpec, code: str, minutes: int) -> ServiceTimes:
    given = spec.services.get(code)
    if given is None:
        return ServiceTimes(mean=float(minutes))
    if given.distribution == "empirical":
        samples = tuple(given.samples_minutes)
        return ServiceTimes(
            mean=sum(samples) / len(samples), distribution="empirical", samples=samples
        )
    return ServiceTimes(
        mean=given.mean_minutes or float(minutes),
        cv=given.cv if given.distribution == "lognormal" else 1.0,
        distribution=given.distribution,
    )


def _layered(*layers: Behaviour) -> Behaviour:
    values: dict[str, object] = {}
    for layer in layers:
        values.update(
            {
                name: getattr(layer, name)
                for name in Behaviour.model_fields
                if getattr(layer, name) is not None
            }
        )
    return Behaviour.model_validate(values)


def _weekly(hours: Mapping[Weekday, list[str]] | None) -> WeeklyHours | None:
    return (
        weekly_from_document({str(day): ranges for day, ranges in hours.items()}) if hours else None
    )


def _resolved(behaviour: Behaviour) -> Behaviour:
    return _layered(BEHAVIOUR_DEFAULTS, behaviour)


def _value(value: float | None) -> float:
    assert value is not None  # the defaults fill every field
    return float(value)


def _even(count: int) -> tuple[float, ...]:
    return (1 / count,) * count


def hours_of(texts: Sequence[str]) -> tuple[TimeRange, ...]:
    return tuple(TimeRange.parse(text) for text in texts)


def weekdays_of(names: Sequence[str]) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(name) for name in names)


@lru_cache(maxsize=4096)
def _window_day(ranges: tuple[TimeRange, ...], bookable: bool, corridor: bool) -> WindowDay:
    """One window's day, shared: a plan builds the same few days thousands of times."""
    return WindowDay(_minutes(ranges), bookable=bookable, corridor=corridor)


def _minutes(ranges: Sequence[TimeRange]) -> tuple[tuple[int, int], ...]:
    return tuple((r.opens, r.closes) for r in merge_ranges(ranges))
