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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import redis
from sqlalchemy import Column, Integer, String, Table
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import Base, dialect_insert, run_transaction
from kezek.problems import Problem
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


class Counter(Protocol):
    def hit(self, key_hash: str, window: int, seconds: int, now: datetime) -> int: ...


class RedisCounter:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def hit(self, key_hash: str, window: int, seconds: int, now: datetime) -> int:
        name = f"kezek:rate:{key_hash}:{window}"
        pipe = self.client.pipeline()
        pipe.incr(name)
        pipe.expire(name, seconds + 60)
        hits, _ = pipe.execute()
        return int(hits)


class DatabaseCounter:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        dialect = sessions.kw["bind"].dialect.name
        insert = dialect_insert(dialect, RATE_COUNT)
        self.statement: Any = insert.on_conflict_do_update(
            index_elements=["key_hash", "window"],
            set_={"hits": RATE_COUNT.c.hits + 1},
        ).returning(RATE_COUNT.c.hits)

    def hit(self, key_hash: str, window: int, seconds: int, now: datetime) -> int:
        values = {
            "key_hash": key_hash,
            "window": window,
            "hits": 1,
            "expires_at": now + timedelta(seconds=seconds),
        }
        return int(
            run_transaction(
                self.sessions, lambda session: session.execute(self.statement, values).scalar_one()
            )
        )


class RateLimiter:
    def __init__(self, counter: Counter, secret: bytes) -> None:
        self.counter = counter
        self.key = hmac.new(secret, b"kezek/rate-limit/v1", hashlib.sha256).digest()

    def check(self, limit: Limit, value: str, *, now: datetime) -> None:
        """Count one hit of ``value`` against ``limit``; refuse when over it."""
        if limit.hits <= 0 or not value:
            return
        key_hash = hmac.new(self.key, f"{limit.name}/{value}".encode(), hashlib.sha256).hexdigest()
        epoch = int(now.timestamp())
        window = epoch // limit.seconds
        if self.counter.hit(key_hash, window, limit.seconds, now) > limit.hits:
            retry = (window + 1) * limit.seconds - epoch
            problem = TooManyRequests(
                "Too many attempts. Wait a little and try again.",
                limit=limit.name,
                retry_after_seconds=retry,
            )
            problem.headers = {"Retry-After": str(retry)}
            raise problem


@dataclass(frozen=True)
class Limits:
    """The limits in force, from the settings; a limit of 0 hits is off."""

    booking_per_address: Limit
    booking_per_document: Limit
    lookup_per_address: Limit
    lookup_per_document: Limit


def client_address(request: Any) -> str:
    """The caller's address; behind a trusted proxy, the one it forwarded."""
    return str(request.client.host) if request.client else ""


def limiter_for(*, redis_url: str, sessions: sessionmaker[Session], secret: bytes) -> RateLimiter:
    counter: Counter = RedisCounter(redis_url) if redis_url else DatabaseCounter(sessions)
    return RateLimiter(counter, secret)
