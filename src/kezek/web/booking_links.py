"""The address of a booking's own page: a signed token with its reference and proof.

The token holds the reference and the document's keyed hash, never the number itself, so
the confirmation can be reloaded, bookmarked, switched to another language and opened
again from the calendar entry, until the booking's time has gone by.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

from kezek.booking import service as booking_service
from kezek.booking.details import BookingDetails
from kezek.context import AppContext
from kezek.errors import Problem


def _tokens(context: AppContext) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(context.secret, salt="kezek.web.booking")


def booking_token(context: AppContext, booking: BookingDetails, proof: str) -> str:
    return _tokens(context).dumps([booking.reference, proof])


def token_owner(context: AppContext, token: str) -> tuple[str, str] | None:
    """The reference and proof a token carries, or None when it is forged or too old.

    A token lasts as long as a booking can be ahead, and a day more: the page of a booking
    made today still opens on its day.
    """
    max_age = (context.rules.horizon_days + 2) * 24 * 3600
    try:
        reference, proof = _tokens(context).loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    return str(reference), str(proof)


def booking_from_token(context: AppContext, token: str) -> BookingDetails | None:
    owner = token_owner(context, token)
    if owner is None:
        return None
    reference, proof = owner
    try:
        return booking_service.look_up(context, reference=reference, proof=proof)
    except Problem:
        return None
