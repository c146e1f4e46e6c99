"""FastAPI dependencies that every feature's routes share.

What every request needs is built once per process into one ``AppContext``: each
dependency FastAPI resolves costs time on every request of a booking rush.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from kezek.context import AppContext
from kezek.db import read_session


async def get_context(request: Request) -> AppContext:
    # async: FastAPI runs a plain function dependency in a worker thread, a needless hop.
    context: AppContext = request.app.state.context
    return context


def get_read_session(context: Annotated[AppContext, Depends(get_context)]) -> Iterator[Session]:
    with read_session(context.sessions) as session:
        yield session


ContextDep = Annotated[AppContext, Depends(get_context)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
