"""Offices, services and windows in the order people look for them: the Embassy first, then
the cities in the reader's alphabet; services as the network file lists them; windows as
numbers count."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.network.file import read_network_file
from kezek.network.load import load_network
from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff

from .pages import submit

EXAMPLE = (
    Path(__file__).resolve().parents[3] / "examples" / "network" / "kyrgyz-consulates-russia.toml"
)


@pytest.fixture
def example(sessions: sessionmaker[Session], network: None) -> None:
    spec = read_network_file(EXAMPLE)
    run_transaction(sessions, lambda session: load_network(session, spec))


@pytest.mark.parametrize(
    ("language", "order"),
    [
        ("ru", ["msk", "vvo", "ekb", "kzn", "krs", "nsk", "spb"]),
        ("ky", ["msk", "vvo", "ekb", "kzn", "krs", "nsk", "spb"]),
        ("en", ["msk", "kzn", "krs", "nsk", "spb", "vvo", "ekb"]),
    ],
)
def test_the_embassy_comes_first_then_the_cities_in_the_readers_alphabet(
    client: TestClient, example: None, language: str, order: list[str]
) -> None:
    page = client.get("/", headers={"Accept-Language": language})

    assert re.findall(r'href="/book/([a-z]+)"', page.text) == order


def test_services_come_in_the_order_of_the_network_file(client: TestClient, example: None) -> None:
    page = client.get("/book/msk", headers={"Accept-Language": "ru"})

    assert re.findall(r'href="/book/msk/([a-z-]+)"', page.text) == [
        "registration",
        "return-certificate",
        "passport",
        "notarial",
        "pickup",
    ]


def test_windows_count_as_numbers(
    client: TestClient, sessions: sessionmaker[Session], example: None
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["msk"])
    client.headers["Accept-Language"] = "ru"
    submit(client, client.get("/staff/login"), "/staff/login", username="aibek", password=PASSWORD)

    console = client.get("/console/msk")

    windows = re.findall(r'<option value="(\d+)"', console.text)
    assert windows == [str(n) for n in range(1, 13)]
