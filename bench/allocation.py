"""Fair access: first come, first served against the draw, with bots among the applicants.

A population of applicants, 5% of them identities a bot operator invented, each bot a
hundred times faster than a person; about half of the people have a legal stay that ends
before the deadline (urgent).

Part one, first come, first served through the real API on PostgreSQL: a scaled population
(5,000 applicants for about 1,000 places, the same bot share) rushes a day's places the
moment they are released. People answer after 20 s on average and bots after 0.2 s; each
looks at the free times, books one, and tries again when someone was faster, until the day
is full.

Part two, the draw through the real API on PostgreSQL: the same scaled population applies to
a round for the same day's places (each with a proven phone: the SMS code step is tested
apart), 40% of them reserved for the urgent; bots apply a hundred times faster, which changes
nothing. Then the round's draw runs as ``kezek draw run`` does, and books its winners.

Part three, the draw at full size: 70,000 applicants with three ranked choices (an office,
and any day of a week) for a month of places at the example network (``examples/network``),
with 40% of each day's places reserved for urgent applicants. Its seed, its order and its
allocation are the ones ``kezek/allocation`` runs; the time is the draw's alone.

Prints the bots' share of places in each (``bot_share_fcfs``, ``bot_share_draw`` at full size,
``bot_share_draw_api`` through the API) against
their share of identities (``bot_identity_share``), the share of urgent people served
(``urgent_served_fcfs``, ``urgent_served_draw``) and the draw's time (``draw_seconds``).
Targets: the bots' share in the draw within 10% of their share of identities; the draw of
70,000 in under 10 s.

    python bench/allocation.py [--applicants 70000] [--fcfs-applicants 5000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).parent))
from _support import prepared_server_env, served
from booking_rush import network_file
from kezek.allocation.draw import Applicant, Bucket, Supply, allocate
from kezek.allocation.seed import draw_order, new_seed
from kezek.booking.availability import availability
from kezek.booking.rules import BookingRules
from kezek.network.directory import Directory

ZONE = ZoneInfo("Europe/Moscow")
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "network"
SERVICE = "return-certificate"  # what the register's people came for
URGENT_RESERVE = 0.4
BOT_SPEEDUP = 100
HUMAN_MEAN_SECONDS = 20.0


@dataclass(frozen=True)
class Person:
    number: int
    bot: bool
    urgent: bool  # the legal stay ends before the deadline


def population(count: int, bot_share: float, rng: random.Random) -> list[Person]:
    bots = set(rng.sample(range(count), round(count * bot_share)))
    # A bot's invented identity looks like anybody's, urgency included.
    return [Person(n, n in bots, rng.random() < 0.5) for n in range(count)]


# Part one: first come, first served -------------------------------------------------------


@dataclass(frozen=True)
class Race:
    places: int
    booked: dict[int, str]  # person number -> start time


async def race(base: str, people: list[Person], day: str, rng: random.Random) -> Race:
    async with aiohttp.ClientSession(
        base_url=base, connector=aiohttp.TCPConnector(limit=128)
    ) as http:

        async def free_times() -> list[str]:
            async with http.get(
                "/api/v1/offices/rush/availability",
                params={"service": "passport", "from": day, "to": day},
            ) as response:
                slots = (await response.json())["slots"]
            return [slot["start"] for slot in slots if slot["available"] > 0]

        async with http.get(
            "/api/v1/offices/rush/availability",
            params={"service": "passport", "from": day, "to": day},
        ) as response:
            places = sum(slot["capacity"] for slot in (await response.json())["slots"])
        booked: dict[int, str] = {}
        began = time.perf_counter()

        async def applicant(person: Person) -> None:
            mean = HUMAN_MEAN_SECONDS / (BOT_SPEEDUP if person.bot else 1)
            wait = rng.expovariate(1 / mean)
            await asyncio.sleep(max(0.0, began + wait - time.perf_counter()))
            while True:
                times = await free_times()
                if not times:
                    return  # the day is full
                start = rng.choice(times)
                body = {
                    "office": "rush",
                    "service": "passport",
                    "start": start,
                    "document_number": f"AC{person.number:07d}",
                    "full_name": "Асанов Айбек",
                    "phone": f"+7916{person.number:07d}",
                    "language": "ru",
                }
                async with http.post("/api/v1/bookings", json=body) as response:
                    await response.read()
                if response.status == 201:
                    booked[person.number] = start
                    return
                if response.status != 409:
                    return
                if not person.bot:  # a person looks again after a moment
                    await asyncio.sleep(rng.uniform(1, 3))

        await asyncio.gather(*(applicant(person) for person in people))
    return Race(places=places, booked=booked)


def first_come_first_served(count: int, bot_share: float, workers: int) -> dict[str, float]:
    rng = random.Random(1)
    people = population(count, bot_share, rng)
    windows = max(1, round(count / 5 / 72))  # a place for one applicant in five
    env = prepared_server_env(
        database="kezek_bench_allocation",
        network=network_file(windows),  # the booking rush's office
        pool_size=40,
        extra={"KEZEK_MIN_NOTICE_MINUTES": "0", "KEZEK_LIMIT_BOOKINGS_PER_DOCUMENT_DAY": "0"},
    )
    day = (datetime.now(ZONE).date() + timedelta(days=1)).isoformat()
    with served(env=env, workers=workers) as base:
        result = asyncio.run(race(base, people, day, rng))
    return _shares(people, set(result.booked), places=result.places)


# Part two: the draw through the API ---------------------------------------------------------

BENCH_SECRET = b"benchmark-secret-0123456789abcdef"


def round_network(network: str, day: date, opens: datetime) -> str:
    """The rush office's network with a round for ``day``: open now, drawn in ten minutes."""
    return network + (
        "\n[[rounds]]\n"
        'code = "rush"\n'
        'name = { ky = "Тартуу", ru = "Розыгрыш", en = "Draw" }\n'
        'offices = ["rush"]\nservices = ["passport"]\n'
        f"from = {day.isoformat()}\nto = {day.isoformat()}\n"
        f"opens = {opens.isoformat()}\n"
        f"closes = {(opens + timedelta(minutes=9)).isoformat()}\n"
        f"draw = {(opens + timedelta(minutes=10)).isoformat()}\n"
        f"urgent_before = {(day + timedelta(days=14)).isoformat()}\n"
        f"urgent_share = {round(URGENT_RESERVE * 100)}\n"
    )


async def apply_all(base: str, people: list[Person], day: date, rng: random.Random) -> float:
    """Every person applies once, bots a hundred times faster; the seconds it took."""
    from kezek.notify.verification import phone_proof

    until = datetime.now(ZONE) + timedelta(hours=2)
    async with aiohttp.ClientSession(
        base_url=base, connector=aiohttp.TCPConnector(limit=128)
    ) as http:
        began = time.perf_counter()

        async def applicant(person: Person) -> None:
            mean = HUMAN_MEAN_SECONDS / 10 / (BOT_SPEEDUP if person.bot else 1)
            await asyncio.sleep(max(0.0, began + rng.expovariate(1 / mean) - time.perf_counter()))
            phone = f"+7916{person.number:07d}"
            stay = day + timedelta(days=7 if person.urgent else 90)
            body = {
                "full_name": "Асанов Айбек",
                "document_number": f"AC{person.number:07d}",
                "phone": phone,
                "phone_proof": phone_proof(phone, secret=BENCH_SECRET, until=until),
                "language": "ru",
                "legal_stay_until": stay.isoformat(),
                "choices": [{"office": "rush", "service": "passport", "day": day.isoformat()}],
            }
            async with http.post("/api/v1/rounds/rush/applications", json=body) as response:
                await response.read()
                assert response.status == 202, await response.text()

        await asyncio.gather(*(applicant(person) for person in people))
    return time.perf_counter() - began


def draw_through_the_api(count: int, bot_share: float, workers: int) -> dict[str, float]:
    from kezek.booking.identity import document_hash
    from kezek.bootstrap import build_context
    from kezek.config import Settings
    from kezek.rounds import service
    from kezek.rounds.models import DrawApplication, Standing

    rng = random.Random(1)
    people = population(count, bot_share, rng)
    windows = max(1, round(count / 5 / 72))
    opens = datetime.now(ZONE).replace(microsecond=0) - timedelta(minutes=1)
    day = opens.date() + timedelta(days=2)
    env = prepared_server_env(
        database="kezek_bench_allocation_round",
        network=round_network(network_file(windows), day, opens),
        # Every connection of every worker is busy in the burst: below max_connections (100).
        pool_size=30,
        extra={"KEZEK_LIMIT_BOOKINGS_PER_DOCUMENT_DAY": "0"},
    )
    with served(env=env, workers=workers) as base:
        seconds = asyncio.run(apply_all(base, people, day, rng))
    context = build_context(
        Settings(database_url=env["KEZEK_DATABASE_URL"], secret_key=env["KEZEK_SECRET_KEY"])
    )
    drawn = service.draw(context, code="rush", now=opens + timedelta(minutes=10))
    by_hash = {document_hash(f"AC{p.number:07d}", secret=BENCH_SECRET): p.number for p in people}
    with context.sessions() as session:
        won = session.query(DrawApplication.document_hash).filter(
            DrawApplication.standing == Standing.offered
        )
        served_people = {by_hash[row.document_hash] for row in won}
    context.sessions.kw["bind"].dispose()
    assert len(served_people) == drawn.booked
    shares = _shares(people, served_people, places=drawn.places)
    return {**shares, "applications_per_s": round(count / seconds, 1)}


# Part three: the draw at full size ----------------------------------------------------------


def month_of_places() -> dict[Bucket, Supply]:
    """Each example office's places for the service over the next 30 days, 40% of each
    day's places reserved for urgent applicants."""
    network = next(EXAMPLE.glob("*.toml")).read_text(encoding="utf-8")
    env = prepared_server_env(database="kezek_bench_allocation_draw", network=network, pool_size=4)
    engine = create_engine(env["KEZEK_DATABASE_URL"])
    sessions = sessionmaker(engine)
    rules = BookingRules(horizon_days=60, min_notice=timedelta(0), max_range_days=60)
    first = date.today() + timedelta(days=1)
    supply: dict[Bucket, Supply] = {}
    directory = Directory(max_age=0)
    with sessions() as session:
        for office in directory.offices(session):
            if SERVICE not in {service.code for service in office.services}:
                continue
            found = availability(
                session,
                directory=directory,
                office_code=office.code,
                service_code=SERVICE,
                first=first,
                last=first + timedelta(days=29),
                rules=rules,
            )
            for day, places in found.places.items():
                reserved = int(places * URGENT_RESERVE)
                supply[Bucket(office.code, SERVICE, day)] = Supply(places, (("urgent", reserved),))
    engine.dispose()
    return supply


def applications(
    people: list[Person], supply: dict[Bucket, Supply], rng: random.Random
) -> list[Applicant]:
    """Three ranked choices each: an office chosen in proportion to its places (people go
    where the places are), and any day of one week there."""
    by_office: dict[str, list[Bucket]] = {}
    for bucket in sorted(supply):
        by_office.setdefault(bucket.office, []).append(bucket)
    offices = sorted(by_office)
    weights = [sum(supply[b].places for b in by_office[o]) for o in offices]
    found = []
    for person in people:
        choices = []
        for office in rng.choices(offices, weights=weights, k=3):
            days = by_office[office]
            week = rng.randrange(0, max(1, len(days) - 6))
            choices.append(tuple(days[week : week + 7]))
        categories = frozenset({"urgent"}) if person.urgent else frozenset()
        found.append(Applicant(f"{person.number:012d}", tuple(choices), categories))
    return found


def draw(count: int, bot_share: float) -> dict[str, float]:
    rng = random.Random(2)
    people = population(count, bot_share, rng)
    supply = month_of_places()
    applicants = applications(people, supply, rng)
    began = time.perf_counter()
    order = draw_order(new_seed(), [a.key for a in applicants])
    outcome = allocate(applicants, supply, order)
    seconds = time.perf_counter() - began
    won = {int(key) for key in outcome.wins}
    places = sum(each.places for each in supply.values())
    return {**_shares(people, won, places=places), "seconds": round(seconds, 2)}


def _shares(people: list[Person], served: set[int], *, places: int) -> dict[str, float]:
    bots_served = sum(1 for p in people if p.bot and p.number in served)
    urgent = [p for p in people if p.urgent and not p.bot]
    others = [p for p in people if not p.urgent and not p.bot]
    return {
        "applicants": len(people),
        "places": places,
        "booked": len(served),
        "bot_share": round(bots_served / len(served), 4) if served else 0.0,
        "urgent_served": round(sum(p.number in served for p in urgent) / len(urgent), 4),
        "others_served": round(sum(p.number in served for p in others) / len(others), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--applicants", type=int, default=70_000)
    parser.add_argument("--fcfs-applicants", type=int, default=5_000)
    parser.add_argument("--bot-share", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=3, help="kezek serve worker processes")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()

    fcfs = first_come_first_served(args.fcfs_applicants, args.bot_share, args.workers)
    by_api = draw_through_the_api(args.fcfs_applicants, args.bot_share, args.workers)
    drawn = draw(args.applicants, args.bot_share)
    summary = {
        "bot_identity_share": args.bot_share,
        "bot_share_fcfs": fcfs["bot_share"],
        "bot_share_draw": drawn["bot_share"],
        "bot_share_draw_api": by_api["bot_share"],
        "urgent_served_fcfs": fcfs["urgent_served"],
        "urgent_served_draw": drawn["urgent_served"],
        "urgent_served_draw_api": by_api["urgent_served"],
        "draw_seconds": drawn["seconds"],
        "fcfs": fcfs,
        "draw_api": by_api,
        "draw": drawn,
    }
    print(f"bots' share of identities   {args.bot_share:>8.1%}")
    print(
        f"first come, first served    {fcfs['bot_share']:>8.1%} of {fcfs['booked']:.0f} places"
        f" to bots; people served: urgent {fcfs['urgent_served']:.1%},"
        f" others {fcfs['others_served']:.1%}"
        f"  ({fcfs['applicants']:.0f} applicants, {fcfs['places']:.0f} places)"
    )
    print(
        f"draw through the API        {by_api['bot_share']:>8.1%} of {by_api['booked']:.0f} places"
        f" to bots; people served: urgent {by_api['urgent_served']:.1%},"
        f" others {by_api['others_served']:.1%}"
        f"  ({by_api['applicants']:.0f} applicants, {by_api['places']:.0f} places,"
        f" {by_api['applications_per_s']:.0f} applications/s)"
    )
    print(
        f"draw of the full population {drawn['bot_share']:>8.1%} of {drawn['booked']:.0f} places"
        f" to bots; people served: urgent {drawn['urgent_served']:.1%},"
        f" others {drawn['others_served']:.1%}"
        f"  ({drawn['applicants']:.0f} applicants, {drawn['places']:.0f} places)"
    )
    ratio = drawn["bot_share"] / args.bot_share if args.bot_share else 0.0
    print(f"bots in the draw / identities {ratio:>6.3f}   (target within 0.9 to 1.1)")
    print(f"draw time                   {drawn['seconds']:>8} s   (target < 10 s)")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
