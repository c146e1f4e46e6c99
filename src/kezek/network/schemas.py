"""What the API shows of offices and services."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kezek.network.directory import OfficeInfo, ServiceInfo


class Localized(BaseModel):
    ky: str
    ru: str
    en: str


class ServicePublic(BaseModel):
    code: str
    ticket_prefix: str
    name: Localized
    duration_minutes: int
    documents: list[Localized]

    @classmethod
    def of(cls, service: ServiceInfo) -> ServicePublic:
        return cls.model_validate(
            {
                "code": service.code,
                "ticket_prefix": service.ticket_prefix,
                "name": service.name,
                "duration_minutes": service.duration_minutes,
                "documents": service.documents,
            }
        )


class Coordinates(BaseModel):
    lat: float
    lon: float


class OfficePublic(BaseModel):
    code: str
    kind: str
    name: Localized
    city: Localized
    address: Localized
    country: str
    phone: str | None = Field(description="The office's phone, in E.164")
    timezone: str
    coordinates: Coordinates
    services: list[str] = Field(description="In the order the network file lists them")

    @classmethod
    def of(cls, office: OfficeInfo) -> OfficePublic:
        return cls.model_validate(
            {
                "code": office.code,
                "kind": office.kind,
                "name": office.name,
                "city": office.city,
                "address": office.address,
                "country": office.country,
                "phone": office.phone,
                "timezone": office.timezone,
                "coordinates": {"lat": office.latitude, "lon": office.longitude},
                "services": [s.code for s in office.services],
            }
        )
