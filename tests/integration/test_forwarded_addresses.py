"""The client's address is the connection's, unless a proxy named in KEZEK_TRUSTED_PROXIES
forwarded it: an attacker who invents X-Forwarded-For addresses gets no new budget."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET
from tests.server import running_server

LOOKUP = "/api/v1/bookings/AAAA2222"
HOLDER = {"X-Document-Number": "AC0000001"}


def _env(database_url: str, tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "KEZEK_DATABASE_URL": database_url,
        "KEZEK_SECRET_KEY": TEST_SECRET,
        "KEZEK_VAR_DIR": str(tmp_path),
        "KEZEK_LIMIT_LOOKUPS_PER_ADDRESS_10MIN": "5",
        "KEZEK_LIMIT_LOOKUPS_PER_DOCUMENT_HOUR": "0",
        **more,
    }


def _from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


def test_invented_forwarded_addresses_get_no_new_budget(
    database_url: str, network: None, tmp_path: Path
) -> None:
    env = _env(database_url, tmp_path)
    # The bot connects from 127.0.0.1, the address uvicorn itself would trust.
    with running_server(env=env, workers=1) as base, _from("127.0.0.1") as bot:
        spent = [bot.get(base + LOOKUP, headers=HOLDER).status_code for _ in range(6)]
        forged = Counter(
            bot.get(
                base + LOOKUP,
                headers={**HOLDER, "X-Forwarded-For": f"10.1.{n // 250}.{n % 250}"},
            ).status_code
            for n in range(200)
        )

    assert spent == [404] * 5 + [429]
    assert forged == {429: 200}


def test_a_trusted_proxys_forwarded_address_is_the_client(
    database_url: str, network: None, tmp_path: Path
) -> None:
    env = _env(database_url, tmp_path, KEZEK_TRUSTED_PROXIES="127.0.0.3, 10.9.0.0/16")
    with running_server(env=env, workers=1) as base:
        port = base.rsplit(":", 1)[1]
        with _from("127.0.0.3") as proxy, _from("127.0.0.4") as stranger:
            proxied = f"http://127.0.0.1:{port}{LOOKUP}"
            first = [
                proxy.get(proxied, headers={**HOLDER, "X-Forwarded-For": "198.51.100.7"})
                for _ in range(6)
            ]
            second = proxy.get(proxied, headers={**HOLDER, "X-Forwarded-For": "198.51.100.8"})
            # A stranger is no proxy: the header it sends is ignored, whatever it says.
            stranger_spent = [
                stranger.get(
                    proxied, headers={**HOLDER, "X-Forwarded-For": f"198.51.100.{10 + n}"}
                ).status_code
                for n in range(6)
            ]

    assert [r.status_code for r in first] == [404] * 5 + [429]
    assert second.status_code == 404  # another client behind the proxy: its own budget
    assert stranger_spent == [404] * 5 + [429]
