"""People moved by distance from where they live: to their nearest office, or to a mobile
team working in another town.

The scenario's ``[geography]`` says where each office's people live: regions with
coordinates, each a weight of its office's backlog and newcomers (an office without a
region has them where it is). Distances are great-circle distances between coordinates,
the offices' from the network file. Moving people to the nearest office moves backlog and
newcomers alike; a mobile team takes backlog only, as many of those near it as it can
serve in its days, and the rest stay with their office.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace

from kezek.planning.regions_file import Region
from kezek.planning.scenario import Geography, MobileTeam, NearestOffice
from kezek.planning.scenario_offices import (
    AddedWindows,
    PlanningOffice,
    hours_of,
    receiving,
    weekdays_of,
)

EARTH_RADIUS_KM = 6371.0


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance between two (latitude, longitude) points, haversine."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


@dataclass(frozen=True)
class Part:
    """Part of an office's people, living in one place."""

    office: str
    region: str
    where: tuple[float, float]
    share: float  # of the office's backlog and newcomers


def parts(offices: Mapping[str, PlanningOffice], geography: Geography) -> list[Part]:
    """Every office's people by region; an office without a region, all where it is."""
    by_office: dict[str, list[Region]] = defaultdict(list)
    for region in geography.table:
        if region.office in offices:
            by_office[region.office].append(region)
    found = []
    for code, office in offices.items():
        regions = by_office.get(code, [])
        total = sum(region.people for region in regions)
        if not total:
            if office.location is not None:
                found.append(Part(code, office.name, office.location, 1.0))
            continue
        found += [
            Part(code, region.region, (region.lat, region.lon), region.people / total)
            for region in regions
        ]
    return found


def to_nearest(
    offices: dict[str, PlanningOffice], change: NearestOffice, geography: Geography
) -> dict[str, PlanningOffice]:
    """A ``share`` of each region's people go to the office nearest to them."""
    choices = {
        code: office.location
        for code, office in offices.items()
        if office.location is not None and (change.offices is None or code in change.offices)
    }
    moves: dict[tuple[str, str], float] = defaultdict(float)
    for part in parts(offices, geography):
        if not choices:
            break
        nearest = min(choices, key=lambda code: distance_km(part.where, choices[code]))
        if nearest != part.office:
            moves[part.office, nearest] += part.share * change.share
    return _moved(offices, moves)


def _moved(
    offices: dict[str, PlanningOffice], moves: Mapping[tuple[str, str], float]
) -> dict[str, PlanningOffice]:
    """Move shares of each office's own people, all reckoned from the offices as they
    were: an office that receives people does not pass them on."""
    out = dict(offices)
    gone: dict[str, float] = defaultdict(float)
    for (source, target), share in sorted(moves.items()):
        original = offices[source]
        moved = {
            code: round(count * share)
            for code, count in zip(original.service_codes, original.backlog, strict=True)
        }
        out[target] = receiving(out[target], original, moved, share)
        gone[source] += share
    for source, share in gone.items():
        original, now = offices[source], out[source]
        less = {
            code: round(count * share)
            for code, count in zip(original.service_codes, original.backlog, strict=True)
        }
        out[source] = replace(
            now,
            backlog=tuple(
                count - less.get(code, 0)
                for code, count in zip(now.service_codes, now.backlog, strict=True)
            ),
            demand_scale=now.demand_scale * max(0.0, 1 - share),
        )
    return out


def with_team(
    offices: dict[str, PlanningOffice],
    change: MobileTeam,
    geography: Geography,
    *,
    number: int,
    days: int,
) -> dict[str, PlanningOffice]:
    """A mobile team in another town as a site of its own, with the people of the backlog
    near it, at most as many as it can serve in its days (the fluid rule's places, less
    those who miss)."""
    assert change.at is not None
    where = (change.at.lat, change.at.lon)
    team = _team(offices[change.office], change, where, number)
    near = [
        part
        for part in parts(offices, geography)
        if offices[part.office].backlog_total
        and distance_km(part.where, where) <= change.radius_km
        and _nearer_than_own(part, where, offices[part.office])
    ]
    people = {p.office: 0.0 for p in near}
    for part in near:
        people[part.office] += part.share * offices[part.office].backlog_total
    wanting = sum(people.values())
    # Its places as its slots fit the services of those near it: all of them, at first.
    everyone = team
    for code, count in people.items():
        _, everyone = _backlog_moved(offices[code], everyone, count / offices[code].backlog_total)
    model = everyone.model(start=offices[change.office].demand[0][0], days=days)
    serves = float(model.places.sum()) * (1 - model.no_show)
    taken = min(1.0, serves / wanting) if wanting else 0.0
    out = dict(offices)
    for code, count in people.items():
        share = taken * count / offices[code].backlog_total
        out[code], team = _backlog_moved(out[code], team, share)
    out[team.code] = team
    return out


def _nearer_than_own(part: Part, where: tuple[float, float], office: PlanningOffice) -> bool:
    if office.location is None:
        return True
    return distance_km(part.where, where) < distance_km(part.where, office.location)


def _team(
    running: PlanningOffice, change: MobileTeam, where: tuple[float, float], number: int
) -> PlanningOffice:
    """The team's own site: the running office's calendar, services and habits; its
    windows only on its days; nobody of its own and no newcomers."""
    windows = AddedWindows(
        change.windows,
        change.first,
        change.last,
        hours=hours_of(change.hours),
        weekdays=weekdays_of(change.weekdays),
    )
    return replace(
        running,
        code=f"{running.code}-team{number}",
        name=change.place or f"{running.name}: mobile team",
        windows=(),
        backlog=(0,) * len(running.backlog),
        demand=((running.demand[0][0], 0.0),),
        demand_from_others=(),
        added_windows=(windows,),
        added_hours=(),
        location=where,
        max_windows=None,
        extras=(),
    )


def _backlog_moved(
    source: PlanningOffice, team: PlanningOffice, share: float
) -> tuple[PlanningOffice, PlanningOffice]:
    """A ``share`` of the source's backlog goes to the team, service by service."""
    codes, services, backlog = list(team.service_codes), list(team.services), list(team.backlog)
    left = []
    for code, times, count in zip(
        source.service_codes, source.services, source.backlog, strict=True
    ):
        moved = round(count * share)
        left.append(count - moved)
        if code not in codes:
            codes.append(code)
            services.append(times)
            backlog.append(0)
        backlog[codes.index(code)] += moved
    return (
        replace(source, backlog=tuple(left)),
        replace(team, service_codes=tuple(codes), services=tuple(services), backlog=tuple(backlog)),
    )
