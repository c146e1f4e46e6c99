"""What every action needs, built once per process: the adapters hand it to the services.

It names the feature pieces it holds only for type checking: the context is shared by
every feature, so importing them here would tie every feature to every other. The
composition root, ``kezek.bootstrap``, builds it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.ratelimit import Limits, RateLimiter
from kezek.types import utcnow

if TYPE_CHECKING:
    from kezek.booking.rules import BookingRules
    from kezek.network.directory import Directory
    from kezek.queue.bus import BoardBus
    from kezek.queue.line_process import LineProcess
    from kezek.queue.status import KeptLines
    from kezek.staff.passwords import PasswordChecks
    from kezek.staff.tokens import KnownTokens


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    sessions: sessionmaker[Session]
    directory: Directory
    secret: bytes
    rules: BookingRules
    bus: BoardBus
    lines: KeptLines  # the line's estimates for the ticket pages, once per change
    limiter: RateLimiter
    limits: Limits
    passwords: PasswordChecks
    tokens: KnownTokens  # who holds each token, while the database tells of changes
    # What the queue and sign-in take as "now"; a replay of a whole day in tests sets its own.
    clock: Callable[[], datetime] = field(default=utcnow)
    # Where this process's long lines are worked out, beside it; None: by itself.
    line_process: LineProcess | None = None
