"""Who may read what the monitoring reads: /metrics tells how busy each office is and how
the server runs, which is nobody else's business."""

from __future__ import annotations

import hmac
from ipaddress import IPv4Network, IPv6Network, ip_address

from pydantic import SecretStr
from starlette.requests import Request


def may_read_metrics(
    request: Request, readers: list[IPv4Network | IPv6Network], token: SecretStr | None
) -> bool:
    """From an allowed address (the client's own, behind a trusted proxy), or with the token."""
    given = request.headers.get("authorization", "")
    if token is not None and token.get_secret_value():
        expected = f"Bearer {token.get_secret_value()}"
        if hmac.compare_digest(given.encode(), expected.encode()):
            return True
    try:
        address = ip_address(request.client.host if request.client else "")
    except ValueError:
        return False
    return any(address in network for network in readers)
