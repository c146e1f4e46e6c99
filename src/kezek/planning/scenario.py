"""The scenario file: the backlog, the demand, people's habits, deadlines and what-ifs.

A scenario names a network file for the offices, their windows and calendars, and adds
what the planner needs on top. Every error names its line, its field and the fix, as the
network file's do.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from kezek.codes import CODE_PATTERN
from kezek.network.file import (
    FileProblem,
    NetworkFileError,
    dotted,
    key_lines,
    line_of,
    problem_from_error,
    read_network_file,
    syntax_problem,
)
from kezek.network.spec import Coordinates, DayHours, LocalizedText, NetworkSpec, Strict, Weekday
from kezek.planning.regions_file import Region, RegionsFileError, read_regions

OfficeCode = Annotated[str, Field(pattern=CODE_PATTERN)]
WORKING_WEEK: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")


# A name for people: one text, or one per language ({ ky = "…", ru = "…", en = "…" }).
Text = Annotated[str, Field(min_length=1, max_length=200)] | LocalizedText


def localized(text: Text) -> dict[str, str]:
    """The text in each language; the same words in all when it has only one."""
    if isinstance(text, LocalizedText):
        return text.model_dump()
    return {"ky": text, "ru": text, "en": text}


def english(text: Text) -> str:
    return localized(text)["en"]


class ScenarioInfo(Strict):
    name: Text
    description: str = Field(default="", max_length=4000)
    network: str = Field(min_length=1)
    start: dt.date
    deadlines: list[dt.date] = Field(min_length=1, max_length=5)
    confidence: float = Field(default=0.9, gt=0.5, lt=1)
    replications: int = Field(default=200, ge=10, le=10_000)
    seed: int = Field(default=2025, ge=0)
    horizon_days: int = Field(default=365, ge=7, le=3 * 365)
    wait_share: float = Field(default=0.9, gt=0, lt=1)
    wait_within_minutes: float = Field(default=120, gt=0, le=24 * 60)
    # The target: the backlog is cleared once this share of those who come is served.
    served_share: float = Field(default=1.0, ge=0.5, le=1)

    @field_validator("deadlines")
    @classmethod
    def _deadlines_after_start(
        cls, deadlines: list[dt.date], info: ValidationInfo
    ) -> list[dt.date]:
        start = info.data.get("start")
        for deadline in deadlines:
            if start is not None and deadline <= start:
                raise ValueError(
                    f"deadline {deadline} is not after start {start}; "
                    "list deadlines after the start date"
                )
        if sorted(deadlines) != deadlines:
            raise ValueError("deadlines must be in date order; sort them")
        return deadlines

    @model_validator(mode="after")
    def _deadlines_within_the_horizon(self) -> ScenarioInfo:
        last = self.start + dt.timedelta(days=self.horizon_days - 1)
        beyond = [deadline for deadline in self.deadlines if deadline > last]
        if beyond:
            needed = (beyond[-1] - self.start).days + 1
            raise ValueError(
                f"deadline {beyond[-1]} is beyond the horizon ({last}); "
                f"raise horizon_days to at least {needed}"
            )
        return self


class Behaviour(Strict):
    """How people come; the scenario's defaults, and any office's own values."""

    walk_in_share: float | None = Field(default=None, ge=0, le=1)
    priority_share: float | None = Field(default=None, ge=0, le=1)
    no_show: float | None = Field(default=None, ge=0, lt=1)
    patience_minutes: float | None = Field(default=None, ge=0, le=24 * 60)
    arrive_early_minutes: float | None = Field(default=None, ge=-120, le=240)
    punctuality_minutes: float | None = Field(default=None, ge=0, le=240)
    hourly_profile: list[float] | None = Field(default=None, min_length=24, max_length=24)
    never_come: float | None = Field(default=None, ge=0, lt=1)  # of the backlog: never come
    # Of the backlog who come, the share who walk in at the door rather than book, as in
    # 2025; they come evenly over the first ``door_days`` open days.
    backlog_at_door: float | None = Field(default=None, ge=0, le=1)
    door_days: int | None = Field(default=None, ge=1, le=365)

    @field_validator("hourly_profile")
    @classmethod
    def _some_weight(cls, weights: list[float] | None) -> list[float] | None:
        if weights is not None and (min(weights) < 0 or sum(weights) <= 0):
            raise ValueError("give 24 weights, none negative, at least one above 0")
        return weights


BEHAVIOUR_DEFAULTS = Behaviour(
    walk_in_share=0.3,
    priority_share=0.05,
    no_show=0.1,
    patience_minutes=240,
    arrive_early_minutes=10,
    punctuality_minutes=10,
    hourly_profile=[1.0] * 24,
    never_come=0.0,
    backlog_at_door=0.0,
    door_days=20,
)


class ServiceTimesSpec(Strict):
    distribution: Literal["exponential", "lognormal", "empirical"] = "exponential"
    mean_minutes: float | None = Field(default=None, gt=0, le=480)
    cv: float = Field(default=1.0, gt=0, le=5)
    samples_minutes: list[Annotated[float, Field(gt=0, le=480)]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _samples_for_empirical(self) -> ServiceTimesSpec:
        if self.distribution == "empirical" and len(self.samples_minutes) < 10:
            raise ValueError(
                "an empirical distribution needs samples_minutes with at least 10 "
                "measured service times"
            )
        if self.distribution != "empirical" and self.samples_minutes:
            raise ValueError('samples_minutes is only read with distribution = "empirical"')
        return self


class DemandChange(Strict):
    model_config = Strict.model_config | {"populate_by_name": True}

    first: dt.date = Field(alias="from")
    per_day: float = Field(ge=0, le=100_000)


class OfficeDemand(Behaviour):
    code: OfficeCode
    backlog: dict[str, Annotated[int, Field(ge=0, le=10_000_000)]] = Field(min_length=1)
    daily_demand: float = Field(default=0, ge=0, le=100_000)
    demand_changes: list[DemandChange] = Field(default_factory=list)
    # The most windows the premises can hold, staff and counters included; no limit if absent.
    max_windows: int | None = Field(default=None, ge=1, le=10_000)
    # The first day added windows can open: premises, clerks and counters take time.
    windows_from: dt.date | None = None
    window_day_cost: float | None = Field(default=None, ge=0)  # one window for one day
    # Hours the planner may add to every window, from windows_from to the deadline, when
    # they cost less than more windows or the premises hold no more: Saturdays and weekday
    # evenings. Not used when absent.
    saturdays: Annotated[DayHours, Field(min_length=1)] | None = None
    evenings: Annotated[DayHours, Field(min_length=1)] | None = None
    # What an hour of them costs against a usual hour: the Labour Code of the Russian
    # Federation pays work on a day off at least double (art. 153) and overtime at one and
    # a half for its first two hours (art. 152).
    saturday_cost_factor: float = Field(default=2.0, ge=1, le=5)
    evening_cost_factor: float = Field(default=1.5, ge=1, le=5)


class _Change(Strict):
    model_config = Strict.model_config | {"populate_by_name": True}


class AddWindows(_Change):
    kind: Literal["add_windows"]
    office: OfficeCode
    windows: int = Field(ge=1, le=500)
    first: dt.date = Field(alias="from")
    last: dt.date | None = Field(default=None, alias="to")


class ExtendHours(_Change):
    kind: Literal["extend_hours"]
    office: OfficeCode
    hours: Annotated[DayHours, Field(min_length=1)]
    weekdays: list[Weekday] = Field(default_factory=lambda: list(WORKING_WEEK))
    first: dt.date = Field(alias="from")
    last: dt.date | None = Field(default=None, alias="to")


class ExtraDay(_Change):
    kind: Literal["extra_day"]
    office: OfficeCode
    weekday: Weekday
    hours: Annotated[DayHours, Field(min_length=1)]
    first: dt.date = Field(alias="from")
    last: dt.date | None = Field(default=None, alias="to")


class MobileTeam(_Change):
    """A visiting team: extra windows on given days and hours only.

    Without ``at``, the windows are the office's own. With ``at`` (and the scenario's
    ``[geography]``), the team works in another place, run by ``office``: the people of
    the backlog living within ``radius_km`` of it, and nearer to it than to their own
    office, go to it, as many as it can serve in its days.
    """

    kind: Literal["mobile_team"]
    office: OfficeCode
    windows: int = Field(ge=1, le=100)
    hours: Annotated[DayHours, Field(min_length=1)]
    weekdays: list[Weekday] = Field(default_factory=lambda: list(WORKING_WEEK))
    first: dt.date = Field(alias="from")
    last: dt.date = Field(alias="to")
    at: Coordinates | None = None
    place: str | None = Field(default=None, min_length=1, max_length=100)  # its town
    radius_km: float = Field(default=300, gt=0, le=3000)


class NearestOffice(_Change):
    """People go to the office nearest to where they live (``[geography]``), a ``share``
    of them; among ``offices`` only, when given."""

    kind: Literal["nearest_office"]
    share: float = Field(default=1.0, gt=0, le=1)
    offices: list[OfficeCode] | None = None


class MoveDeadline(_Change):
    kind: Literal["move_deadline"]
    to: dt.date


class ShiftDemand(_Change):
    kind: Literal["shift_demand"]
    source: OfficeCode = Field(alias="from")
    target: OfficeCode = Field(alias="to")
    share: float = Field(gt=0, le=1)


Change = Annotated[
    AddWindows | ExtendHours | ExtraDay | MobileTeam | MoveDeadline | ShiftDemand | NearestOffice,
    Field(discriminator="kind"),
]


class WhatIf(Strict):
    name: Text
    changes: list[Change] = Field(min_length=1)


class Geography(Strict):
    """Where the backlog lives: a CSV file of regions (``region,lat,lon,office,people``),
    or the rows here as ``[[geography.table]]``. An office without a region has its
    people where it is."""

    regions: str | None = Field(default=None, min_length=1)  # relative to the scenario
    table: list[Region] = Field(default_factory=list, max_length=5_000)

    @model_validator(mode="after")
    def _some_regions(self) -> Geography:
        if self.regions is None and not self.table:
            raise ValueError(
                'name a regions CSV file with regions = "…", or give [[geography.table]] rows'
            )
        return self


class ScenarioSpec(Strict):
    scenario: ScenarioInfo
    geography: Geography | None = None
    defaults: Behaviour = Field(default_factory=Behaviour)
    services: dict[str, ServiceTimesSpec] = Field(default_factory=dict)
    offices: list[OfficeDemand] = Field(min_length=1)
    what_ifs: list[WhatIf] = Field(default_factory=list, max_length=20)


class ScenarioFileError(Exception):
    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_scenario(path: Path) -> tuple[ScenarioSpec, NetworkSpec]:
    """The scenario and its network, or every problem found in both, with fixes."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise _single(source, "(file)", f"cannot be read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise _single(source, "(file)", "is not UTF-8 text; save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioFileError([syntax_problem(source, exc)]) from exc
    lines = key_lines(text)
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        problems = [problem_from_error(source, lines, error) for error in exc.errors()]
        raise ScenarioFileError(sorted(problems, key=lambda p: p.line or 0)) from None
    network_path = (path.parent / spec.scenario.network).resolve()
    try:
        network = read_network_file(network_path)
    except NetworkFileError as exc:
        at = ("scenario", "network")
        raise ScenarioFileError(
            [
                FileProblem(
                    source,
                    line_of(lines, at),
                    dotted(at),
                    f"the network file {spec.scenario.network} has errors; "
                    "run `kezek network validate` on it",
                ),
                *exc.problems,
            ]
        ) from None
    spec = _with_regions(spec, path.parent)
    problems = [
        FileProblem(source, line_of(lines, at), dotted(at), message)
        for at, message in cross_check(spec, network)
    ]
    if problems:
        raise ScenarioFileError(sorted(problems, key=lambda p: p.line or 0))
    return spec, network


def _with_regions(spec: ScenarioSpec, folder: Path) -> ScenarioSpec:
    """The scenario with its regions file read into ``geography.table``."""
    geography = spec.geography
    if geography is None or geography.regions is None:
        return spec
    try:
        table = read_regions(folder / geography.regions)
    except RegionsFileError as exc:
        raise ScenarioFileError(exc.problems) from None
    return spec.model_copy(update={"geography": geography.model_copy(update={"table": table})})


def _single(source: str, field: str, message: str) -> ScenarioFileError:
    return ScenarioFileError([FileProblem(source, None, field, message)])


def cross_check(
    spec: ScenarioSpec, network: NetworkSpec
) -> list[tuple[tuple[str | int, ...], str]]:
    """What only the scenario and the network together show: unknown codes, mixed-up dates."""
    offices = {office.code: office for office in network.offices}
    service_codes = {service.code for service in network.services}
    found: list[tuple[tuple[str | int, ...], str]] = []

    def known_office(at: tuple[str | int, ...], code: str) -> None:
        if code not in offices:
            found.append(
                (at, f"office '{code}' is not in the network; use one of {_list(offices)}")
            )

    seen: set[str] = set()
    for o, office in enumerate(spec.offices):
        at: tuple[str | int, ...] = ("offices", o)
        known_office((*at, "code"), office.code)
        if office.code in seen:
            found.append(((*at, "code"), f"office '{office.code}' is listed twice; list it once"))
        seen.add(office.code)
        offered = set(offices[office.code].services) if office.code in offices else service_codes
        for code in office.backlog:
            if code not in offered:
                found.append(
                    (
                        (*at, "backlog", code),
                        f"service '{code}' is not offered at '{office.code}'; "
                        f"use one of {_list(offered)}",
                    )
                )
        now = len(offices[office.code].windows) if office.code in offices else 0
        if office.max_windows is not None and office.max_windows < now:
            found.append(
                (
                    (*at, "max_windows"),
                    f"'{office.code}' already has {now} windows; give at least {now}",
                )
            )
        dates = [change.first for change in office.demand_changes]
        if dates != sorted(dates):
            found.append(((*at, "demand_changes"), "list the changes in date order"))
    for code in spec.services:
        if code not in service_codes:
            found.append(
                (
                    ("services", code),
                    f"service '{code}' is not in the network; use one of {_list(service_codes)}",
                )
            )
    found += _geography_check(spec, offices)
    for w, what_if in enumerate(spec.what_ifs):
        for c, change in enumerate(what_if.changes):
            at = ("what_ifs", w, "changes", c)
            if isinstance(change, NearestOffice):
                for code in change.offices or []:
                    known_office((*at, "offices"), code)
            elif isinstance(change, ShiftDemand):
                known_office((*at, "from"), change.source)
                known_office((*at, "to"), change.target)
                if change.source == change.target:
                    found.append(((*at, "to"), "demand must move to another office"))
            elif isinstance(change, MoveDeadline):
                if change.to <= spec.scenario.start:
                    found.append(((*at, "to"), "the new deadline must be after the start"))
            else:
                known_office((*at, "office"), change.office)
                last = getattr(change, "last", None)
                if last is not None and last < change.first:
                    found.append(((*at, "to"), "'to' is before 'from'; swap them"))
    return found


def _geography_check(
    spec: ScenarioSpec, offices: dict[str, Any]
) -> list[tuple[tuple[str | int, ...], str]]:
    """Regions of known offices, and a [geography] for the changes that need one."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    if spec.geography is not None:
        for code in sorted({region.office for region in spec.geography.table} - set(offices)):
            found.append(
                (
                    ("geography", "regions"),
                    f"a region names office '{code}', not in the network; use one of "
                    f"{_list(offices)}",
                )
            )
        return found
    for w, what_if in enumerate(spec.what_ifs):
        for c, change in enumerate(what_if.changes):
            needs = isinstance(change, NearestOffice) or (
                isinstance(change, MobileTeam) and change.at is not None
            )
            if needs:
                found.append(
                    (
                        ("what_ifs", w, "changes", c, "kind"),
                        "moving people by distance needs to know where they live: add a "
                        '[geography] table with regions = "regions.csv"',
                    )
                )
    return found


def _list(codes: Iterable[str]) -> str:
    return ", ".join(sorted(codes))
