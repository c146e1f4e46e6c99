"""A whole office day, replayed through the HTTP API on a simulated clock.

The day comes from a seed: a crowd of walk-ins at opening (people queue from 4 a.m.), then a
steady stream; appointment holders who come early, on time, late or not at all; priority
citizens; people who give up and leave; citizens sent on to a second service. Four clerks
call, start and finish tickets. ``QueueChecker`` holds the queue to its promises at every
call, and every estimate a citizen was shown is kept to be compared with the real call.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from kezek.notify.verification import phone_proof
from kezek.queue.service import close_due_days
from tests.conftest import TEST_SECRET
from tests.factories import one_office_network

OFFICE = "day"
ZONE = ZoneInfo("Asia/Bishkek")
MAX_WAIT = timedelta(minutes=60)
LATE_GRACE = timedelta(minutes=15)
CALL_EARLY = timedelta(minutes=5)
HOUR = timedelta(hours=1)
CORRIDOR = {"4": "priority"}
WINDOW_SERVICES = {code: frozenset({"quick", "long"}) for code in ("1", "2", "3", "4")}
# How long services really take; the network says 10 and 20, and the estimates must learn it.
TRUE_MEAN_MINUTES = {"quick": 12.0, "long": 18.0}

NETWORK = one_office_network(
    office=OFFICE,
    kind="consulate",
    timezone="Asia/Bishkek",
    services=[("quick", "Q", 10), ("long", "L", 20)],
    windows=[(code, ["quick", "long"], CORRIDOR.get(code)) for code in WINDOW_SERVICES],
    hours="09:00-18:00",
    queue={
        "max_wait_minutes": MAX_WAIT.seconds // 60,
        "late_grace_minutes": LATE_GRACE.seconds // 60,
        "call_early_minutes": CALL_EARLY.seconds // 60,
    },
    # And tickets from phones, from 7 a.m.
).replace(
    "[offices.queue]\n", '[offices.queue]\nremote_tickets = true\nremote_tickets_from = "07:00"\n'
)


@dataclass
class Person:
    arrives_at: datetime | None  # None: an appointment holder who never comes
    service: str
    service_minutes: float
    group: str | None = None
    appointment_at: datetime | None = None
    document: str | None = None
    leaves_after: timedelta | None = None  # gives up waiting and goes home
    then: str | None = None  # a second service, through a transfer
    reference: str | None = None
    # A ticket from a phone: taken at ``arrives_at``, checked in at the office at
    # ``checks_in_after`` later, or never (None).
    phone: str | None = None
    checks_in_after: timedelta | None = None


def plan_day(seed: int, day: date) -> list[Person]:
    rng = random.Random(seed)

    def local(hour: int, minute: float = 0) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=ZONE) + timedelta(minutes=minute)

    def duration(service: str) -> float:
        sigma = 0.4
        return rng.lognormvariate(math.log(TRUE_MEAN_MINUTES[service]) - sigma**2 / 2, sigma)

    def walk_in(at: datetime) -> Person:
        service = "quick" if rng.random() < 0.7 else "long"
        return Person(
            arrives_at=at,
            service=service,
            service_minutes=duration(service),
            group="priority" if rng.random() < 0.1 else None,
            leaves_after=timedelta(minutes=rng.uniform(20, 90)) if rng.random() < 0.08 else None,
            then="long" if service == "quick" and rng.random() < 0.06 else None,
        )

    people = [walk_in(local(9, i / 3)) for i in range(25)]  # the crowd at the door
    at = local(9)
    while True:
        rate_per_hour = 18 if at < local(11) else 10
        at += timedelta(hours=rng.expovariate(rate_per_hour))
        if at >= local(17, 30):
            break
        people.append(walk_in(at))
    # Hoping to be seen before closing: most of them will go home unserved.
    people += [walk_in(local(17, 35 + i)) for i in range(12)]
    people += _appointments(rng, local, duration)
    # Apart, on their own draws, so that the rest of the day stays as it was.
    people += _from_phones(random.Random(seed + 1), local, duration)
    return people


def _from_phones(
    rng: random.Random,
    local: Callable[[int, float], datetime],
    duration: Callable[[str], float],
    count: int = 12,
) -> list[Person]:
    """Tickets taken from phones before opening; most holders come in time, some late,
    some not at all."""
    people = []
    for n in range(count):
        service = "quick" if rng.random() < 0.7 else "long"
        taken = local(7, 5 * n + rng.uniform(0, 5))
        # Most come around the opening, in the order they took their tickets, some of them
        # after their turns came; every fifth comes hours late, and every fourth never.
        comes = local(12, 30 * rng.random()) if n % 5 == 0 else local(8, 45 + 3 * n)
        people.append(
            Person(
                arrives_at=taken,
                service=service,
                service_minutes=duration(service),
                phone=f"+99655577{n:04d}",
                checks_in_after=None if n % 4 == 3 else comes - taken,
            )
        )
    return people


def _appointments(
    rng: random.Random,
    local: Callable[[int, float], datetime],
    duration: Callable[[str], float],
    count: int = 24,
) -> list[Person]:
    booked: Counter[datetime] = Counter()
    people: list[Person] = []
    while len(people) < count:
        service = "quick" if rng.random() < 0.6 else "long"
        start = local(9, 10 * rng.randrange(0, 50))
        cells = [start + timedelta(minutes=10 * i) for i in range(2 if service == "long" else 1)]
        if any(booked[cell] >= 3 for cell in cells):  # three bookable windows
            continue
        booked.update(cells)
        luck = rng.random()
        if luck < 0.10:
            arrives: datetime | None = None
        elif luck < 0.75:
            arrives = start - timedelta(minutes=rng.uniform(0, 20))
        elif luck < 0.88:
            arrives = start + timedelta(minutes=rng.uniform(0, 14))
        else:
            arrives = start + timedelta(minutes=rng.uniform(16, 40))
        people.append(
            Person(
                arrives_at=arrives,
                service=service,
                service_minutes=duration(service),
                appointment_at=start,
                document=f"RP{len(people):07d}",
            )
        )
    return people


@dataclass
class Seen:
    """A ticket as the replay knows it."""

    id: int
    secret: str
    service: str
    group: str | None
    arrived_at: datetime
    appointment_at: datetime | None
    issued_at: datetime
    person: Person
    transfer: bool = False
    called_at: datetime | None = None
    estimates: list[tuple[datetime, datetime]] = field(default_factory=list)
    remote: bool = False
    checked_in_at: datetime | None = None
    code: str = ""
    passed_over: bool = False  # seen so on its page: its turn came in its absence

    @property
    def absent(self) -> bool:
        """From a phone, its holder not at the office yet: not to be called."""
        return self.remote and self.checked_in_at is None

    def waiting_since(self) -> datetime:
        if self.appointment_at is not None:
            return max(self.arrived_at, self.appointment_at)
        if self.checked_in_at is not None:
            return max(self.arrived_at, self.checked_in_at)
        return self.arrived_at

    def overdue(self, now: datetime) -> bool:
        return now - self.waiting_since() >= MAX_WAIT

    def due(self, now: datetime) -> bool:
        return self.appointment_at is not None and now >= self.appointment_at - CALL_EARLY


class QueueChecker:
    """The queue's promises, stated independently of the policy code, checked at each call."""

    def __init__(self) -> None:
        self.waiting: dict[int, Seen] = {}
        self.called: set[int] = set()
        self.not_served: set[int] = set()
        self.missed: set[int] = set()  # from phones, absent when their turns came
        self.broken: list[str] = []

    def closed(self, now: datetime) -> None:
        """The line closed: the walk-ins still waiting go home; those with a booking, and
        those sent on to another service, are still served."""
        home = {
            ticket_id
            for ticket_id, ticket in self.waiting.items()
            if ticket.appointment_at is None and not ticket.transfer
        }
        self.not_served |= home
        for ticket_id in home:
            del self.waiting[ticket_id]

    def issued(self, ticket: Seen) -> None:
        self.waiting[ticket.id] = ticket

    def gone(self, ticket_id: int) -> None:
        """A ticket from a phone closed as a no-show: absent at two of its turns."""
        ticket = self.waiting.pop(ticket_id)
        if not ticket.absent:
            self.broken.append(f"ticket {ticket_id} was closed though its holder came")
        self.missed.add(ticket_id)

    def idle(self, window: str, now: datetime) -> None:
        servable = [
            t
            for t in self.waiting.values()
            if t.service in WINDOW_SERVICES[window] and not t.absent
        ]
        if servable:
            self.broken.append(f"{now:%H:%M} window {window} was told nobody waits: {servable}")

    def call(self, window: str, ticket_id: int, now: datetime) -> Seen:
        if ticket_id in self.called:
            self.broken.append(f"{now:%H:%M} ticket {ticket_id} called twice")
        self.called.add(ticket_id)
        chosen = self.waiting.pop(ticket_id)
        chosen.called_at = now
        if chosen.absent:
            self.broken.append(f"{now:%H:%M} ticket {ticket_id} called before checking in")
        corridor = CORRIDOR.get(window)
        for other in self.waiting.values():
            if other.service not in WINDOW_SERVICES[window] or other.absent:
                continue
            if corridor is not None and chosen.group == corridor != other.group:
                continue  # a corridor serves its own group first
            problem = _passed_over(chosen, other, now)
            if problem:
                self.broken.append(f"{now:%H:%M} window {window}: {problem}")
        return chosen


def _passed_over(chosen: Seen, other: Seen, now: datetime) -> str | None:
    """Why calling ``chosen`` while ``other`` waits breaks a promise, if it does."""
    if (
        other.appointment_at is None
        and chosen.appointment_at is None
        and (other.service, other.group) == (chosen.service, chosen.group)
        and (other.arrived_at, other.id) < (chosen.arrived_at, chosen.id)
    ):
        return f"FIFO: {chosen.id} called before {other.id}, who came first"
    if other.due(now) and not _due_before(chosen, other, now):
        return f"appointment: {other.id} was due and {chosen.id} went first"
    if (
        other.appointment_at is None
        and other.overdue(now)
        and not chosen.due(now)
        and (not chosen.overdue(now) or chosen.waiting_since() > other.waiting_since())
    ):
        return f"ageing: {other.id} waited past the cap and {chosen.id} went first"
    return None


def _due_before(chosen: Seen, other: Seen, now: datetime) -> bool:
    """Only an appointment due and booked no later overtakes a due appointment."""
    assert other.appointment_at is not None
    return (
        chosen.appointment_at is not None
        and chosen.due(now)
        and (chosen.appointment_at, chosen.id) <= (other.appointment_at, other.id)
    )


class DayReplay:
    """Drives the day: a heap of timed actions, each one or two API requests."""

    def __init__(
        self,
        *,
        client: TestClient,
        clock: Any,
        kiosk: dict[str, str],
        clerks: dict[str, dict[str, str]],
    ) -> None:
        self.client = client
        self.clock = clock
        self.kiosk = kiosk
        self.clerks = clerks
        self.checker = QueueChecker()
        self.tickets: list[Seen] = []
        self.refused: list[Person] = []
        self.late_from_phones: list[Seen] = []
        self.idle: set[str] = set()
        self.closing_closed = 0
        self._heap: list[tuple[datetime, int, Callable[[], None]]] = []
        self._order = 0

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        self._order += 1
        heapq.heappush(self._heap, (moment, self._order, action))

    def run(self, people: list[Person], *, closes_at: datetime) -> None:
        for person in people:
            if person.arrives_at is not None:
                self.at(person.arrives_at, lambda p=person: self._arrive(p))
        for window in self.clerks:
            self.idle.add(window)
        self.at(closes_at, self._close)
        while self._heap:
            moment, _, action = heapq.heappop(self._heap)
            self.clock.now = moment
            action()
        for window, clerk in self.clerks.items():  # the clerks go home
            self.post(f"/offices/{OFFICE}/windows/{window}/close", clerk)

    def _close(self) -> None:
        """Closing time, as every server process sees it: the line closes."""
        context = self.client.app.state.context  # type: ignore[attr-defined]
        self.closing_closed = close_due_days(context)
        self.checker.closed(self.clock.now)

    def post(self, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        response = self.client.post(f"/api/v1{path}", headers=headers, **kwargs)
        assert response.status_code in (200, 201, 204), f"{path}: {response.text}"
        return response.json() if response.status_code != 204 else None

    def _arrive(self, person: Person) -> None:
        if person.phone is not None:
            self._take_from_phone(person, person.phone)
            return
        if person.appointment_at is None:
            body = {"service": person.service, "group": person.group}
            issued = self.post(f"/offices/{OFFICE}/tickets", self.kiosk, json=body)
        else:
            response = self.client.post(
                f"/api/v1/offices/{OFFICE}/check-in",
                json={"reference": person.reference},
                headers={**self.kiosk, "X-Document-Number": str(person.document)},
            )
            if response.status_code == 409:  # too late for the office's rules
                self.refused.append(person)
                return
            assert response.status_code == 201, response.text
            issued = response.json()
        self._track(issued, person, service=person.service, group=person.group)

    def _track(
        self, issued: dict[str, Any], person: Person, *, service: str, group: str | None
    ) -> None:
        appointment = issued["appointment_at"]
        ticket = Seen(
            id=issued["id"],
            secret=issued["secret"],
            service=service,
            group=group,
            arrived_at=datetime.fromisoformat(issued["arrived_at"]),
            appointment_at=datetime.fromisoformat(appointment) if appointment else None,
            issued_at=self.clock.now,
            person=person,
            transfer=service != person.service,
        )
        self.tickets.append(ticket)
        self.checker.issued(ticket)
        self._probe(ticket)
        for window in sorted(self.idle):
            self.at(self.clock.now, lambda w=window: self._free(w))
        self.idle.clear()

    def _take_from_phone(self, person: Person, phone: str) -> None:
        """A ticket from a phone before opening; its holder comes later, or never."""
        proof = phone_proof(phone, secret=TEST_SECRET.encode(), until=self.clock.now + HOUR)
        body = {"service": person.service, "phone": phone, "phone_proof": proof, "language": "ky"}
        taken = self.post(f"/offices/{OFFICE}/remote-tickets", {}, json=body)
        now = self.clock.now
        ticket = Seen(
            taken["id"], taken["secret"], person.service, None, now, None, now, person, remote=True
        )
        ticket.code = taken["code"]
        self.tickets.append(ticket)
        self.checker.issued(ticket)
        if person.checks_in_after is not None:
            self.at(now + person.checks_in_after, lambda: self._check_in(ticket, phone))

    def _check_in(self, ticket: Seen, phone: str) -> None:
        response = self.client.post(
            f"/api/v1/offices/{OFFICE}/remote-check-in",
            json={"code": ticket.code, "phone_last4": phone[-4:]},
            headers=self.kiosk,
        )
        if response.status_code == 409:  # came too late: missed twice, or the line closed
            self.late_from_phones.append(ticket)
            return
        assert response.status_code == 200, response.text
        ticket.checked_in_at = self.clock.now
        self._probe(ticket)  # followed from now on; absent, it waited for nothing
        for window in sorted(self.idle):
            self.at(self.clock.now, lambda w=window: self._free(w))
        self.idle.clear()

    def _look_for_missed(self) -> None:
        """Tickets from phones closed by a call that found their holders absent again."""
        for ticket in [t for t in self.checker.waiting.values() if t.absent]:
            shown = self.client.get(
                f"/api/v1/tickets/{ticket.id}", headers={"X-Ticket-Secret": ticket.secret}
            ).json()
            if shown["passed_over"]:
                ticket.passed_over = True
            if shown["status"] == "no_show":
                self.checker.gone(ticket.id)

    def _probe(self, ticket: Seen) -> None:
        """What the citizen's phone shows now, and again every half hour while waiting."""
        if ticket.called_at is not None:
            return
        response = self.client.get(
            f"/api/v1/tickets/{ticket.id}", headers={"X-Ticket-Secret": ticket.secret}
        )
        assert response.status_code == 200, response.text
        shown = response.json()
        if shown["status"] == "waiting" and shown["estimated_call_at"]:
            estimate = datetime.fromisoformat(shown["estimated_call_at"])
            ticket.estimates.append((self.clock.now, estimate))
            self.at(self.clock.now + timedelta(minutes=30), lambda: self._probe(ticket))

    def _free(self, window: str, *, settle: str | None = None) -> None:
        clerk = self.clerks[window]
        body = {"settle": settle} if settle else None
        called = self.post(f"/offices/{OFFICE}/windows/{window}/call-next", clerk, json=body)
        now = self.clock.now
        if called is None:
            self.checker.idle(window, now)
            self.idle.add(window)
            return
        ticket = self.checker.call(window, called["id"], now)
        self._look_for_missed()
        left = ticket.person.leaves_after
        if left is not None and now - ticket.issued_at > left:
            self.at(now + timedelta(minutes=2), lambda: self._act(ticket, window, "recall"))
            # Gone: "no-show and call next", in one press.
            self.at(now + timedelta(minutes=4), lambda: self._free(window, settle="no_show"))
            return
        walk = timedelta(minutes=1)
        took = timedelta(minutes=ticket.person.service_minutes)
        self.at(now + walk, lambda: self._act(ticket, window, "start"))
        self.at(now + walk + took, lambda: self._done(ticket, window))

    def _act(self, ticket: Seen, window: str, action: str) -> None:
        self.post(f"/tickets/{ticket.id}/{action}", self.clerks[window])

    def _done(self, ticket: Seen, window: str) -> None:
        then = ticket.person.then
        if then is not None and not ticket.transfer:
            moved = self.post(
                f"/tickets/{ticket.id}/transfer", self.clerks[window], json={"service": then}
            )
            self._track(moved, ticket.person, service=then, group=ticket.group)
            # The second service takes its own time.
            ticket.person.service_minutes *= TRUE_MEAN_MINUTES[then] / TRUE_MEAN_MINUTES["quick"]
        else:
            self._act(ticket, window, "finish")
        self._free(window)
