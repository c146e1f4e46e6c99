"""A round's public page, applying to it, one's own application, and checking the draw.

Every step is a plain form, so it works with JavaScript off. Applying is the booking's
phone-code steps: the form, then the SMS code, and the application is taken with the code;
what was typed rides along sealed in the page (``kezek.web.pending``), the document number
enciphered, never written into a page.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.allocation.publication import NotADraw, verify
from kezek.booking import service as booking_service
from kezek.booking.identity import (
    DetailError,
    normalize_document,
    normalize_full_name,
    normalize_phone,
)
from kezek.booking.visit_text import shown_phone
from kezek.context import AppContext
from kezek.db import read_session
from kezek.errors import NotFound, Problem
from kezek.i18n.catalogs import translations
from kezek.i18n.formats import Formats
from kezek.network.directory import OfficeInfo
from kezek.ratelimit import client_address
from kezek.rounds import service
from kezek.rounds.applications import ApplicationRequest, ChoiceRequest
from kezek.rounds.rules import MAX_CHOICES
from kezek.rounds.views import RoundView
from kezek.web.booking_links import token_owner
from kezek.web.booking_pages import expired, not_found, read_day
from kezek.web.details import code_message, phone_message
from kezek.web.i18n import choose_language
from kezek.web.messages import field_message
from kezek.web.pages import app_context, csrf_ok, form_text, render
from kezek.web.pending import seal_form, unseal_form

router = APIRouter(include_in_schema=False)
PURPOSE = "pending-application"
_CODE = re.compile(r"\d{6}")
FIELDS = ("full_name", "document_number", "phone", "legal_stay_until", "group")
CHOICES = tuple(range(1, MAX_CHOICES + 1))


@router.get("/rounds")
def rounds_page(request: Request) -> Response:
    context = app_context(request)
    return render(request, context, "rounds/list.html", rounds=service.rounds(context))


@router.get("/rounds/{code}")
def round_page(request: Request, code: str) -> Response:
    context = app_context(request)
    view = _view(context, code)
    if view is None:
        return not_found(request, context)
    return _round_page(request, context, view, {}, {})


def _view(context: AppContext, code: str) -> RoundView | None:
    try:
        return service.one_round(context, code)
    except NotFound:
        return None


def _posted_to(
    request: Request, context: AppContext, form: FormData, code: str
) -> RoundView | Response:
    """The round a form was posted to, or the page to show instead."""
    view = _view(context, code)
    if view is None:
        return not_found(request, context)
    if not csrf_ok(request, form):
        return expired(request, context)
    return view


def _round_page(
    request: Request,
    context: AppContext,
    view: RoundView,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Response:
    offices = _offices(context, view)
    return render(
        request,
        context,
        "rounds/round.html",
        round=view,
        offices=offices,
        zone=_zone(context, view),
        totals=_totals(view),
        values=values,
        errors=errors,
        status=status,
    )


def _totals(view: RoundView) -> list[tuple[str, str, int, int]]:
    """Per office and service: its days with places, and the places."""
    found: dict[tuple[str, str], list[int]] = {}
    for bucket, each in sorted(view.supply.items()):
        total = found.setdefault((bucket.office, bucket.service), [0, 0])
        total[0] += 1
        total[1] += each.places
    return [(office, service, days, places) for (office, service), (days, places) in found.items()]


@router.get("/rounds/{code}/draw.json")
def draw_file(request: Request, code: str) -> Response:
    context = app_context(request)
    try:
        text = service.published(context, code=code)
    except NotFound:
        return not_found(request, context)
    return Response(
        text,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="draw-{code}.json"'},
    )


@router.get("/rounds/{code}/verify")
def verify_page(request: Request, code: str) -> Response:
    """The draw done again here from its published file, against the hashes published
    before; the page says how to do it on one's own computer too."""
    context = app_context(request)
    view = _view(context, code)
    if view is None:
        return not_found(request, context)
    problems: list[str] | None = None
    if view.phase == "drawn":
        try:
            problems = verify(
                service.published(context, code=code),
                commitment=view.commitment,
                places_sha256=view.places_sha256,
                applications_sha256=view.applications_sha256,
            )
        except NotADraw as exc:
            problems = [str(exc)]
    return render(request, context, "rounds/verify.html", round=view, problems=problems)


# Applying -------------------------------------------------------------------------------


@router.get("/rounds/{code}/apply")
def apply_form(request: Request, code: str) -> Response:
    context = app_context(request)
    view = _view(context, code)
    if view is None:
        return not_found(request, context)
    return _apply_page(request, context, view, {}, {})


def _apply_page(
    request: Request,
    context: AppContext,
    view: RoundView,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Response:
    language = choose_language(request)
    offices = _offices(context, view)
    groups = {
        group.code: group
        for office in offices.values()
        for group in office.groups
        if group.code in view.groups
    }
    return render(
        request,
        context,
        "rounds/apply.html",
        round=view,
        places=_place_options(view, offices, language),
        days=_day_options(view, language),
        groups=list(groups.values()),
        choices=CHOICES,
        values=values,
        errors=errors,
        status=status,
    )


def _place_options(
    view: RoundView, offices: Mapping[str, OfficeInfo], language: str
) -> list[tuple[str, str]]:
    """Each office and service of the round with places, as "office/service" and its name."""
    found = []
    for office_code, service_code in dict.fromkeys((b.office, b.service) for b in view.supply):
        office = offices.get(office_code)
        if office is None or service_code not in {s.code for s in office.services}:
            continue
        name = office.service(service_code).name[language]
        found.append((f"{office_code}/{service_code}", f"{office.name[language]}: {name}"))
    return found


def _day_options(view: RoundView, language: str) -> list[tuple[str, str]]:
    """Whole weeks first ("any day of the week"), then each day."""
    gettext = translations(language).gettext
    formats = Formats(language)
    weeks = []
    monday = view.first_day - timedelta(days=view.first_day.weekday())
    while monday <= view.last_day:
        first, last = max(monday, view.first_day), min(monday + timedelta(days=6), view.last_day)
        label = gettext("Any day from %(first)s to %(last)s") % {
            "first": formats.day_month(first),
            "last": formats.day_month(last),
        }
        weeks.append((f"week:{first.isoformat()}", label))
        monday += timedelta(days=7)
    days = []
    day = view.first_day
    while day <= view.last_day:
        days.append((day.isoformat(), f"{formats.weekday(day)}, {formats.day_month(day)}"))
        day += timedelta(days=1)
    return weeks + days


@router.post("/rounds/{code}/apply")
async def apply_sent(request: Request, code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_apply_sent, request, form, code)


def _apply_sent(request: Request, form: FormData, code: str) -> Response:
    context = app_context(request)
    view = _posted_to(request, context, form, code)
    if isinstance(view, Response):
        return view
    names = FIELDS + tuple(f"choice{n}_{part}" for n in CHOICES for part in ("place", "day"))
    values = {name: form_text(form, name) for name in names}
    language = choose_language(request)
    application, errors = _read_form(values, language)
    if application is None:
        return _apply_page(request, context, view, values, errors, 422)
    try:
        office_code = service.check_application(context, code=code, request=application)
    except Problem as problem:
        field, message = _problem_message(problem, language)
        return _apply_page(request, context, view, values, {field: message}, problem.status)
    values["office"] = office_code
    return _send_code(request, context, view, values)


def _read_form(
    values: Mapping[str, str], language: str
) -> tuple[ApplicationRequest | None, dict[str, str]]:
    """The application, or every field to correct in one answer."""
    gettext = translations(language).gettext
    errors: dict[str, str] = {}
    try:
        full_name = normalize_full_name(values["full_name"])
    except DetailError as exc:
        errors["full_name"] = field_message("full_name", language, exc.reason)
    try:
        document = normalize_document(values["document_number"])
    except DetailError as exc:
        errors["document_number"] = field_message("document_number", language, exc.reason)
    stay = read_day(values["legal_stay_until"])
    if not stay:
        errors["legal_stay_until"] = gettext(
            "Write the last day of your legal stay, as day, month and year, for example "
            "10.09.2025. It decides whether a place reserved for urgent cases can be yours."
        )
    choices = []
    for n in CHOICES:
        place, day = values[f"choice{n}_place"], values[f"choice{n}_day"]
        if not place and not day and n > 1:
            continue
        choice = _choice(place, day)
        if choice is None:
            errors[f"choice{n}"] = gettext("Choose a place and a day for this choice.")
        else:
            choices.append(choice)
    if not values["phone"]:
        errors["phone"] = field_message("phone", language)
    if errors:
        return None, errors
    request = ApplicationRequest(
        full_name=full_name,
        document_number=document,
        phone=values["phone"],
        language=language,
        legal_stay_until=date.fromisoformat(str(stay)),
        group=values["group"] or None,
        choices=tuple(choices),
    )
    return request, errors


def _choice(place: str, day: str) -> ChoiceRequest | None:
    office, _, service_code = place.partition("/")
    if not office or not service_code or not day:
        return None
    week = day.startswith("week:")
    try:
        when = date.fromisoformat(day.removeprefix("week:"))
    except ValueError:
        return None
    return (
        ChoiceRequest(office, service_code, week=when)
        if week
        else ChoiceRequest(office, service_code, day=when)
    )


def _problem_message(problem: Problem, language: str) -> tuple[str, str]:
    """Where a refused application is said, and what to do, in the reader's words."""
    gettext = translations(language).gettext
    field = problem.field or ""
    if problem.code == "round_not_open":
        return "", gettext("This round is not taking applications now. Its page says when it does.")
    if field.startswith("choices."):
        number = int(field.split(".")[1]) + 1
        if "repeats" in problem.detail:
            return f"choice{number}", gettext(
                "This choice repeats the days of earlier choices. Choose other days."
            )
        return f"choice{number}", gettext(
            "This choice has no places in the round. Choose another day, week or place."
        )
    if field == "choices":
        return "choice1", gettext("Choose a place and a day for this choice.")
    if field == "group":
        return "group", gettext("Choose a group from the list, or none.")
    if problem.status == 429:
        return "", gettext("Too many attempts. Wait a little and try again.")
    if field == "phone":
        return "phone", field_message("phone", language)
    return "", gettext("Something went wrong. Please try again.")


def _send_code(
    request: Request,
    context: AppContext,
    view: RoundView,
    values: Mapping[str, str],
    *,
    again: bool = False,
) -> Response:
    language = choose_language(request)
    try:
        booking_service.send_phone_code(
            context,
            office=values["office"],
            phone=values["phone"],
            language=language,
            client=client_address(request),
        )
    except Problem as problem:
        message = phone_message(problem, language)
        if again:
            return _code_page(request, context, view, values, {"again": message}, 429)
        return _apply_page(request, context, view, values, {"phone": message}, 409)
    return _code_page(request, context, view, values, {}, sent_again=again)


def _code_page(
    request: Request,
    context: AppContext,
    view: RoundView,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
    *,
    sent_again: bool = False,
    typed_phone: str = "",
) -> Response:
    try:
        with read_session(context.sessions) as session:
            office = context.directory.office(session, values["office"])
        readable = shown_phone(normalize_phone(values["phone"], region=office.country))
    except (ValueError, Problem):
        readable = values["phone"]
    return render(
        request,
        context,
        "rounds/code.html",
        round=view,
        pending=seal_form(context.secret, PURPOSE, values),
        phone=readable,
        typed_phone=typed_phone or values["phone"],
        errors=errors,
        sent_again=sent_again,
        status=status,
    )


@router.post("/rounds/{code}/apply/code")
async def code_sent(request: Request, code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_code_sent, request, form, code)


def _code_sent(request: Request, form: FormData, code: str) -> Response:
    context = app_context(request)
    carried = _carried(request, context, form, code)
    if isinstance(carried, Response):
        return carried
    view, values = carried
    language = choose_language(request)
    typed = re.sub(r"[\s-]", "", form_text(form, "code"))
    if not _CODE.fullmatch(typed):
        message = translations(language).gettext("Type the 6 digits from the SMS.")
        return _code_page(request, context, view, values, {"code": message}, 422)
    client = client_address(request)
    try:
        proof = booking_service.confirm_phone(
            context, office=values["office"], phone=values["phone"], code=typed, client=client
        )
    except Problem as problem:
        message = code_message(problem, language)
        return _code_page(request, context, view, values, {"code": message}, 422)
    application, errors = _read_form(values, language)
    if application is None:
        return _apply_page(request, context, view, values, errors, 422)
    try:
        receipt = service.apply(
            context, code=code, request=application, phone_proof=proof, client=client
        )
    except Problem as problem:
        field, message = _problem_message(problem, language)
        return _apply_page(request, context, view, values, {field: message}, problem.status)
    lines = [(b[0].office, b[0].service, [each.day for each in b]) for b in receipt.choices]
    return render(
        request,
        context,
        "rounds/applied.html",
        round=view,
        receipt=receipt,
        choices=_choice_lines(context, lines, language),
        zone=_zone(context, view),
    )


@router.post("/rounds/{code}/apply/again")
async def code_again(request: Request, code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_code_again, request, form, code)


def _code_again(request: Request, form: FormData, code: str) -> Response:
    context = app_context(request)
    carried = _carried(request, context, form, code)
    if isinstance(carried, Response):
        return carried
    view, values = carried
    return _send_code(request, context, view, values, again=True)


@router.post("/rounds/{code}/apply/phone")
async def number_changed(request: Request, code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_number_changed, request, form, code)


def _number_changed(request: Request, form: FormData, code: str) -> Response:
    context = app_context(request)
    carried = _carried(request, context, form, code)
    if isinstance(carried, Response):
        return carried
    view, values = carried
    typed = form_text(form, "phone")
    with read_session(context.sessions) as session:
        country = context.directory.office(session, values["office"]).country
    try:
        normalize_phone(typed, region=country)
    except ValueError:
        errors = {"phone": field_message("phone", choose_language(request))}
        return _code_page(request, context, view, values, errors, 422, typed_phone=typed)
    return _send_code(request, context, view, {**values, "phone": typed})


def _carried(
    request: Request, context: AppContext, form: FormData, code: str
) -> tuple[RoundView, dict[str, str]] | Response:
    values = unseal_form(context.secret, PURPOSE, form_text(form, "pending"))
    if values is None or not values.get("office"):
        return expired(request, context)
    view = _posted_to(request, context, form, code)
    return view if isinstance(view, Response) else (view, values)


# One's own application ------------------------------------------------------------------


@router.post("/rounds/{code}/mine")
async def mine(request: Request, code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_mine, request, form, code)


def _mine(request: Request, form: FormData, code: str) -> Response:
    context = app_context(request)
    view = _posted_to(request, context, form, code)
    if isinstance(view, Response):
        return view
    language = choose_language(request)
    values = {"phone": form_text(form, "phone")}
    try:
        document = normalize_document(form_text(form, "document_number"))
    except DetailError as exc:
        errors = {"document_number": field_message("document_number", language, exc.reason)}
        return _round_page(request, context, view, values, errors, 422)
    try:
        found = service.my_application(
            context,
            code=code,
            document_number=document,
            phone=values["phone"],
            client=client_address(request),
        )
    except Problem as problem:
        gettext = translations(language).gettext
        message = (
            gettext("Too many attempts. Wait a little and try again.")
            if problem.status == 429
            else gettext(
                "No application to this round has this document number and phone number. "
                "Check both."
            )
        )
        return _round_page(request, context, view, values, {"mine": message}, problem.status)
    lines = [
        (c["office"], c["service"], [date.fromisoformat(day) for day in c["days"]])
        for c in found.choices
    ]
    return render(
        request,
        context,
        "rounds/mine.html",
        round=view,
        mine=found,
        choices=_choice_lines(context, lines, language),
        zone=_zone(context, view),
    )


def _choice_lines(
    context: AppContext, choices: list[tuple[str, str, list[date]]], language: str
) -> list[tuple[str, list[date]]]:
    """Each choice as the reader names it: "office: service", and its days."""
    found = []
    with read_session(context.sessions) as session:
        for office_code, service_code, days in choices:
            try:
                office = context.directory.office(session, office_code)
                name = f"{office.name[language]}: {office.service(service_code).name[language]}"
            except Problem:  # closed since: its codes still say which
                name = f"{office_code}: {service_code}"
            found.append((name, days))
    return found


def _offices(context: AppContext, view: RoundView) -> dict[str, OfficeInfo]:
    """The round's offices that still take people (one since closed is left out)."""
    found = {}
    with read_session(context.sessions) as session:
        for code in view.offices:
            with contextlib.suppress(NotFound):
                found[code] = context.directory.office(session, code)
    return found


def _zone(context: AppContext, view: RoundView) -> ZoneInfo:
    """The round's times are shown in its first office's time zone."""
    offices = _offices(context, view)
    return next(iter(offices.values())).zone if offices else ZoneInfo("UTC")


# A place from a draw, confirmed from its booking's page ---------------------------------


@router.post("/manage/confirm-place")
async def confirm_place(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_confirm_place, request, form)


def _confirm_place(request: Request, form: FormData) -> Response:
    context = app_context(request)
    token = form_text(form, "token")
    owner = token_owner(context, token)
    if not csrf_ok(request, form) or owner is None:
        return expired(request, context)
    reference, proof = owner
    try:
        service.confirm_place(context, reference=reference, proof=proof)
    except Problem as problem:
        if problem.status == 404:
            return expired(request, context)
        gettext = translations(choose_language(request)).gettext
        message = gettext(
            "The time to confirm this place has passed, and it went to the next person on "
            "the waitlist."
        )
        return render(
            request, context, "citizen/message.html", kind="problem", message=message, status=409
        )
    # 303 to the booking's page: a reload shows it, and confirms nothing twice.
    return RedirectResponse(f"/booking/{token}?done=confirmed", status_code=303)
