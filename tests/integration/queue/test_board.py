"""The board shows calls, windows and waiting counts, without names."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.queue.helpers import three_tickets_at_window_1


def test_the_board_shows_calls_windows_and_waiting_counts(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    three_tickets_at_window_1(client, sessions)

    shown = client.get("/api/v1/offices/bsk/board")

    assert shown.status_code == 200
    body = shown.json()
    assert [call["code"] for call in body["last_calls"]] == ["L-001", "Q-002", "Q-001"]
    assert body["last_calls"][0]["window"] == "1"
    assert body["last_calls"][0]["at"].endswith("+06:00")
    assert body["at_windows"] == [{"window": "1", "code": "L-001", "status": "called"}]
    assert body["waiting"] == {"long": 0, "other": 0, "quick": 0}
    assert "full_name" not in shown.text
