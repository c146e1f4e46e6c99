"""Every form's error is seen beside its field, with JavaScript on (HTMX) and off.

With JavaScript on, HTMX would drop a refused form's answer (4xx) and leave the button
doing nothing; these tests send each kind of refusal through each form and look for the
message, in view, beside the field it is about, with the field marked invalid.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.factories import NETWORK_TOML, booking_body, document
from tests.integration.staff.helpers import make_staff

from .conftest import screenshot_path, signed_in
from .people import phone, sign_in, tomorrows_times

MODES = [pytest.param(True, id="javascript"), pytest.param(False, id="no-javascript")]


def _seen_beside(page: Page, field: str, words: str, *, shot: str | None = None) -> None:
    """The message beside the field, and in view: there, or (a page opened at its top, with
    JavaScript off) in the summary above the form, as a link to the field."""
    error = page.locator(f"#{field}-error")
    expect(error).to_contain_text(words)
    summary = page.locator(f".error-summary a[data-for={field}]")
    scripted = page.evaluate("() => Boolean(window.kezekSite)")  # site.js brings it into view
    if summary.count() and not scripted:
        expect(summary).to_contain_text(words)
        expect(summary).to_be_in_viewport()
    else:
        expect(error).to_be_in_viewport()
    control = page.locator(f"#{field}")
    expect(control).to_have_attribute("aria-invalid", "true")
    if shot:
        page.screenshot(path=screenshot_path(shot), full_page=True)


def _booking_form(page: Page, site: str, *, time: int = 0) -> None:
    page.goto(tomorrows_times(site))  # all of them to come whatever the hour
    page.locator(".times a").nth(time).click()
    page.locator("#full_name").fill("Асанов Айбек")
    page.locator("#phone").fill("12")
    page.locator("#document_number").fill(document(7))


@pytest.mark.parametrize("javascript", MODES)
def test_a_citizens_mistakes_are_seen(browser: Browser, site: str, javascript: bool) -> None:
    page = phone(browser, "ru", javascript=javascript)
    mode = "js" if javascript else "nojs"

    _booking_form(page, site)
    page.locator("button.primary").click()
    _seen_beside(page, "phone", "Укажите номер телефона", shot=f"error-phone-ru-{mode}")

    # What was typed stays, but the document number, which is never written into a page.
    expect(page.locator("#full_name")).to_have_value("Асанов Айбек")
    expect(page.locator("#document_number")).to_have_value("")
    page.locator("#phone").fill("+996 555 123 456")
    page.locator("#document_number").fill(document(7))
    page.locator("button.primary").click()
    expect(page.locator("h1")).to_have_text("Вы записаны")
    # A new form for the same document and service, at another time: the same time would
    # show the booking made, as a form sent again does.
    _booking_form(page, site, time=1)
    page.locator("#phone").fill("+996 555 123 456")
    page.locator("button.primary").click()
    _seen_beside(page, "document_number", "уже есть запись на эту услугу")
    expect(page.locator(".found-it a[href='/manage/forgot']")).to_be_visible()

    page.goto(f"{site}/manage")
    page.locator("#reference").fill("7KQ2-M9XD")
    page.locator("#document_number").fill(document(7))
    page.locator("button.primary").click()
    _seen_beside(page, "reference", "Записи с таким номером и номером документа нет")
    page.context.close()


@pytest.mark.parametrize("javascript", MODES)
def test_staff_mistakes_are_seen(
    browser: Browser,
    site: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    javascript: bool,
) -> None:
    make_staff(sessions, "root", Role.admin, [])
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    make_staff(sessions, "asel", Role.clerk, ["bsk"])
    with signed_in(site, "asel") as http:  # Asel has window 1 open already
        http.post("/api/v1/offices/bsk/windows/1/open", json={})
        reference = http.post("/api/v1/bookings", json=booking_body()).json()["reference"]
    page = phone(browser, "ru", javascript=javascript)

    page.goto(f"{site}/staff/login")
    page.locator("#username").fill("root")
    page.locator("#password").fill("not the password")
    page.locator("button.primary").click()
    _seen_beside(page, "password", "Неверное имя пользователя или пароль")

    sign_in(page, site, "root", "/console/bsk")
    page.locator("#window").select_option("1")
    page.locator("button.primary").click()
    _seen_beside(page, "window", "Это окно открыто другим оператором")

    page.goto(f"{site}/admin/staff")
    page.locator("#username").fill("aigul")
    page.locator("#full_name").fill("Айгүл")
    page.locator("#role").select_option("clerk")
    page.locator("input[name=offices][value=bsk]").check()
    page.locator("#password").fill("short")
    page.locator("button.primary").click()
    _seen_beside(page, "password", "Пароль слишком короткий")

    broken = tmp_path / "net.toml"
    broken.write_text(NETWORK_TOML.replace('"Asia/Bishkek"', '"Asia/Bishkekk"', 1))
    page.goto(f"{site}/admin/network")
    page.locator("#file").set_input_files(str(broken))
    page.locator("button.primary").click()
    _seen_beside(page, "file", "1 ошибка; ничего не загружено.")
    expect(page.locator("#file-error")).to_contain_text("может быть, Asia/Bishkek?")
    if not javascript:
        page.screenshot(path=screenshot_path("admin-network-errors-ru"), full_page=True)

    kiosk = phone(browser, "ru", javascript=javascript)
    sign_in(kiosk, site, "door", "/kiosk/bsk")
    kiosk.locator("#reference").fill(reference)
    kiosk.locator("#document_number").fill(document(1))
    kiosk.locator("button.kiosk-button", has_text="Отметиться").click()
    _seen_beside(kiosk, "reference", "Эта запись на другой день")
    for context in (page.context, kiosk.context):
        context.close()
