"""FastAPI tries a request against the routes in the order declared, each of an included
router twice: the route every phone asks of, a ticket's status, is tried first, then the
clerks' and the kiosks' (call-next, the actions on a ticket, issuing one), before the
routes a day uses a few times."""

from __future__ import annotations

from fastapi.routing import APIRoute

from kezek.queue.api import router as queue_router

BUSIEST = [
    ("GET", "/tickets/{ticket_id}"),
    ("POST", "/offices/{office}/windows/{window}/call-next"),
    ("POST", "/tickets/{ticket_id}/{action}"),
    ("POST", "/offices/{office}/tickets"),
]
# What must be tried before the actions, or it would be read as one.
BEFORE_THE_ACTIONS = [
    ("POST", "/tickets/{ticket_id}/transfer"),
    ("POST", "/tickets/{ticket_id}/check-in"),
]


def _order() -> list[tuple[str, str]]:
    return [
        (method, route.path)
        for route in queue_router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    ]


def test_a_tickets_status_is_the_queues_first_route() -> None:
    assert _order()[0] == BUSIEST[0]


def test_the_clerks_and_kiosks_routes_come_before_the_others() -> None:
    order = _order()
    positions = [order.index(route) for route in BUSIEST]
    last_busy = max(positions)

    assert positions == sorted(positions)
    # Between them, only what the actions need before them.
    between = {route for route in order[: last_busy + 1] if route not in BUSIEST}
    assert between == set(BEFORE_THE_ACTIONS)
    assert all(order.index(r) < order.index(BUSIEST[2]) for r in BEFORE_THE_ACTIONS)
