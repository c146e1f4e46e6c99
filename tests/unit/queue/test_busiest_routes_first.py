"""FastAPI tries a request against the routes in the order declared, each of an included
router twice: the route every phone asks of, a ticket's status, is tried first."""

from __future__ import annotations

from fastapi.routing import APIRoute

from kezek.queue.api import router as queue_router


def test_a_tickets_status_is_the_queues_first_route() -> None:
    first = queue_router.routes[0]
    assert isinstance(first, APIRoute)
    assert (first.path, first.methods) == ("/tickets/{ticket_id}", {"GET"})
