"""The admin's page of messages: how many went by each channel, and the dead letters.

A dead letter is a message its provider refused for good, or that failed every try: the
page lists them with the reason the provider gave and sends them again, one or all, once
the cause is mended (a gateway's balance topped up, a mistyped address in the settings).
Admins only; the forms carry the CSRF token like every other.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.i18n import N_
from kezek.notify import service as notify_service
from kezek.notify.models import Channel, MessageStatus
from kezek.web.pages import app_context, form_text, render
from kezek.web.staff_pages import staff_form, staff_or_refusal

router = APIRouter(include_in_schema=False)

CHANNELS = {
    Channel.sms.value: N_("SMS"),
    Channel.telegram.value: N_("Telegram"),
    Channel.email.value: N_("E-mail"),
}
STATUSES = {
    MessageStatus.queued.value: N_("Waiting to be sent"),
    MessageStatus.sent.value: N_("Sent"),
    MessageStatus.dead.value: N_("Failed"),
    MessageStatus.withdrawn.value: N_("Withdrawn"),
}
KINDS = {
    "confirmed": N_("Booking confirmed"),
    "moved": N_("Booking moved"),
    "cancelled": N_("Booking cancelled"),
    "office_closed": N_("Office closed on the booked day"),
    "reminder_day_before": N_("Reminder the day before"),
    "reminder_soon": N_("Reminder before the visit"),
    "phone_code": N_("Phone code"),
}


@router.get("/admin/messages")
def messages(request: Request) -> Response:
    context = app_context(request)
    admin = staff_or_refusal(request, admin_only=True)
    if isinstance(admin, Response):
        return admin
    counts = notify_service.counts(context)
    retried = request.query_params.get("retried", "")
    return render(
        request,
        context,
        "admin/messages.html",
        channels=CHANNELS,
        statuses=STATUSES,
        kinds=KINDS,
        counts=counts,
        on={channel.value for channel in context.rules.notify.channels},
        letters=notify_service.dead_letters(context),
        retried=int(retried) if retried.isdigit() else None,
        # Messages belong to no one office: their times are said in UTC, and say so.
        utc=dt.UTC,
    )


@router.post("/admin/messages/retry")
async def retry(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_retry, request, form)


def _retry(request: Request, form: FormData) -> Response:
    context = app_context(request)
    checked = staff_form(request, form, admin_only=True)
    if isinstance(checked, Response):
        return checked
    chosen = form_text(form, "message")
    if chosen.isdigit():
        ids: list[int] | None = [int(chosen)]
    elif form_text(form, "all") == "yes":
        ids = None
    else:  # a form that names no letter sends nothing
        return RedirectResponse("/admin/messages", status_code=303)
    queued = notify_service.retry(context, ids=ids, now=context.clock())
    # The count in the address: a reload shows the page, it does not retry again.
    return RedirectResponse(f"/admin/messages?retried={queued}", status_code=303)
