"""GET /api/v1/offices and /api/v1/services."""

from __future__ import annotations

from fastapi import APIRouter

from kezek.http.deps import ContextDep
from kezek.network import service
from kezek.network.schemas import OfficePublic, ServicePublic

router = APIRouter(tags=["network"])


@router.get("/offices", response_model=list[OfficePublic])
def offices(context: ContextDep) -> list[OfficePublic]:
    return [OfficePublic.of(office) for office in service.active_offices(context)]


@router.get("/services", response_model=list[ServicePublic])
def services(context: ContextDep) -> list[ServicePublic]:
    return [ServicePublic.of(found) for found in service.active_services(context)]
