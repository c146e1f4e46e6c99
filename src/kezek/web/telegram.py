"""POST /telegram/webhook: where Telegram posts what citizens write to the bot.

Only Telegram knows the secret it was given with setWebhook (``kezek telegram webhook``)
and sends back in X-Telegram-Bot-Api-Secret-Token; any other caller is refused. The
answer is written to the outbox and the route answers 200 at once: Telegram repeats an
update until it gets a 2xx, and holds the chat's next updates back meanwhile.
"""

from __future__ import annotations

import hmac
import json
import logging

from fastapi import APIRouter
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kezek.admin.telegram import answer_update
from kezek.http.problems import problem_response
from kezek.web.pages import app_context

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/telegram/webhook"


@router.post(PATH)
async def telegram_webhook(request: Request) -> Response:
    context = app_context(request)
    configured = context.settings.telegram_webhook_secret
    expected = configured.get_secret_value().encode() if configured is not None else b""
    given = request.headers.get(SECRET_HEADER, "").encode()
    # Compared in constant time; with no secret configured nothing matches, not even "".
    if not expected or not hmac.compare_digest(given, expected):
        return problem_response(
            status=403,
            code="forbidden",
            title="Forbidden",
            detail=f"Only Telegram may post here, with the {SECRET_HEADER} header it was "
            "given (KEZEK_TELEGRAM_WEBHOOK_SECRET).",
            instance=PATH,
        )
    try:
        update = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        update = None
    if not isinstance(update, dict):
        return problem_response(
            status=400,
            code="malformed_body",
            title="The body is not an update",
            detail="Send one Telegram Update as a JSON object.",
            instance=PATH,
        )
    try:
        await run_in_threadpool(answer_update, context, update)
    except OperationalError:
        raise  # the database away: 503, and Telegram brings the update again later
    except Exception:
        # A bug must not make Telegram repeat the same update for hours.
        log.exception("telegram: update %s not answered", update.get("update_id"))
    return JSONResponse({"ok": True})
