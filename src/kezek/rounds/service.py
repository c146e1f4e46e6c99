"""The round actions, as the API, the pages and the CLI all call them."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kezek.booking.contacts import office_phone
from kezek.booking.identity import document_hash
from kezek.booking.models import Booking
from kezek.context import AppContext
from kezek.db import run_transaction, violated_constraint
from kezek.errors import Invalid, NotFound, Problem
from kezek.network.models import DrawRound
from kezek.notify.verification import check_proof
from kezek.rounds import applications as applying
from kezek.rounds.applications import ApplicationRequest, Receipt
from kezek.rounds.drawing import Drawn, run_draw, seal_applications
from kezek.rounds.models import DrawApplication
from kezek.rounds.offers import FollowedUp, Offering, confirm, follow_up
from kezek.rounds.places import fix_places
from kezek.rounds.rules import round_by_code
from kezek.rounds.views import ApplicationView, RoundView, application_view, round_view
from kezek.types import utcnow

log = logging.getLogger("kezek.rounds")


def rounds(context: AppContext, *, now: datetime | None = None) -> list[RoundView]:
    """The active rounds, latest first; their places fixed, their applications sealed."""
    now = now or utcnow()
    with context.sessions.begin() as session:
        codes = session.scalars(
            select(DrawRound.code).where(DrawRound.active).order_by(DrawRound.first_day.desc())
        ).all()
    return [one_round(context, code, now=now) for code in codes]


def one_round(context: AppContext, code: str, *, now: datetime | None = None) -> RoundView:
    now = now or utcnow()
    return run_transaction(context.sessions, lambda session: _view(session, context, code, now))


def _view(session: Session, context: AppContext, code: str, now: datetime) -> RoundView:
    row = _settled(session, context, code, now)
    return round_view(session, row, now)


def _settled(session: Session, context: AppContext, code: str, now: datetime) -> DrawRound:
    """The round, its places fixed before anyone applies and its applications sealed once
    they close: both hashes are published before the seed is."""
    row = round_by_code(session, code)
    if row.places_fixed_at is None:
        row = fix_places(session, directory=context.directory, code=code, now=now)
    if row.applications_sha256 is None and now >= row.closes_at:
        row = round_by_code(session, code, lock=True)
        seal_applications(session, row, now)
    return row


def apply(
    context: AppContext,
    *,
    code: str,
    request: ApplicationRequest,
    phone_proof: str | None,
    client: str,
    now: datetime | None = None,
) -> Receipt:
    """Apply, or change one's application, until the round closes.

    Limited per address and per document like a booking; the phone must be proven by its
    code. Whether the document had applied, and with which phone, changes nothing in the
    answer."""
    now = now or utcnow()

    def work(session: Session) -> Receipt:
        _settled(session, context, code, now)
        row = round_by_code(session, code, share=True)
        first = applying.expand_choices(row, request.choices)[0][0]
        office = context.directory.office(session, first.office)
        check_proof(
            phone_proof, phone=office_phone(request.phone, office), secret=context.secret, now=now
        )
        return applying.apply(
            session,
            directory=context.directory,
            row=row,
            request=request,
            secret=context.secret,
            now=now,
        )

    limits = context.limits
    context.limiter.check_all(
        [
            (limits.booking_per_address, client),
            (limits.booking_per_document, request.document_number),
        ],
        now=now,
    )
    try:
        return run_transaction(context.sessions, work)
    except IntegrityError as exc:
        if violated_constraint(exc) != "uq_draw_application_document":
            raise
        # A twin of this application was written at the same moment: now it is the earlier.
        return run_transaction(context.sessions, work)


def check_application(
    context: AppContext, *, code: str, request: ApplicationRequest, now: datetime | None = None
) -> str:
    """Refuse what ``apply`` would refuse, before a code is sent for nothing; the office
    whose country reads the phone number."""
    now = now or utcnow()

    def check(session: Session) -> str:
        row = _settled(session, context, code, now)
        return applying.validated(row, request, now)[0][0].office

    return run_transaction(context.sessions, check)


def my_application(
    context: AppContext, *, code: str, document_number: str, phone: str, client: str
) -> ApplicationView:
    """An applicant's application and what the draw made of it; by document and phone,
    counted against guessing like a booking's look-up."""
    limits = context.limits
    context.limiter.check_all(
        [(limits.lookup_per_address, client), (limits.lookup_per_document, document_number)],
        now=utcnow(),
    )
    proof = document_hash(document_number, secret=context.secret)

    def read(session: Session) -> ApplicationView:
        row = round_by_code(session, code)
        readings = set()
        for office_code in row.offices:
            with contextlib.suppress(Invalid):  # not a number in that office's country
                readings.add(office_phone(phone, context.directory.office(session, office_code)))
        found = applying.application_of(session, row=row, proof=proof, phones=readings)
        return application_view(session, row, found)

    return run_transaction(context.sessions, read)


def confirm_place(context: AppContext, *, reference: str, proof: str) -> DrawApplication:
    now = utcnow()
    return run_transaction(
        context.sessions,
        lambda session: confirm(session, reference=reference, proof=proof, now=now),
    )


def offer_of(context: AppContext, *, reference: str) -> tuple[str, datetime | None] | None:
    """For a booking from a draw: its standing and until when to confirm; None otherwise."""
    with context.sessions.begin() as session:
        found = session.execute(
            select(DrawApplication.standing, DrawApplication.confirm_by)
            .join(Booking, Booking.id == DrawApplication.booking_id)
            .where(Booking.reference == reference)
        ).first()
    return (found[0], found[1]) if found else None


def draw(
    context: AppContext, *, code: str, seed: str | None = None, now: datetime | None = None
) -> Drawn:
    """Run the round's draw once, at or after its published time."""
    now = now or utcnow()

    # The applications' hash is sealed and stored first, in a transaction of its own, so
    # that it is published before the seed even when nobody looked at the round since it
    # closed (the relays seal it each minute too).
    run_transaction(context.sessions, lambda session: _settled(session, context, code, now))

    def work(session: Session) -> Drawn:
        row = round_by_code(session, code, lock=True)
        at = Offering(context.directory, context.rules, row, now)
        return run_draw(session, at, seed_hex=seed)

    return run_transaction(context.sessions, work)


def published(context: AppContext, *, code: str) -> str:
    """The draw's file; a round since taken out of the file keeps it, to be checked."""
    with context.sessions.begin() as session:
        row = round_by_code(session, code, active=False)
        if row.published is None:
            raise NotFound(
                f"Round '{code}' has not been drawn yet; it draws at {row.draws_at.isoformat()} "
                "(UTC).",
                field="round",
            )
        return row.published


def follow_up_all(context: AppContext, *, now: datetime | None = None) -> dict[str, FollowedUp]:
    """Every round closed and not sealed yet: its applications' hash stored. Every drawn
    round still running: unconfirmed places given up, free places offered to the waitlist.
    Each relay runs it once a minute; a round is followed by one at a time."""
    now = now or utcnow()
    with context.sessions.begin() as session:
        closed = session.scalars(
            select(DrawRound.code).where(
                DrawRound.active,
                DrawRound.closes_at <= now,
                DrawRound.applications_sha256.is_(None),
            )
        ).all()
        drawn = session.scalars(
            select(DrawRound.code).where(
                DrawRound.active,
                DrawRound.drawn_at.is_not(None),
                DrawRound.last_day >= now.date(),
            )
        ).all()
    done = {}
    for code in [*closed, *drawn]:
        # One round's trouble (an office since closed) stops neither the others nor the relay.
        try:
            if code in closed:
                one_round(context, code, now=now)
            else:
                done[code] = run_transaction(
                    context.sessions, partial(_follow_up, context, code, now)
                )
        except Problem:
            log.exception("round %s could not be followed up", code)
    return done


def _follow_up(context: AppContext, code: str, now: datetime, session: Session) -> FollowedUp:
    row = round_by_code(session, code, lock=True)
    return follow_up(session, Offering(context.directory, context.rules, row, now))
