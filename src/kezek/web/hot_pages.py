"""The ticket page's reads as a hot route (``kezek.http.hot_routes``).

In a busy office thousands of phones reload their ticket's status block every 20 seconds.
Behind the API's routers, FastAPI took about 190 µs to match the page's address alone.
``ticket_page`` answers every read itself, whatever its number or secret; FastAPI's route
takes only a read that names the secret more than once.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from kezek.http.hot_routes import HotRoute, PathParams
from kezek.web.queue_pages import ticket_page


def _a_page_read(scope: Scope, path: PathParams) -> bool:
    query: bytes = scope["query_string"]
    asked = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return sum(name == "s" for name, _ in asked) <= 1


async def _ticket(request: Request) -> Response:
    number = request.path_params["number"]
    return await ticket_page(request, number, request.query_params.get("s", ""))


def hot_routes() -> list[HotRoute]:
    """The pages' routes to match before all others."""
    return [HotRoute("/ticket/{number}", _ticket, method="GET", plain=_a_page_read)]
