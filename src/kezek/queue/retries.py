"""A kiosk's or a clerk's request acted on once, however often it is sent.

On a patchy connection, or when a server dies between its commit and its answer, a request
can take effect while its sender never hears so; the sender asks again. Without care, a
kiosk would print a second ticket, and a second call-next would leave the first person
standing at a window the clerk no longer knows about. With an Idempotency-Key, the ticket
a request acted on is recorded in the same transaction as the action (``QueueRequest``), and
a repeat is answered with that ticket as it is now.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kezek.codes import TICKET_SECRET_LENGTH, crockford
from kezek.db import run_transaction, violated_constraint
from kezek.errors import Conflict, Problem
from kezek.queue.models import QueueRequest
from kezek.types import utcnow

T = TypeVar("T")


class QueueKeyReused(Conflict):
    code = "idempotency_key_reused"
    title = "The Idempotency-Key was used for a different request"


@dataclass(frozen=True)
class Answered(Generic[T]):
    value: T
    replayed: bool


def fingerprint(*parts: object) -> str:
    """Who asked for what, as a digest: the staff member, the action, its target and body."""
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def ticket_secret_for(key: str, *, secret: bytes) -> str:
    """The secret printed on a ticket issued under ``key``: the same again for a repeat.

    Only its hash is stored, so a repeat could not show the secret otherwise. Derived with
    the server's key, nobody who knows only the Idempotency-Key can work it out.
    """
    digest = hmac.new(secret, f"ticket-secret:{key}".encode(), hashlib.sha256).digest()
    return crockford(digest, TICKET_SECRET_LENGTH)


def answer_once(
    sessions: sessionmaker[Session],
    *,
    key: str | None,
    request: str,
    act: Callable[[Session], tuple[T, int | None]],
    replay: Callable[[Session, int], T],
) -> Answered[T]:
    """Run ``act`` in a transaction, or answer a repeat of ``key`` with ``replay``.

    ``act`` returns its answer and the ticket it acted on (None: nothing was done, as when
    nobody waits, and nothing is recorded). ``request`` is the ``fingerprint`` of the request.
    """
    if key is None:
        return Answered(run_transaction(sessions, lambda session: act(session)[0]), False)

    def earlier(session: Session) -> Answered[T] | None:
        found = session.get(QueueRequest, key)
        if found is None:
            return None
        if not hmac.compare_digest(found.fingerprint, request):
            raise QueueKeyReused(
                "This Idempotency-Key was already used for another request. "
                "Use a new key for a new request.",
                field="Idempotency-Key",
            )
        return Answered(replay(session, found.ticket_id), True)

    def once(session: Session) -> Answered[T]:
        repeated = earlier(session)
        if repeated is not None:
            return repeated
        value, ticket_id = act(session)
        if ticket_id is not None:
            row = QueueRequest(
                key=key, fingerprint=request, ticket_id=ticket_id, created_at=utcnow()
            )
            session.add(row)
            session.flush()
        return Answered(value, False)

    try:
        return run_transaction(sessions, once)
    except (IntegrityError, Problem) as exc:
        if isinstance(exc, IntegrityError) and violated_constraint(exc) != "pk_queue_request":
            raise
        # The same request, sent twice at once, committed first through the other copy: this
        # copy met the key taken, or the state the first one left (a window now busy).
        repeated = run_transaction(sessions, earlier)
        if repeated is None:
            raise
        return repeated
