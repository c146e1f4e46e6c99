"""The board on the wall and the holder's ticket page, as the server renders them."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.network.file import parse_network
from kezek.network.load import load_network
from kezek.staff.models import Role
from tests.factories import NETWORK_TOML
from tests.integration.staff.helpers import PASSWORD, make_staff

from .pages import text


def _clerk(client: TestClient, sessions: sessionmaker[Session]) -> dict[str, str]:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    token = client.post(
        "/api/v1/auth/token", json={"username": "aibek", "password": PASSWORD}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_board_is_rendered_whole_in_its_first_language(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk = _clerk(client, sessions)
    client.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=clerk)
    client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=clerk)
    client.post("/api/v1/offices/bsk/windows/1/call-next", headers=clerk)

    page = client.get("/board/bsk?languages=ru,ky")

    assert page.status_code == 200
    words = text(page)
    assert "Q-001 → 1" in words and "Окно" in words and "В очереди" in words
    data = json.loads(re.search(r'id="board-data">(.*?)</script>', page.text, re.S).group(1))
    assert data["languages"] == ["ru", "ky"] and data["labels"]["ky"][1] == "Терезе"
    assert '<script src="/static/board.js" defer></script>' in page.text
    assert client.get("/board/nowhere").status_code == 404


def test_the_ticket_page_shows_the_place_and_refreshes_its_block(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk = _clerk(client, sessions)
    issued = client.post(
        "/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=clerk
    ).json()
    client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=clerk)
    client.headers["Accept-Language"] = "ky"
    address = f"/ticket/{issued['id']}?s={issued['secret']}"

    page = client.get(address)
    block = client.get(address, headers={"HX-Request": "true"})

    assert "Кезектеги ордуңуз: 1" in text(page)
    assert "<html" in page.text and "<html" not in block.text
    assert 'hx-trigger="every 20s"' in block.text and "Q-001" in block.text
    assert 'data-status="waiting"' in block.text  # for scripts, and the benchmark's phones
    client.post("/api/v1/offices/bsk/windows/1/call-next", headers=clerk)
    assert "1-терезеге барыңыз" in text(client.get(address))
    assert 'data-status="called"' in client.get(address, headers={"HX-Request": "true"}).text
    wrong = client.get(f"/ticket/{issued['id']}?s=wrong")
    assert wrong.status_code == 404 and "Бул талон шилтемеси иштебейт" in text(wrong)


def test_a_holder_sent_on_to_another_service_sees_the_new_number_on_the_same_receipt(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk = _clerk(client, sessions)
    issued = client.post(
        "/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=clerk
    ).json()
    client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=clerk)
    client.post("/api/v1/offices/bsk/windows/1/call-next", headers=clerk)
    client.post(f"/api/v1/tickets/{issued['id']}/start", headers=clerk)
    client.post(f"/api/v1/tickets/{issued['id']}/transfer", json={"service": "long"}, headers=clerk)
    address = f"/ticket/{issued['id']}?s={issued['secret']}"

    page = client.get(address, headers={"Accept-Language": "ru"})
    block = client.get(address, headers={"Accept-Language": "ru", "HX-Request": "true"})

    words = text(page)
    assert "Вас направили на другую услугу: теперь ваш номер L-001." in words
    assert "Ваше место в очереди: 1" in words
    # The page keeps asking by the receipt's own address, so it follows any later transfer too.
    assert f'hx-get="/ticket/{issued["id"]}?s=' in block.text and "L-001" in block.text


def test_a_ticket_sent_home_at_closing_says_so_and_what_next(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    services = 'services = ["quick", "long", "other"]'
    rule = (
        'queue = { not_served_note = { ky = "Эртең саат 10:00гө чейин келиңиз.", '
        'ru = "Приходите завтра до 10:00.", en = "Come tomorrow before 10:00." } }'
    )
    with_rule = NETWORK_TOML.replace(services, f"{services}\n{rule}", 1)
    spec = parse_network(with_rule, source="rule.toml")
    run_transaction(sessions, lambda session: load_network(session, spec))
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    token = client.post(
        "/api/v1/auth/token", json={"username": "gulnara", "password": PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    issued = client.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=headers)
    client.post("/api/v1/offices/bsk/close-day", headers=headers)

    page = client.get(
        f"/ticket/{issued.json()['id']}?s={issued.json()['secret']}",
        headers={"Accept-Language": "ru"},
    )
    status = client.get(
        f"/api/v1/tickets/{issued.json()['id']}",
        headers={"X-Ticket-Secret": issued.json()["secret"].lower()},  # as typed: lower case
    )

    words = text(page)
    assert "Приём закончился раньше, чем подошла ваша очередь: сегодня вас не обслужили." in words
    assert "учреждение открывается в 09:00" in words
    assert "Приходите завтра до 10:00." in words  # the office's own rule
    assert 'href="/book/bsk"' in page.text
    assert status.status_code == 200 and status.json()["status"] == "not_served"
