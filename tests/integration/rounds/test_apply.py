"""Applying: a proven phone, one application per document, changed only by its own phone,
and every answer alike so that nothing about another's application leaks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.errors import Conflict, Invalid
from kezek.notify.verification import PhoneNotVerified
from kezek.rounds import service
from kezek.rounds.models import DrawApplication
from tests.integration.rounds.helpers import (
    client_of,
    load_round,
    proof,
    request,
    sms_on,
    timeline,
)


def test_one_application_per_document_changed_only_with_its_phone(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    t = timeline()
    load_round(sessions, t)
    context = sms_on(settings)
    first = service.apply(
        context,
        code="spring",
        request=request(1, [t.day(0)]),
        phone_proof=proof(context, 1),
        client=client_of(1),
        now=t.now,
    )
    changed = service.apply(
        context,
        code="spring",
        request=request(1, [t.day(1)], week=t.day(0)),
        phone_proof=proof(context, 1),
        client=client_of(1),
        now=t.now,
    )
    # Someone else's phone, with the same document: answered alike, nothing changes.
    taken_over = request(1, [t.day(0)])
    taken_over = type(taken_over)(**{**taken_over.__dict__, "phone": "+996 555 999 999"})
    other = service.apply(
        context,
        code="spring",
        request=taken_over,
        phone_proof=proof(context, 999_999),
        client=client_of(2),
        now=t.now,
    )
    assert first.round == changed.round == other.round == "spring"
    assert [c[0].day for c in other.choices] == [t.day(0)]  # what was sent, not what is kept
    with sessions() as session:
        kept = session.scalars(select(DrawApplication)).one()
    assert kept.phone == "+996555000001"
    assert [c["days"] for c in kept.choices] == [[t.day(1).isoformat()], [t.day(0).isoformat()]]


def test_refusals(settings: Settings, sessions: sessionmaker[Session]) -> None:
    t = timeline()
    load_round(sessions, t)
    context = sms_on(settings)

    def apply(number: int, *, now: object = t.now, proven: bool = True, **kw: object) -> None:
        service.apply(
            context,
            code="spring",
            request=request(number, kw.pop("days", [t.day(0)]), **kw),  # type: ignore[arg-type]
            phone_proof=proof(context, number) if proven else None,
            client=client_of(number),
            now=now,  # type: ignore[arg-type]
        )

    with pytest.raises(PhoneNotVerified):
        apply(1, proven=False)
    with pytest.raises(Conflict, match="open at"):
        apply(2, now=t.opens - timedelta(seconds=1))
    with pytest.raises(Conflict, match="closed at"):
        apply(3, now=t.closes)
    with pytest.raises(Invalid, match=r"from .* to") as outside:
        apply(4, days=[t.day(5)])
    assert outside.value.field == "choices.0.day"
    with pytest.raises(Invalid, match="repeats"):
        apply(5, days=[t.day(0), t.day(0)])
    with pytest.raises(Invalid, match="has no priority"):
        apply(6, group="nobody")
    with pytest.raises(Invalid, match="not in this round"):
        apply(7, office="bsk")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DrawApplication)) == 0


def test_once_sealed_no_clock_behind_can_add_an_application(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    t = timeline()
    load_round(sessions, t)
    context = sms_on(settings)
    sealed = service.one_round(context, "spring", now=t.closes).applications_sha256
    assert sealed is not None
    with pytest.raises(Conflict, match="closed at"):
        service.apply(
            context,
            code="spring",
            request=request(1, [t.day(0)]),
            phone_proof=proof(context, 1),
            client=client_of(1),
            now=t.closes - timedelta(seconds=1),  # a process whose clock runs behind
        )
    assert service.draw(context, code="spring", now=t.draws).applications == 0
