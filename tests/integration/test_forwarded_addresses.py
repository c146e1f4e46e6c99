"""The client's address is the connection's, unless a proxy named in KEZEK_TRUSTED_PROXIES
forwarded it: an attacker who invents X-Forwarded-For addresses gets no new budget."""

from __future__ import annotations

from collections import Counter

import httpx

from tests.server import thread_server

LOOKUP = "/api/v1/bookings/AAAA2222"
HOLDER = {"X-Document-Number": "AC0000001"}


def _env(server_env: dict[str, str], **more: str) -> dict[str, str]:
    """Five lookups per address, none counted per document: the address is what is tested."""
    return {
        **server_env,
        "KEZEK_LIMIT_LOOKUPS_PER_ADDRESS_10MIN": "5",
        "KEZEK_LIMIT_LOOKUPS_PER_DOCUMENT_HOUR": "0",
        **more,
    }


def _from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


def test_invented_forwarded_addresses_get_no_new_budget(server_env: dict[str, str]) -> None:
    env = _env(server_env)
    # The bot connects from 127.0.0.1, the address uvicorn itself would trust.
    with thread_server(env=env) as base, _from("127.0.0.1") as bot:
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


def test_a_trusted_proxys_forwarded_address_is_the_client(server_env: dict[str, str]) -> None:
    env = _env(server_env, KEZEK_TRUSTED_PROXIES="127.0.0.3, 10.9.0.0/16")
    with thread_server(env=env) as base:
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
