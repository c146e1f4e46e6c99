"""The booking actions, as the API, the pages and the CLI all call them.

Each action takes typed arguments and the ``AppContext``, and applies what every adapter
must apply alike: the rate limits against bots and guessing, the transaction with its
retries, and the metrics. The adapters only read their input and show the result.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from weakref import WeakKeyDictionary

from kezek.booking.availability import Availability, availability
from kezek.booking.contacts import booking_email, office_phone
from kezek.booking.contacts import phone_check_needed as office_checks_phones
from kezek.booking.create import book
from kezek.booking.details import Booked, BookingDetails, BookingRequest
from kezek.booking.identity import document_hash
from kezek.booking.manage import (
    cancel_booking,
    find_booking,
    holder_bookings,
    reschedule_booking,
)
from kezek.booking.reminders import BATCH, write_due_reminders
from kezek.context import AppContext
from kezek.db import read_session, run_transaction
from kezek.errors import Conflict
from kezek.i18n import DEFAULT, as_language
from kezek.metrics import BOOKINGS
from kezek.network.directory import Directory, OfficeInfo
from kezek.notify import verification
from kezek.notify.models import Channel
from kezek.notify.verification import (
    MAX_TRIES,
    CodeRefused,
    check_proof,
    confirm_code,
    send_code,
)
from kezek.ratelimit import Limit
from kezek.types import utcnow


def free_times(
    context: AppContext,
    *,
    office: str,
    service: str,
    first: date | None,
    last: date | None,
    round_code: str | None = None,
) -> Availability:
    """The start times of a service at an office over a range of its local dates, and how
    many more people can book each day."""
    with read_session(context.sessions) as session:
        return availability(
            session,
            directory=context.directory,
            office_code=office,
            service_code=service,
            first=first,
            last=last,
            rules=context.rules,
            round_code=round_code,
        )


def create(
    context: AppContext,
    *,
    request: BookingRequest,
    client: str,
    idempotency_key: str | None = None,
    phone_proof: str | None = None,
) -> Booked:
    """Book a place: limited per address and per document, never oversold, counted once.

    Every request counts against its address. Against the document, only a booking made
    counts, once per idempotency key: a refused booking or a replay gives its hit back, so
    that whoever knows someone's document number cannot use up their bookings with bad ones.
    Where phones must be proven, a booking without the proof of its own phone is refused
    first, before it writes or counts anything.
    """
    request = replace(request, email=booking_email(request.email))
    office = _office(context, request.office)
    if office_checks_phones(office, everywhere=context.rules.verify_phones):
        check_proof(
            phone_proof,
            phone=office_phone(request.phone, office),
            secret=context.secret,
            now=utcnow(),
        )
    limits = context.limits
    hits = context.limiter.pending(
        [
            (limits.booking_per_address, client),
            (limits.booking_per_document, request.document_number),
        ],
        now=utcnow(),
    )
    if not context.limiter.counts_in_statements:
        hits.count()
    try:
        booked = book(
            context.sessions,
            directory=context.directory,
            request=request,
            rules=context.rules,
            secret=context.secret,
            idempotency_key=idempotency_key,
            hits=hits,  # counted by the booking's statement, or before the work
        )
    except BaseException:
        with contextlib.suppress(Exception):  # the booking's own failure is what to tell
            # Refused before the work counted them: the address counts all the same.
            hits.count().give_back(limits.booking_per_document)
        raise
    if booked.replayed:
        hits.count().give_back(limits.booking_per_document)
    else:
        BOOKINGS.labels(request.office).inc()
    return booked


def holder_proof(context: AppContext, *, document_number: str, client: str) -> str:
    """The keyed hash that proves a booking's holder, counted against guessing references.

    Looking a booking up is limited per address and per document; the proof is what the
    other actions take, so that the document number itself goes no further.
    """
    limits = context.limits
    context.limiter.check_all(
        [
            (limits.lookup_per_address, client),
            (limits.lookup_per_document, document_number),
        ],
        now=utcnow(),
    )
    return proof_of(context, document_number)


def proof_of(context: AppContext, document_number: str) -> str:
    return document_hash(document_number, secret=context.secret)


def first_free_day(context: AppContext, *, office: str, service: str) -> date | None:
    """The first local date within the booking horizon that still has a free place.

    Every citizen opening a service's days asks it, and in a rush the answer is far ahead
    and the same for everyone: it is kept a few seconds per process, as a starting point
    only (the day's own places are read afresh).
    """
    kept = _FIRST_FREE.setdefault(context.directory, {})
    hit = kept.get((office, service))
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    found = _first_free_day(context, office=office, service=service)
    kept[(office, service)] = (time.monotonic() + FIRST_FREE_SECONDS, found)
    return found


FIRST_FREE_SECONDS = 5.0
# Per network copy, so that each app (and each test's) keeps its own.
_FIRST_FREE: WeakKeyDictionary[Directory, dict[tuple[str, str], tuple[float, date | None]]] = (
    WeakKeyDictionary()
)


def _first_free_day(context: AppContext, *, office: str, service: str) -> date | None:
    rules = context.rules
    with read_session(context.sessions) as session:
        zone = context.directory.office(session, office).zone
    first = utcnow().astimezone(zone).date()
    last_day = first + timedelta(days=rules.horizon_days)
    while first <= last_day:
        last = min(first + timedelta(days=rules.max_range_days - 1), last_day)
        found = free_times(context, office=office, service=service, first=first, last=last)
        days = sorted(day for day, places in found.places.items() if places > 0)
        if days:
            return days[0]
        first = last + timedelta(days=1)
    return None


def recover(
    context: AppContext, *, document_number: str, phones: set[str], client: str
) -> list[BookingDetails]:
    """A holder's active bookings from their document number and phone, when the reference
    is lost; counted against guessing like a look-up."""
    proof = holder_proof(context, document_number=document_number, client=client)
    with read_session(context.sessions) as session:
        return holder_bookings(
            session, directory=context.directory, proof=proof, phones=phones, now=utcnow()
        )


def look_up(context: AppContext, *, reference: str, proof: str) -> BookingDetails:
    with read_session(context.sessions) as session:
        return find_booking(session, directory=context.directory, reference=reference, proof=proof)


def cancel(context: AppContext, *, reference: str, proof: str) -> BookingDetails:
    return run_transaction(
        context.sessions,
        lambda session: cancel_booking(
            session,
            directory=context.directory,
            reference=reference,
            proof=proof,
            notify=context.rules.notify,
        ),
    )


def move(context: AppContext, *, reference: str, proof: str, starts_at: datetime) -> BookingDetails:
    """Move to another time atomically: the old place is freed only if the new one is taken."""
    return run_transaction(
        context.sessions,
        lambda session: reschedule_booking(
            session,
            directory=context.directory,
            reference=reference,
            proof=proof,
            starts_at=starts_at,
            rules=context.rules,
        ),
    )


def write_reminders(
    context: AppContext, *, now: datetime | None = None, max_batches: int = 20
) -> int:
    """Write the reminders nearly due, batch by batch, each batch a transaction of its own;
    how many messages were written. Every relay runs it before each pass; after a long
    outage it writes at most ``max_batches`` batches a pass, so that sending goes on."""
    written = 0
    for _ in range(max_batches):
        done = run_transaction(
            context.sessions,
            lambda session: write_due_reminders(
                session,
                directory=context.directory,
                rules=context.rules.notify,
                now=now or utcnow(),
            ),
        )
        written += done.written
        if done.bookings < BATCH:
            break
    return written


@dataclass(frozen=True)
class PhoneCodeSent:
    phone: str  # E.164, as the office's country reads what was typed
    expires_at: datetime  # UTC


class SmsOff(Conflict):
    code = "sms_unavailable"
    title = "No SMS can be sent now"


def send_phone_code(
    context: AppContext, *, office: str, phone: str, language: str, client: str
) -> PhoneCodeSent:
    """Send a one-time code by SMS to prove the phone, limited per phone and per address.

    Per phone, so that nobody can flood a stranger's phone with codes from many addresses;
    per address, so that one sender cannot spend the SMS budget over many numbers. The
    code and its SMS are written in one transaction: the relay sends it.
    """
    number = office_phone(phone, _office(context, office))
    if not context.rules.notify.on(Channel.sms):
        # Without a gateway the code would sit in the outbox: promise none.
        raise SmsOff(
            "Codes cannot be sent by SMS at the moment, so this number cannot be confirmed "
            "now. Try again later, or ask the office.",
            field="phone",
        )
    per_phone, per_address = _code_limits(context)
    now = utcnow()
    taken = context.limiter.check_all([(per_address, client), (per_phone, number)], now=now)
    chosen = as_language(language) or DEFAULT
    try:
        expires_at = run_transaction(
            context.sessions,
            lambda session: send_code(
                session.connection(),
                phone=number,
                language=chosen,
                secret=context.secret,
                now=now,
            ),
        )
    except BaseException:
        with contextlib.suppress(Exception):  # no code was sent: it uses up no one's place
            taken.give_back(per_phone)
            taken.give_back(per_address)
        raise
    return PhoneCodeSent(phone=number, expires_at=expires_at)


def confirm_phone(context: AppContext, *, office: str, phone: str, code: str, client: str) -> str:
    """The signed proof that the phone is the caller's, for a booking to show.

    Each code allows a few tries; the tries from one address are limited as well, to as
    many as the codes it may ask for would allow, so that guessing across many numbers'
    codes gains nothing.
    """
    number = office_phone(phone, _office(context, office))
    _, per_address = _code_limits(context)
    tries = Limit("phone-try-address", per_address.hits * MAX_TRIES, per_address.seconds)
    context.limiter.check(tries, client, now=utcnow())
    found = run_transaction(
        context.sessions,
        lambda session: confirm_code(
            session.connection(), phone=number, code=code, secret=context.secret, now=utcnow()
        ),
    )
    if isinstance(found, CodeRefused):
        raise found  # only now that the wrong try is committed
    return found


def proof_valid_until(proof: str) -> datetime:
    """Until when a proof that ``confirm_phone`` gave works."""
    until = verification.proof_valid_until(proof)
    if until is None:
        raise ValueError("not a phone proof")
    return until


def phone_check_needed(context: AppContext, *, office: str) -> bool:
    """Whether a booking at the office needs a phone proven by a code first."""
    return office_checks_phones(_office(context, office), everywhere=context.rules.verify_phones)


def _office(context: AppContext, code: str) -> OfficeInfo:
    return context.directory.office(context.sessions, code)


def _code_limits(context: AppContext) -> tuple[Limit, Limit]:
    """The limits on codes sent, per phone and per address, from the settings."""
    settings = context.settings
    return (
        Limit("phone-code-phone", settings.limit_phone_codes_per_phone_hour, 3600),
        Limit("phone-code-address", settings.limit_phone_codes_per_address_hour, 3600),
    )
