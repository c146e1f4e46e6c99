"""Rate limits on booking and on looking bookings up, shared by every worker process.

Counting is per fixed window: the hits of a key (a client address, or a document number)
within the current window of ``seconds``. Keys are stored as keyed hashes, so neither
addresses nor document numbers are kept. With ``KEZEK_REDIS_URL`` the counts live in
Redis (INCR and EXPIRE, one round trip); without it, in the database, so that the
embedded default is just as shared between workers.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv6Address, ip_address, ip_network
from typing import Any, Protocol

from sqlalchemy import Column, Engine, Integer, String, Table, update
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import Base, dialect_insert, run_transaction
from kezek.direct import Direct
from kezek.errors import Problem
from kezek.types import UTCDateTime

RATE_COUNT = Table(
    "rate_count",
    Base.metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("window", Integer, primary_key=True),  # seconds since the epoch // window length
    Column("hits", Integer, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)


@dataclass(frozen=True)
class Limit:
    name: str  # what is counted, such as "booking-address"
    hits: int  # allowed per window; 0 switches the limit off
    seconds: int


class TooManyRequests(Problem):
    status = 429
    code = "too_many_requests"
    title = "Too many requests"


@dataclass(frozen=True)
class Hit:
    key_hash: str
    window: int  # seconds since the epoch // the window's length
    seconds: int


class Counter(Protocol):
    def hit_all(self, hits: Sequence[Hit], now: datetime) -> list[int]:
        """Count each hit; return each key's count in its window, this hit included."""
        ...

    def give_back(self, hits: Sequence[Hit]) -> None:
        """Uncount hits counted before: what they stood for did not happen."""
        ...


class RedisCounter:
    def __init__(self, url: str) -> None:
        # Loaded only where Redis is configured, not by every worker.
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def hit_all(self, hits: Sequence[Hit], now: datetime) -> list[int]:
        pipe = self.client.pipeline()
        for hit in hits:  # one round trip for them all
            name = f"kezek:rate:{hit.key_hash}:{hit.window}"
            pipe.incr(name)
            pipe.expire(name, hit.seconds + 60)
        replies = pipe.execute()
        return [int(count) for count in replies[::2]]

    def give_back(self, hits: Sequence[Hit]) -> None:
        if not hits:
            return
        pipe = self.client.pipeline()
        for hit in hits:
            pipe.decr(f"kezek:rate:{hit.key_hash}:{hit.window}")
        pipe.execute()


class DatabaseCounter:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        dialect = sessions.kw["bind"].dialect.name
        insert = dialect_insert(dialect, RATE_COUNT)
        self.statement: Any = insert.on_conflict_do_update(
            index_elements=["key_hash", "window"],
            set_={"hits": RATE_COUNT.c.hits + 1},
        ).returning(RATE_COUNT.c.hits)
        # Each count is one upsert, whole by itself: on PostgreSQL it runs without BEGIN and
        # COMMIT around it, a round trip instead of three on a booking's path.
        self.alone = Direct(self.statement) if dialect == "postgresql" else None

    def hit_all(self, hits: Sequence[Hit], now: datetime) -> list[int]:
        rows = [
            {
                "key_hash": hit.key_hash,
                "window": hit.window,
                "hits": 1,
                "expires_at": now + timedelta(seconds=hit.seconds),
            }
            for hit in hits
        ]
        if self.alone is not None:
            engine: Engine = self.sessions.kw["bind"]
            return [int(self.alone.rows(engine, row)[0].hits) for row in rows]

        def count(session: Session) -> list[int]:  # one transaction for them all
            return [int(session.execute(self.statement, row).scalar_one()) for row in rows]

        return run_transaction(self.sessions, count)

    def give_back(self, hits: Sequence[Hit]) -> None:
        if not hits:
            return

        def uncount(session: Session) -> None:
            for hit in hits:
                session.execute(
                    update(RATE_COUNT)
                    .where(
                        RATE_COUNT.c.key_hash == hit.key_hash,
                        RATE_COUNT.c.window == hit.window,
                        RATE_COUNT.c.hits > 0,
                    )
                    .values(hits=RATE_COUNT.c.hits - 1)
                )

        run_transaction(self.sessions, uncount)


@dataclass
class Taken:
    """The hits one request counted, by limit: those it gives back were not used."""

    counter: Counter
    hits: dict[str, Hit]

    def give_back(self, limit: Limit) -> None:
        hit = self.hits.pop(limit.name, None)
        if hit is not None:
            self.counter.give_back([hit])


@dataclass
class Pending:
    """A request's hits, worked out but not counted yet.

    ``count`` counts them, before the work they limit. On PostgreSQL the work's own
    statement may count them instead (``HITS``), in the same round trip, and hand the
    counts to ``counted_by_statement``: a booking then takes one round trip, not two.
    """

    counter: Counter
    checks: list[tuple[Limit, Hit]]
    epoch: int
    now: datetime
    taken: Taken | None = None

    @property
    def hits(self) -> list[Hit]:
        return [hit for _, hit in self.checks]

    def count(self) -> Taken:
        """Count the hits, once; refuse when one is over its limit."""
        if self.taken is None:
            return self.counted(self.counter.hit_all(self.hits, self.now) if self.checks else [])
        return self.taken

    def counted(self, counts: Sequence[int]) -> Taken:
        """The hits counted, ``counts`` in their order; refuse when one is over its limit."""
        over = [
            (limit, hit)
            for (limit, hit), count in zip(self.checks, counts, strict=True)
            if count > limit.hits
        ]
        if over:
            self.taken = Taken(self.counter, {})
            # Refused: the request does nothing, so it uses up no other limit's place (a
            # flood refused per address leaves a document's own count alone).
            self.counter.give_back([hit for hit in self.hits if all(hit is not h for _, h in over)])
            limit, hit = over[0]
            retry = (hit.window + 1) * limit.seconds - self.epoch
            problem = TooManyRequests(
                "Too many attempts. Wait a little and try again.",
                limit=limit.name,
                retry_after_seconds=retry,
            )
            problem.headers = {"Retry-After": str(retry)}
            raise problem
        self.taken = Taken(self.counter, {limit.name: hit for limit, hit in self.checks})
        return self.taken

    def parameters(self) -> dict[str, Any]:
        """The hits as ``HITS`` takes them."""
        return {
            "hit_keys": [hit.key_hash for _, hit in self.checks],
            "hit_windows": [hit.window for _, hit in self.checks],
            "hit_expiries": [self.now + timedelta(seconds=hit.seconds) for _, hit in self.checks],
            "hit_limits": [limit.hits for limit, _ in self.checks],
        }

    def counted_by_statement(self, counts: Mapping[str, int] | None) -> Taken:
        """``counted``, from the key-to-count object ``HITS`` answers with."""
        counts = counts or {}
        return self.counted([counts[hit.key_hash] for hit in self.hits])


# The hits of a ``Pending``, counted inside another statement: ``hit`` holds each key's
# new count, and ``within`` whether all are within their limits, so that the statement
# does its work only then. Its answer should carry ``json_object_agg(key_hash, hits)``.
HITS = """hit AS (
    INSERT INTO rate_count (key_hash, "window", hits, expires_at)
    SELECT h.key_hash, h.window_number, 1, h.expires_at
    FROM unnest(CAST(:hit_keys AS varchar[]), CAST(:hit_windows AS integer[]),
                CAST(:hit_expiries AS timestamptz[])) AS h(key_hash, window_number, expires_at)
    ON CONFLICT (key_hash, "window") DO UPDATE SET hits = rate_count.hits + 1
    RETURNING key_hash, hits
), within AS (
    SELECT NOT EXISTS (
        SELECT 1
        FROM hit JOIN unnest(CAST(:hit_keys AS varchar[]), CAST(:hit_limits AS integer[]))
            AS l(key_hash, most) USING (key_hash)
        WHERE hit.hits > l.most
    ) AS ok
)"""
NO_HITS = """hit AS (SELECT CAST(NULL AS varchar) AS key_hash, 0 AS hits WHERE false),
within AS (SELECT true AS ok)"""


class RateLimiter:
    def __init__(self, counter: Counter, secret: bytes) -> None:
        self.counter = counter
        self.key = hmac.new(secret, b"kezek/rate-limit/v1", hashlib.sha256).digest()

    @property
    def counts_in_statements(self) -> bool:
        """Whether a statement on the same database may count the hits (``HITS``)."""
        return isinstance(self.counter, DatabaseCounter) and self.counter.alone is not None

    def check(self, limit: Limit, value: str, *, now: datetime) -> Taken:
        """Count one hit of ``value`` against ``limit``; refuse when over it."""
        return self.check_all([(limit, value)], now=now)

    def check_all(self, checks: Sequence[tuple[Limit, str]], *, now: datetime) -> Taken:
        """Count a hit against each (limit, value) at once; refuse if any is over.

        The count is taken before the work it limits, so that requests running at once see
        each other; a request whose work did not happen gives its hit back (``Taken``).
        """
        return self.pending(checks, now=now).count()

    def pending(self, checks: Sequence[tuple[Limit, str]], *, now: datetime) -> Pending:
        """The hits ``check_all`` would count, not counted yet."""
        epoch = int(now.timestamp())
        active = [
            (
                limit,
                Hit(
                    hmac.new(
                        self.key, f"{limit.name}/{value}".encode(), hashlib.sha256
                    ).hexdigest(),
                    epoch // limit.seconds,
                    limit.seconds,
                ),
            )
            for limit, value in checks
            if limit.hits > 0 and value
        ]
        return Pending(self.counter, active, epoch, now)


@dataclass(frozen=True)
class Limits:
    """The limits in force, from the settings; a limit of 0 hits is off."""

    booking_per_address: Limit
    booking_per_document: Limit
    lookup_per_address: Limit
    lookup_per_document: Limit


def client_address(request: Any) -> str:
    """The caller's address, as the limits count it; behind a trusted proxy, the one it
    forwarded. An IPv6 address counts as its /64: one subscriber is given a whole /64, and
    could otherwise take a fresh address, and a fresh budget, for every request."""
    host = str(request.client.host) if request.client else ""
    try:
        address = ip_address(host)
    except ValueError:
        return host
    if isinstance(address, IPv6Address) and address.ipv4_mapped is None:
        return str(ip_network(f"{address}/64", strict=False))
    return host


def limiter_for(*, redis_url: str, sessions: sessionmaker[Session], secret: bytes) -> RateLimiter:
    counter: Counter = RedisCounter(redis_url) if redis_url else DatabaseCounter(sessions)
    return RateLimiter(counter, secret)
