"""The ASGI application."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse

from kezek import __version__
from kezek.booking.api import router as booking_router
from kezek.config import Settings, get_settings
from kezek.deps import AppContext
from kezek.network.api import router as network_router
from kezek.problems import install_problem_handlers
from kezek.queue.api import router as queue_router
from kezek.staff.api import router as staff_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Kezek",
        version=__version__,
        summary="Booking, live queue and capacity planning for consular and migration offices.",
    )
    app.state.context = AppContext.build(settings)
    install_problem_handlers(app)

    api = APIRouter(prefix="/api/v1")
    api.include_router(network_router)
    api.include_router(booking_router)
    api.include_router(staff_router)
    api.include_router(queue_router)
    app.include_router(api)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
