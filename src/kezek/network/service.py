"""Reading the office network, as the API and the pages show it to citizens."""

from __future__ import annotations

from kezek.context import AppContext
from kezek.db import read_session
from kezek.network.directory import OfficeInfo, ServiceInfo


def active_offices(context: AppContext) -> list[OfficeInfo]:
    """The offices open to bookings and tickets, from this process's copy of the network."""
    with read_session(context.sessions) as session:
        return context.directory.offices(session)


def active_services(context: AppContext) -> list[ServiceInfo]:
    with read_session(context.sessions) as session:
        return context.directory.services(session)


def office(context: AppContext, code: str) -> OfficeInfo:
    """One office by its code; NotFound for an unknown one."""
    with read_session(context.sessions) as session:
        return context.directory.office(session, code)
