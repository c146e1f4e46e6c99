"""The network file: its structure, and the checks that need the whole file at once."""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from kezek.codes import CODE_PATTERN
from kezek.i18n import N_
from kezek.network.calendar import (
    WEEKDAYS,
    Closure,
    ExtraHours,
    OfficeCalendar,
    TimeRange,
    WeeklyHours,
    merge_ranges,
)
from kezek.network.messages import Message

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Path = tuple[str | int, ...]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class LocalizedText(Strict):
    ky: str = Field(min_length=1, max_length=300)
    ru: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)


def _check_ranges(texts: list[str]) -> list[str]:
    ranges = [TimeRange.parse(text) for text in texts]
    if len(merge_ranges(ranges)) != len(ranges):  # merging joins overlapping or touching ranges
        raise Message(N_("%(ranges)s overlap or touch; join them into one range"), ranges=texts)
    return texts


DayHours = Annotated[list[str], AfterValidator(_check_ranges)]
WeeklySpec = dict[Weekday, DayHours]


class ServiceSpec(Strict):
    code: str = Field(pattern=CODE_PATTERN)
    # Queue tickets of the service are numbered, … per office and day.
    ticket_prefix: str = Field(pattern=r"^[A-Z]{1,2}$")
    name: LocalizedText
    duration_minutes: int = Field(ge=1, le=480)
    documents: list[LocalizedText] = Field(default_factory=list, max_length=30)


class Coordinates(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class ClosureSpec(Strict):
    model_config = ConfigDict(populate_by_name=True)

    date: dt.date | None = None
    first: dt.date | None = Field(default=None, alias="from")
    last: dt.date | None = Field(default=None, alias="to")
    reason: str = Field(default="", max_length=300)

    @model_validator(mode="after")
    def _one_form(self) -> ClosureSpec:
        if self.date is not None and (self.first or self.last):
            raise Message(N_("give either date = … or from = … and to = …, not both"))
        if self.date is None and (self.first is None or self.last is None):
            raise Message(N_("give date = 2025-05-01, or from = … and to = … for several days"))
        if self.first and self.last and self.first > self.last:
            raise Message(N_("'from' is after 'to'; swap them"))
        return self

    def span(self) -> tuple[dt.date, dt.date]:
        if self.date is not None:
            return self.date, self.date
        assert self.first is not None and self.last is not None
        return self.first, self.last


class ExtraHoursSpec(Strict):
    date: dt.date
    hours: Annotated[DayHours, Field(min_length=1)]
    windows: list[str] = Field(default_factory=list)
    note: str = Field(default="", max_length=300)


class WindowSpec(Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: LocalizedText | None = None
    services: list[str] = Field(min_length=1)
    group: str | None = Field(default=None, pattern=CODE_PATTERN)
    bookable: bool = True
    hours: WeeklySpec | None = None


class QueueSpec(Strict):
    """How the office's live queue calls tickets; see the README's call-next policy."""

    # What a booking's holder is told: come this long before the booked time, to check in.
    arrive_early_minutes: int = Field(default=15, ge=0, le=240)
    # What someone still waiting at closing is told besides coming back or booking, such as
    # "show this ticket at the door tomorrow before 10:00 to be called first".
    not_served_note: LocalizedText | None = None
    call_early_minutes: int = Field(default=5, ge=0, le=120)
    late_grace_minutes: int = Field(default=15, ge=0, le=240)
    late_arrival: Literal["walk_in", "refuse"] = "walk_in"
    priority_groups: list[Annotated[str, Field(pattern=CODE_PATTERN)]] = Field(
        default_factory=lambda: ["priority"], max_length=10
    )
    max_wait_minutes: int = Field(default=120, ge=1, le=24 * 60)
    call_early_appointments: bool = True
    overdue_before_appointments: bool = False
    # A booking here needs a phone confirmed by a one-time SMS code (KEZEK_VERIFY_PHONES
    # asks it of every office).
    verify_phone: bool = False
    # Today's walk-in tickets taken from a phone, with a confirmed number, before arriving:
    # how many a day, and from what local time.
    remote_tickets: bool = False
    remote_tickets_per_day: int = Field(default=200, ge=1, le=100_000)
    remote_tickets_from: str = Field(default="07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    @field_validator("priority_groups")
    @classmethod
    def _distinct(cls, groups: list[str]) -> list[str]:
        if len(set(groups)) != len(groups):
            raise Message(N_("a group is listed twice; list each once, in order of priority"))
        return groups


class OfficeSpec(Strict):
    code: str = Field(pattern=CODE_PATTERN)
    kind: Literal["embassy", "consulate", "migration_center", "mobile_team"]
    name: LocalizedText
    city: LocalizedText
    address: LocalizedText
    country: str = Field(pattern=r"^[A-Z]{2}$")
    phone: str | None = Field(default=None, max_length=40)
    timezone: str
    coordinates: Coordinates
    slot_minutes: int = Field(default=10, ge=5, le=120)
    services: list[str] = Field(min_length=1)
    hours: WeeklySpec
    closures: list[ClosureSpec] = Field(default_factory=list)
    extra_hours: list[ExtraHoursSpec] = Field(default_factory=list)
    windows: list[WindowSpec] = Field(min_length=1)
    queue: QueueSpec = Field(default_factory=QueueSpec)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(value, sorted(available_timezones()), n=1)
            if close:
                raise Message(
                    N_("'%(zone)s' is not an IANA time zone; did you mean %(close)s?"),
                    zone=value,
                    close=close[0],
                ) from None
            raise Message(
                N_("'%(zone)s' is not an IANA time zone; use one such as Europe/Moscow"),
                zone=value,
            ) from None
        return value

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise Message(
                N_("'%(country)s' is not an ISO 3166 country code; use one such as RU"),
                country=value,
            )
        return value

    @model_validator(mode="after")
    def _phone_in_e164(self) -> OfficeSpec:
        """The office's phone, read in its own country and kept as +74951234567."""
        if self.phone is None:
            return self
        try:
            number = phonenumbers.parse(self.phone, self.country)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise Message(
                N_(
                    "phone '%(phone)s' is not a valid phone number; write it with the country "
                    "code, for example +7 495 123-45-67"
                ),
                phone=self.phone,
            )
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return self.model_copy(update={"phone": e164})

    def groups(self) -> list[str]:
        """The groups its queue calls first and its corridors serve, each once, in order."""
        found = list(self.queue.priority_groups)
        found += [w.group for w in self.windows if w.group and w.group not in found]
        return found

    def calendar_document(self) -> dict[str, Any]:
        """The form kept in the database, the same notation as the file."""
        return {
            "hours": dict(self.hours),
            "closures": [
                {"from": c.span()[0].isoformat(), "to": c.span()[1].isoformat(), "reason": c.reason}
                for c in self.closures
            ],
            "extra_hours": [
                {"date": e.date.isoformat(), "hours": e.hours, "windows": e.windows, "note": e.note}
                for e in self.extra_hours
            ],
        }


MAX_ROUND_DAYS = 62


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise Message(
            N_(
                "'%(time)s' has no offset from UTC; write it with one, such as "
                "2025-04-20T09:00:00+03:00"
            ),
            time=value.isoformat(),
        )
    return value.astimezone(dt.UTC)


AwareTime = Annotated[dt.datetime, AfterValidator(_aware)]


class RoundSpec(Strict):
    """Places given out by a draw: applications in a window, then a verifiable draw."""

    model_config = ConfigDict(populate_by_name=True)

    code: str = Field(pattern=CODE_PATTERN)
    name: LocalizedText
    offices: list[str] = Field(min_length=1, max_length=100)
    services: list[str] = Field(min_length=1, max_length=50)
    first: dt.date = Field(alias="from")
    last: dt.date = Field(alias="to")
    opens: AwareTime
    closes: AwareTime
    draw: AwareTime
    # Applicants whose legal stay ends before this date are "urgent": a share of every
    # day's places is reserved for them first, then a share for the priority groups.
    urgent_before: dt.date | None = None
    urgent_share: int = Field(default=0, ge=0, le=100)
    groups: list[Annotated[str, Field(pattern=CODE_PATTERN)]] = Field(
        default_factory=lambda: ["priority"], max_length=10
    )
    groups_share: int = Field(default=0, ge=0, le=100)
    # A winner confirms the booking within this time, or the place goes to the waitlist.
    confirm_hours: int = Field(default=48, ge=1, le=24 * 14)
    # When someone outside the ministry holds the seed, the SHA-256 they published; the
    # draw then asks for the seed itself. Otherwise Kezek draws the seed and keeps it.
    commitment: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _consistent(self) -> RoundSpec:
        if self.first > self.last:
            raise Message(N_("'from' is after 'to'; swap them"))
        if (self.last - self.first).days >= MAX_ROUND_DAYS:
            raise Message(
                N_("a round covers at most %(days)s days; split it into rounds"),
                days=MAX_ROUND_DAYS,
            )
        if not self.opens < self.closes <= self.draw:
            raise Message(N_("the times must follow each other: opens, then closes, then draw"))
        if self.urgent_share + self.groups_share > 100:
            raise Message(N_("urgent_share and groups_share add up to more than 100; lower them"))
        if self.urgent_share and self.urgent_before is None:
            raise Message(
                N_("urgent_share needs urgent_before, the date before which a legal stay ends")
            )
        return self


class NetworkInfo(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class GroupSpec(Strict):
    """A priority group or a corridor's group, as the kiosk offers it to people."""

    code: str = Field(pattern=CODE_PATTERN)
    name: LocalizedText
    who: LocalizedText | None = None  # who belongs to it, and what to show at the window


# Named even when the file names no groups: the default of every office's queue.
BUILT_IN_GROUP_NAMES: dict[str, dict[str, str]] = {
    "priority": {
        "ky": "Артыкчылыктуу кезек",
        "ru": "Приоритетная очередь",
        "en": "Priority line",
    },
}
BUILT_IN_GROUP_WHO: dict[str, dict[str, str]] = {
    "priority": {
        "ky": "Улгайган адамдар, мүмкүнчүлүгү чектелген адамдар, кош бойлуу аялдар жана "
        "кичинекей балдары бар ата-энелер. Терезеде муну тастыктаган документти көрсөтүңүз.",
        "ru": "Пожилые люди, люди с инвалидностью, беременные женщины и родители с "
        "маленькими детьми. Покажите подтверждающий документ в окне.",
        "en": "Older people, people with a disability, pregnant women and parents with small "
        "children. Show a document that proves it at the window.",
    },
}


class NetworkSpec(Strict):
    network: NetworkInfo
    groups: list[GroupSpec] = Field(default_factory=list, max_length=20)
    services: list[ServiceSpec] = Field(min_length=1)
    offices: list[OfficeSpec] = Field(min_length=1)
    rounds: list[RoundSpec] = Field(default_factory=list, max_length=200)


def cross_check(
    *,
    services: list[ServiceSpec | None],
    offices: list[OfficeSpec | None],
    service_codes: set[str],
    group_codes: list[str] | None = None,
) -> Iterator[tuple[Path, Message]]:
    """Errors that only the whole file shows: duplicates, unknown references, the slot grid.

    Entries that failed their own validation are None and skipped, so that one bad office
    does not hide the errors of the others.
    """
    yield from _duplicates(
        ("services",),
        [s.code if s else "" for s in services],
        N_("service code '%(code)s' is used %(count)s times; make it unique"),
    )
    yield from _duplicates(
        ("services",),
        [s.ticket_prefix if s else "" for s in services],
        N_("ticket prefix '%(code)s' is used %(count)s times; make it unique"),
        field="ticket_prefix",
    )
    yield from _duplicates(
        ("offices",),
        [o.code if o else "" for o in offices],
        N_("office code '%(code)s' is used %(count)s times; make it unique"),
    )
    yield from _duplicates(
        ("groups",),
        group_codes or [],
        N_("group code '%(code)s' is used %(count)s times; make it unique"),
    )
    named = set(group_codes or ()) | BUILT_IN_GROUP_NAMES.keys()
    for o, office in enumerate(offices):
        if office is not None:
            yield from _office_problems(("offices", o), office, service_codes, named)


def round_problems(spec: NetworkSpec) -> Iterator[tuple[Path, Message]]:
    """What the rounds name must exist, and no day of a service at an office is in two."""
    yield from _duplicates(
        ("rounds",),
        [r.code for r in spec.rounds],
        N_("round code '%(code)s' is used %(count)s times; make it unique"),
    )
    offices = {office.code: office for office in spec.offices}
    named = {group.code for group in spec.groups} | BUILT_IN_GROUP_NAMES.keys()
    taken: dict[tuple[str, str, dt.date], str] = {}
    for r, round_spec in enumerate(spec.rounds):
        at: Path = ("rounds", r)
        for o, code in enumerate(round_spec.offices):
            if code not in offices:
                yield (
                    (*at, "offices", o),
                    _unknown(
                        N_("unknown office '%(code)s'; use one of %(known)s"), code, set(offices)
                    ),
                )
        offered = {
            s for code in round_spec.offices if code in offices for s in offices[code].services
        }
        known = all(code in offices for code in round_spec.offices)
        for s, code in enumerate(round_spec.services):
            if known and code not in offered:  # an unknown office is the error to fix
                yield (
                    (*at, "services", s),
                    _unknown(
                        N_(
                            "no office of the round offers service '%(code)s'; use one of %(known)s"
                        ),
                        code,
                        offered,
                    ),
                )
        for g, code in enumerate(round_spec.groups):
            if code not in named:
                yield (*at, "groups", g), _unnamed(code)
        for code in round_spec.offices:
            if code in offices:
                yield from _round_at_office(at, round_spec, offices[code])
        for key in _round_days(round_spec, offices):
            if key in taken:
                yield (
                    (*at, "from"),
                    Message(
                        N_(
                            "%(day)s of '%(service)s' at '%(office)s' is already in round "
                            "'%(other)s'; a day belongs to one round"
                        ),
                        day=key[2].isoformat(),
                        service=key[1],
                        office=key[0],
                        other=taken[key],
                    ),
                )
                break
            taken[key] = round_spec.code


def _round_at_office(
    at: Path, round_spec: RoundSpec, office: OfficeSpec
) -> Iterator[tuple[Path, Message]]:
    """The draw runs before the round's first day where the office is; and no service
    left to first come, first served takes the round's places from a window they share."""
    if round_spec.draw.astimezone(ZoneInfo(office.timezone)).date() >= round_spec.first:
        yield (
            (*at, "draw"),
            Message(
                N_("the draw must run before the round's first day, %(first)s; move it earlier"),
                first=round_spec.first.isoformat(),
            ),
        )
    drawn = set(round_spec.services)
    for window in office.windows:
        shared = set(window.services)
        outside = sorted(shared - drawn) if window.bookable and shared & drawn else []
        if outside:
            yield (
                (*at, "services"),
                Message(
                    N_(
                        "window '%(window)s' of '%(office)s' also books %(services)s, which "
                        "would take the round's places; add them to the round's services"
                    ),
                    window=window.code,
                    office=office.code,
                    services=", ".join(outside),
                ),
            )
            return


def _round_days(
    round_spec: RoundSpec, offices: dict[str, OfficeSpec]
) -> Iterator[tuple[str, str, dt.date]]:
    for office in round_spec.offices:
        for service in round_spec.services:
            if office in offices and service in offices[office].services:
                day = round_spec.first
                while day <= round_spec.last:
                    yield office, service, day
                    day += dt.timedelta(days=1)


def _office_problems(
    at: Path, office: OfficeSpec, known: set[str], named: set[str]
) -> Iterator[tuple[Path, Message]]:
    for s, code in enumerate(office.services):
        if code not in known:
            yield (
                (*at, "services", s),
                _unknown(N_("unknown service '%(code)s'; use one of %(known)s"), code, known),
            )
    yield from _unnamed_groups(at, office, named)
    yield from _window_problems(at, office)
    for s, code in enumerate(office.services):
        if code in known and not any(code in w.services for w in office.windows):
            yield (
                (*at, "services", s),
                Message(
                    N_(
                        "no window of office '%(office)s' handles service '%(service)s'; "
                        "add it to a window's services or remove it here"
                    ),
                    office=office.code,
                    service=code,
                ),
            )
    yield from _off_grid(_weekly_ranges((*at, "hours"), office.hours), office.slot_minutes)
    window_codes = {w.code for w in office.windows}
    for e, extra in enumerate(office.extra_hours):
        yield from _off_grid(
            [((*at, "extra_hours", e, "hours", i), t) for i, t in enumerate(extra.hours)],
            office.slot_minutes,
        )
        for i, code in enumerate(extra.windows):
            if code not in window_codes:
                yield (
                    (*at, "extra_hours", e, "windows", i),
                    _unknown(
                        N_("unknown window '%(code)s'; use one of %(known)s"), code, window_codes
                    ),
                )


def _window_problems(at: Path, office: OfficeSpec) -> Iterator[tuple[Path, Message]]:
    offered = set(office.services)
    yield from _duplicates(
        (*at, "windows"),
        [w.code for w in office.windows],
        N_("window code '%(code)s' is used %(count)s times; make it unique"),
    )
    for w, window in enumerate(office.windows):
        for s, code in enumerate(window.services):
            if code not in offered:
                yield (
                    (*at, "windows", w, "services", s),
                    Message(
                        N_(
                            "service '%(service)s' is not offered by office '%(office)s'; "
                            "add it to the office's services or use one of %(offered)s"
                        ),
                        service=code,
                        office=office.code,
                        offered=_listing(offered),
                    ),
                )
        yield from _off_grid(
            _weekly_ranges((*at, "windows", w, "hours"), window.hours), office.slot_minutes
        )


def _unnamed_groups(
    at: Path, office: OfficeSpec, named: set[str]
) -> Iterator[tuple[Path, Message]]:
    """The kiosk offers each group by its name, so every group used needs one."""
    for g, code in enumerate(office.queue.priority_groups):
        if code not in named:
            yield (*at, "queue", "priority_groups", g), _unnamed(code)
    for w, window in enumerate(office.windows):
        if window.group and window.group not in named:
            yield (*at, "windows", w, "group"), _unnamed(window.group)


def _unnamed(code: str) -> Message:
    return Message(
        N_("group '%(group)s' has no name; add [[groups]] with code = \"%(group)s\" and its name"),
        group=code,
    )


def _duplicates(
    at: Path, codes: list[str], said: str, *, field: str = "code"
) -> Iterator[tuple[Path, Message]]:
    """``said`` names the code and the count: "… '%(code)s' is used %(count)s times …"."""
    for code, count in Counter(codes).items():
        if code and count > 1:
            index = len(codes) - 1 - codes[::-1].index(code)
            yield (*at, index, field), Message(said, code=code, count=count)


def _unknown(said: str, code: str, known: set[str]) -> Message:
    return Message(said, code=code, known=_listing(known))


def _listing(codes: set[str]) -> str:
    return ", ".join(sorted(codes)) or "(none defined)"


def _weekly_ranges(at: Path, weekly: WeeklySpec | None) -> list[tuple[Path, str]]:
    return [
        ((*at, day, i), text)
        for day, texts in (weekly or {}).items()
        for i, text in enumerate(texts)
    ]


def _off_grid(ranges: list[tuple[Path, str]], slot: int) -> Iterator[tuple[Path, Message]]:
    for at, text in ranges:
        time_range = TimeRange.parse(text)
        if time_range.opens % slot or time_range.closes % slot:
            yield (
                at,
                Message(
                    N_(
                        "'%(text)s' is off the %(slot)s-minute slot grid; start and end on a "
                        "multiple of %(slot)s minutes, or change slot_minutes"
                    ),
                    text=text,
                    slot=slot,
                ),
            )


def calendar_from_document(document: dict[str, Any]) -> OfficeCalendar:
    return OfficeCalendar(
        weekly=weekly_from_document(document.get("hours", {})),
        closures=tuple(
            Closure(date.fromisoformat(c["from"]), date.fromisoformat(c["to"]), c.get("reason", ""))
            for c in document.get("closures", [])
        ),
        extra=tuple(
            ExtraHours(
                day=date.fromisoformat(e["date"]),
                ranges=tuple(TimeRange.parse(text) for text in e["hours"]),
                windows=frozenset(e.get("windows", [])),
                note=e.get("note", ""),
            )
            for e in document.get("extra_hours", [])
        ),
    )


def weekly_from_document(document: dict[str, list[str]]) -> WeeklyHours:
    return WeeklyHours(
        {
            WEEKDAYS.index(day): tuple(TimeRange.parse(text) for text in texts)
            for day, texts in document.items()
        }
    )
