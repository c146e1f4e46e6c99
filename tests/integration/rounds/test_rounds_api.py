"""The rounds API: the round, applying with a proven phone, one's own application, the
published draw, confirming a place; bad input as problem+json; floods limited."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.allocation.publication import verify
from kezek.config import Settings
from kezek.rounds import service
from tests.integration.booking.phones import app_client, proof_for
from tests.integration.rounds.helpers import Timeline, load_round, round_toml, timeline

ROUND = "/api/v1/rounds/spring"


@pytest.fixture
def t(sessions: sessionmaker[Session]) -> Timeline:
    t = timeline(days=2)
    load_round(sessions, t, round_toml(t, urgent_share=34))
    return t


@pytest.fixture
def api(settings: Settings, t: Timeline) -> Iterator[TestClient]:
    yield from app_client(settings, limit_bookings_per_address_hour=5)


def _body(t: Timeline, number: int, proof: str, **fields: Any) -> dict[str, Any]:
    return {
        "full_name": "Асанов Айбек",
        "document_number": f"AC{number:07d}",
        "phone": f"+996 555 {number:06d}",
        "phone_proof": proof,
        "language": "ru",
        "legal_stay_until": t.day(1).isoformat(),
        "choices": [
            {"office": "tiny", "service": "long", "day": t.day(0).isoformat()},
            {"office": "tiny", "service": "long", "week": t.day(0).isoformat()},
        ],
        **fields,
    }


def test_apply_look_up_draw_and_confirm(
    api: TestClient, sessions: sessionmaker[Session], t: Timeline
) -> None:
    shown = api.get(ROUND).json()
    assert shown["phase"] == "open" and shown["places"] == 6
    assert len(shown["commitment"]) == 64 and shown["seed"] is None
    assert shown["days"][0]["reserves"] == {"urgent": 1}
    proof = proof_for(api, sessions, "+996 555 000001", "tiny")
    applied = api.post(f"{ROUND}/applications", json=_body(t, 1, proof))
    assert applied.status_code == 202, applied.text
    assert [len(c["days"]) for c in applied.json()["choices"]] == [1, 1]
    mine = api.post(
        f"{ROUND}/applications/lookup",
        json={"document_number": "AC0000001", "phone": "+996555000001"},
    )
    assert mine.status_code == 200 and mine.json()["standing"] == "applied"
    context = api.app.state.context  # type: ignore[attr-defined]
    service.draw(context, code="spring", now=t.draws)
    shown = api.get(ROUND).json()
    assert shown["phase"] == "drawn" and shown["won"] == {"open": 1}
    published = api.get(f"{ROUND}/draw")
    assert published.headers["content-type"] == "application/json"
    assert (
        verify(
            published.content,
            commitment=shown["commitment"],
            places_sha256=shown["places_sha256"],
            applications_sha256=shown["applications_sha256"],
        )
        == []
    )
    mine = api.post(
        f"{ROUND}/applications/lookup",
        json={"document_number": "AC0000001", "phone": "+996555000001"},
    ).json()
    assert mine["standing"] == "offered" and mine["reference"]
    confirm = f"/api/v1/bookings/{mine['reference']}/confirm"
    wrong = api.post(confirm, headers={"X-Document-Number": "AC0000002"})
    assert wrong.status_code == 404
    done = api.post(confirm, headers={"X-Document-Number": "AC0000001"})
    assert done.status_code == 200 and done.json()["standing"] == "confirmed"


def test_bad_input_and_strangers_are_answered_plainly(
    api: TestClient, sessions: sessionmaker[Session], t: Timeline
) -> None:
    both = _body(t, 2, "1.ab")
    both["choices"] = [
        {"office": "tiny", "service": "long", "day": t.day(0).isoformat(), "week": "x"}
    ]
    refused = api.post(f"{ROUND}/applications", json=both)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    unproven = api.post(f"{ROUND}/applications", json=_body(t, 2, "1.ab"))
    assert unproven.status_code == 422 and unproven.json()["code"] == "phone_not_verified"
    stranger = api.post(
        f"{ROUND}/applications/lookup",
        json={"document_number": "AC0000002", "phone": "+996555000002"},
    )
    assert stranger.status_code == 404
    assert api.get("/api/v1/rounds/nothing").status_code == 404
    assert api.get(f"{ROUND}/draw").status_code == 404  # not drawn yet


def test_a_flood_from_one_address_is_limited(
    api: TestClient, sessions: sessionmaker[Session], t: Timeline
) -> None:
    codes = [api.post(f"{ROUND}/applications", json=_body(t, n, "1.ab")) for n in range(10)]
    statuses = [r.status_code for r in codes]
    # Five an hour from one address: the sixth is refused. (An hour that turns during the
    # test starts a new count, so a refused one may be followed by a few more taken.)
    assert statuses[:5] == [422] * 5 and statuses[5] == 429, statuses
    assert set(statuses) == {422, 429}
    assert "Retry-After" in codes[5].headers
