"""The managers' dashboard: today's queues and figures per office, and the campaign's plan.

Today's figures come from the live queue; a manager may close an office's line for the
day from here. The campaign view reads the plan that ``kezek plan SCENARIO.toml --out
DIR`` wrote (``KEZEK_PLAN_DIR``, var/plan by default), all in the reader's language: the
burndown against the deadlines, the windows each office has and needs per deadline, the
what-ifs, the windows per day, and a warning when a deadline will be missed at today's
windows.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from kezek.charts import chart_files
from kezek.db import read_session
from kezek.errors import Problem
from kezek.network.directory import OfficeInfo
from kezek.queue import service as queue_service
from kezek.queue.closing import to_send_home
from kezek.queue.kpis import Kpis, day_kpis
from kezek.queue.models import WindowSession, WindowSessionStatus
from kezek.queue.served import served_by_day
from kezek.web.campaign_progress import Chart, Progress, campaign_progress
from kezek.web.i18n import choose_language
from kezek.web.pages import app_context, offices_in_order, render
from kezek.web.staff_pages import signed_in, staff_form, staff_or_refusal

router = APIRouter(include_in_schema=False)
CHARTS = chart_files()


@dataclass(frozen=True)
class OfficeToday:
    office: OfficeInfo
    kpis: Kpis
    open_windows: int


@router.get("/dashboard")
def dashboard(request: Request) -> Response:
    context = app_context(request)
    staff = staff_or_refusal(request, managers_only=True)
    if isinstance(staff, Response):
        return staff
    now = context.clock()
    offices = []
    with read_session(context.sessions) as session:
        for office in offices_in_order(
            context.directory.offices(session), choose_language(request)
        ):
            if not office.active or not staff.may_act_for(office.code):
                continue
            today = now.astimezone(office.zone).date()
            open_windows = session.scalar(
                select(func.count())
                .select_from(WindowSession)
                .where(
                    WindowSession.office_id == office.id,
                    WindowSession.status == WindowSessionStatus.open,
                )
            )
            kpis = day_kpis(session, office=office, day=today, now=now)
            offices.append(OfficeToday(office, kpis, open_windows or 0))
        plan = campaign_plan(context.settings.campaign_plan_dir)
        progress = _against_plan(session, plan, now, context.directory.offices(session))
    closed = request.query_params.get("closed", "")
    return render(
        request,
        context,
        "staff/dashboard.html",
        offices=offices,
        plan=plan,
        warnings=plan_warnings(plan) if plan else [],
        progress=progress,
        names={row.office.code: row.office.name for row in offices},
        closed=next((row.office for row in offices if row.office.code == closed), None),
        sent_home=request.query_params.get("sent_home", ""),
        iso_day=_iso_day,
    )


def _against_plan(
    session: Session, plan: dict[str, Any] | None, now: dt.datetime, offices: list[OfficeInfo]
) -> tuple[list[Progress], Chart] | None:
    """The campaign so far against the plan, as of this morning where the plan's first
    office is: the same day for every manager, whichever offices they oversee."""
    if plan is None or "burndown" not in plan or not plan["baseline"]["offices"]:
        return None
    first = plan["baseline"]["offices"][0]["code"]
    zone = next((office.zone for office in offices if office.code == first), dt.UTC)
    start = dt.date.fromisoformat(plan["burndown"]["start"])
    served = served_by_day(session, since=start)
    return campaign_progress(plan, served, now.astimezone(zone).date())


def _iso_day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@router.get("/dashboard/plan/{name}")
def plan_chart(request: Request, name: str) -> Response:
    """A chart of the plan in the reader's language (a plan written before that: as it is)."""
    context = app_context(request)
    staff = signed_in(request, context)
    if staff is None or not staff.oversees or name not in CHARTS:
        return Response(status_code=404)
    folder = context.settings.campaign_plan_dir
    path = folder / "charts" / choose_language(request) / name
    if not path.exists():
        path = folder / name
    if not path.exists():
        return Response(status_code=404)
    return FileResponse(path, media_type=CHARTS[name])


@router.get("/dashboard/close/{office_code}")
def close_day_confirm(request: Request, office_code: str) -> Response:
    """Are you sure? Everyone still waiting is sent home."""
    context = app_context(request)
    staff = staff_or_refusal(request, office_code=office_code, managers_only=True)
    if isinstance(staff, Response):
        return staff
    with read_session(context.sessions) as session:
        office = context.directory.office(session, office_code)
        waiting = to_send_home(session, office=office, now=context.clock())
    return render(request, context, "staff/close_day.html", office=office, waiting=waiting)


@router.post("/dashboard/close/{office_code}")
async def close_day(request: Request, office_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_close_day, request, form, office_code)


def _close_day(request: Request, form: FormData, office_code: str) -> Response:
    context = app_context(request)
    checked = staff_form(request, form, office_code=office_code)
    if isinstance(checked, Response):
        return checked
    staff, _ = checked
    try:
        closed = queue_service.close_day(context, staff=staff, office=office_code)
    except Problem:
        return render(request, context, "staff/forbidden.html", reason="role", status=403)
    return RedirectResponse(f"/dashboard?closed={office_code}&sent_home={closed.not_served}", 303)


def campaign_plan(folder: Path) -> dict[str, Any] | None:
    """The plan's report.json, or None when no plan was written there."""
    try:
        loaded: dict[str, Any] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded


def plan_warnings(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The deadlines that today's windows miss, with when they would clear instead."""
    confidence = plan["scenario"]["confidence"]
    network = plan["baseline"]["network"]
    return [
        {"deadline": deadline, "share": share, "clears": network["median"]}
        for deadline, share in network["cleared_by_deadline"].items()
        if share < confidence
    ]
