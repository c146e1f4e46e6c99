"""The managers' dashboard: today's queues and figures per office, and the campaign's plan.

Today's figures come from the live queue. The campaign view reads the plan that
``kezek plan SCENARIO.toml --out DIR`` wrote (``KEZEK_PLAN_DIR``, var/plan by default):
the burndown against the deadlines as SVG, the windows recommended per office, and a
warning when the plan says the deadline will be missed at today's windows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from kezek.charts import chart_files
from kezek.db import read_session
from kezek.queue.board import board
from kezek.queue.kpis import day_kpis
from kezek.queue.models import WindowSession, WindowSessionStatus
from kezek.staff.models import Role
from kezek.web.pages import app_context, render, secured
from kezek.web.staff_pages import signed_in, staff_or_refusal

router = APIRouter(include_in_schema=False)
CHARTS = chart_files()


@router.get("/dashboard")
def dashboard(request: Request) -> Response:
    context = app_context(request)
    staff = staff_or_refusal(request, managers_only=True)
    if isinstance(staff, Response):
        return staff
    now = context.clock()
    offices = []
    with read_session(context.sessions) as session:
        for office in context.directory.offices(session):
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
            offices.append(
                {
                    "office": office,
                    "kpis": day_kpis(session, office=office, day=today, now=now),
                    "waiting": board(session, office=office, now=now).waiting,
                    "open_windows": open_windows or 0,
                }
            )
    plan = campaign_plan(context.settings.campaign_plan_dir)
    return render(
        request,
        context,
        "staff/dashboard.html",
        offices=offices,
        plan=plan,
        warnings=plan_warnings(plan) if plan else [],
    )


@router.get("/dashboard/plan/{name}")
def plan_chart(request: Request, name: str) -> Response:
    context = app_context(request)
    staff = signed_in(request, context)
    path = context.settings.campaign_plan_dir / name
    if staff is None or staff.role is Role.clerk or name not in CHARTS or not path.exists():
        return secured(Response(status_code=404))
    return secured(FileResponse(path, media_type=CHARTS[name]))


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
