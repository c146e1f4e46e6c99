"""The composition root: the one place that builds an ``AppContext`` from the settings."""

from __future__ import annotations

from datetime import timedelta

from kezek.booking.rules import BookingRules
from kezek.config import Settings
from kezek.context import AppContext
from kezek.db import is_postgresql, make_engine, make_sessionmaker
from kezek.network.directory import Directory
from kezek.notify.rules import notify_rules
from kezek.queue.bus import BoardBus
from kezek.queue.line_process import LineProcess
from kezek.queue.status import KeptLines
from kezek.ratelimit import Limit, Limits, limiter_for
from kezek.staff.passwords import PasswordChecks
from kezek.staff.tokens import KnownTokens


def build_context(settings: Settings) -> AppContext:
    sessions = make_sessionmaker(make_engine(settings))
    secret = settings.secret_bytes()
    bus = BoardBus()
    return AppContext(
        settings=settings,
        sessions=sessions,
        directory=Directory(max_age=settings.network_refresh_seconds),
        secret=secret,
        bus=bus,
        lines=KeptLines(bus.version),
        limiter=limiter_for(redis_url=settings.redis_url, sessions=sessions, secret=secret),
        limits=_limits(settings),
        tokens=KnownTokens(),
        passwords=PasswordChecks(
            concurrency=settings.sign_in_concurrency, wait_seconds=settings.sign_in_wait_seconds
        ),
        rules=BookingRules(
            horizon_days=settings.booking_horizon_days,
            min_notice=timedelta(minutes=settings.min_notice_minutes),
            max_range_days=settings.max_availability_days,
            bookings_per_phone=settings.limit_bookings_per_phone,
            one_statement=settings.booking_one_statement,
            notify=notify_rules(settings),
            verify_phones=settings.verify_phones,
        ),
        line_process=_line_process(settings),
    )


def _line_process(settings: Settings) -> LineProcess | None:
    """A process beside this one for its long lines, on PostgreSQL unless turned off. On
    SQLite a reading transaction takes the database's write lock (so that it never fails
    half-way), and the process beside would wait for the very request that asked it."""
    if not settings.line_process_from or not is_postgresql(settings.sqlalchemy_url):
        return None
    return LineProcess(settings, from_waiting=settings.line_process_from)


def _limits(settings: Settings) -> Limits:
    return Limits(
        booking_per_address=Limit(
            "booking-address", settings.limit_bookings_per_address_hour, 3600
        ),
        booking_per_document=Limit(
            "booking-document", settings.limit_bookings_per_document_day, 86400
        ),
        lookup_per_address=Limit("lookup-address", settings.limit_lookups_per_address_10min, 600),
        lookup_per_document=Limit(
            "lookup-document", settings.limit_lookups_per_document_hour, 3600
        ),
    )
