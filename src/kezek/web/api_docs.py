"""The interactive API documentation (Swagger UI) served from the package itself.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script; an
office's network may reach no CDN, and the pages' policy allows no inline script. So the
assets are vendored (``static/vendor/swagger-ui-*``) and started from ``api-docs.js``.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from kezek.web.pages import app_context, render

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def api_docs(request: Request) -> Response:
    return render(request, app_context(request), "api_docs.html")
