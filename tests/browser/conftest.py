"""A real browser, Debian's Chromium driven by Playwright, against the app as ``kezek serve``
serves it (uvicorn, with its options), on a thread of the test's process.

Locally the tests skip when /usr/bin/chromium is missing (``apt-get install chromium``);
with CI=true they must run. Screenshots of the key pages go to var/screenshots/, or where
KEZEK_SCREENSHOT_DIR says.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, expect, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff
from tests.server import thread_server

CHROMIUM = Path("/usr/bin/chromium")
# KEZEK_SCREENSHOT_DIR=docs/screenshots (make screenshots) writes those the README shows.
SCREENSHOTS = Path(
    os.environ.get("KEZEK_SCREENSHOT_DIR")
    or Path(__file__).resolve().parents[2] / "var" / "screenshots"
)
# Without the background-networking flags Chromium keeps reaching for the internet, which
# this project's machines do not give it.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The tests' own requests to the site share a slow machine with other tests' servers and
# browsers: a first ticket once took over httpx's default of 5 s there.
API_TIMEOUT = 30
# And so do the pages: an expectation waits up to 15 s rather than Playwright's 5 (the API
# docs once took longer than 5 to build /openapi.json and lay out every operation). One met
# returns at once; the tests that time a page (a board within 2 s) give their own limit.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}; apt-get install chromium to run these"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
    yield launched
    launched.close()


@pytest.fixture
def site(server_env: dict[str, str]) -> Iterator[str]:
    """The app served on the test network, as ``kezek serve`` serves it; its base URL."""
    with thread_server(env=server_env) as base:
        yield base


def screenshot_path(name: str) -> str:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")


def api(site: str) -> httpx.Client:
    """A client of the site's API, as the test's own hands."""
    return httpx.Client(base_url=site, timeout=API_TIMEOUT)


@contextmanager
def signed_in(site: str, username: str) -> Iterator[httpx.Client]:
    """A client of the site's API with ``username``'s bearer token."""
    with api(site) as http:
        body = {"username": username, "password": PASSWORD}
        signed = http.post("/api/v1/auth/token", json=body)
        assert signed.status_code == 200, signed.text
        http.headers["Authorization"] = f"Bearer {signed.json()['access_token']}"
        yield http


@pytest.fixture
def clerk(site: str, sessions: sessionmaker[Session]) -> Iterator[httpx.Client]:
    """A clerk at window 1 of the Bishkek office, through the API."""
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    with signed_in(site, "aibek") as client:
        client.post("/api/v1/offices/bsk/windows/1/open", json={})
        yield client
