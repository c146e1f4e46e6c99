"""GET /api/v1/offices and /api/v1/services."""

from __future__ import annotations

from fastapi import APIRouter

from kezek.deps import ContextDep, ReadSessionDep
from kezek.network.schemas import OfficePublic, ServicePublic

router = APIRouter(tags=["network"])


@router.get("/offices", response_model=list[OfficePublic])
def offices(session: ReadSessionDep, context: ContextDep) -> list[OfficePublic]:
    return [OfficePublic.of(office) for office in context.directory.offices(session)]


@router.get("/services", response_model=list[ServicePublic])
def services(session: ReadSessionDep, context: ContextDep) -> list[ServicePublic]:
    return [ServicePublic.of(service) for service in context.directory.services(session)]
