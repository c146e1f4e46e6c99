"""GET /api/v1/offices and /api/v1/services."""

from __future__ import annotations

from fastapi import APIRouter

from kezek.deps import ReadSessionDep
from kezek.network.schemas import OfficePublic, ServicePublic
from kezek.network.service import list_offices, list_services

router = APIRouter(tags=["network"])


@router.get("/offices", response_model=list[OfficePublic])
def offices(session: ReadSessionDep) -> list[OfficePublic]:
    return [OfficePublic.of(office) for office in list_offices(session)]


@router.get("/services", response_model=list[ServicePublic])
def services(session: ReadSessionDep) -> list[ServicePublic]:
    return [ServicePublic.of(service) for service in list_services(session)]
