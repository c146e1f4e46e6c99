"""A citizen books on a phone: in Kyrgyz with JavaScript on, in Russian with it off; the
booking has its own address, says what to know before coming, and asks before cancelling."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.factories import document

from .conftest import screenshot_path
from .people import choose_tomorrow, fits_the_screen, phone, tomorrows_times


def _book(page: Page, *, site: str, number: str, shots: str | None = None) -> str:
    page.goto(site + "/")
    if shots:
        page.screenshot(path=screenshot_path(f"{shots}-1-offices"), full_page=True)
    page.locator('a[href="/book/bsk"]').click()
    expect(page.locator('a[href="/book/bsk/long"]')).to_be_visible()
    if shots:
        page.screenshot(path=screenshot_path(f"{shots}-2-services"), full_page=True)
    page.locator('a[href="/book/bsk/long"]').click()
    expect(page.locator(".days")).to_be_visible()  # HTMX has swapped the page in
    if shots:
        page.screenshot(path=screenshot_path(f"{shots}-3-times"), full_page=True)
    choose_tomorrow(page)
    page.locator(".times a").first.click()
    page.locator("#full_name").fill("Асанов Айбек")
    page.locator("#phone").fill("+996 555 123 456")
    page.locator("#document_number").fill(number)
    if shots:
        page.screenshot(path=screenshot_path(f"{shots}-4-details"), full_page=True)
    page.locator("button.primary").click()
    reference = page.locator(".reference strong").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    if shots:
        page.screenshot(path=screenshot_path(f"{shots}-5-booked"), full_page=True)
    return reference


def test_a_citizen_books_in_kyrgyz_and_the_booking_keeps_its_address(
    browser: Browser, site: str
) -> None:
    page = phone(browser, "ky-KG")

    reference = _book(page, site=site, number=document(1), shots="citizen-ky")

    expect(page.locator("h1")).to_have_text("Сиз жазылдыңыз")
    expect(page.locator("html")).to_have_attribute("lang", "ky")
    assert re.search(r"/booking/[^/?]+\?done=booked$", page.url) and document(1) not in page.url
    expect(page.locator(".visit")).to_contain_text("киоскто жазылуунун номери")
    expect(page.locator(".visit a", has_text="Яндекс Карталар")).to_have_attribute(
        "href", re.compile(r"^https://yandex\.ru/maps/\?pt=74\.59,42\.87")
    )
    page.reload()  # the page has an address of its own
    expect(page.locator(".reference strong")).to_have_text(reference)
    fits_the_screen(page)
    page.locator(".languages a[lang=ru]").click()
    expect(page.locator("h1")).to_have_text("Вы записаны")
    expect(page.locator(".reference strong")).to_have_text(reference)
    page.context.close()


def test_a_form_tapped_twice_books_once(browser: Browser, site: str) -> None:
    page = phone(browser, "ru")
    page.goto(tomorrows_times(site))
    page.locator(".times a").first.click()
    page.locator("#full_name").fill("Асанов Айбек")
    page.locator("#phone").fill("+996 555 123 456")
    page.locator("#document_number").fill(document(2))

    page.locator("button.primary").dblclick()  # an impatient thumb on a slow network

    expect(page.locator("h1")).to_have_text("Вы записаны")
    page.go_back()  # back to the same form, filled in again and sent again
    page.locator("#full_name").fill("Асанов Айбек")
    page.locator("#phone").fill("+996 555 123 456")
    page.locator("#document_number").fill(document(2))
    page.locator("button.primary").click()
    expect(page.locator("h1")).to_have_text("Вы записаны")
    page.goto(f"{site}/manage/forgot")
    page.locator("#document_number").fill(document(2))
    page.locator("#phone").fill("+996 555 123 456")
    page.locator("button.primary").click()
    expect(page.locator(".cards li")).to_have_count(1)  # one booking, not two
    page.context.close()


def test_a_citizen_books_weeks_ahead_in_russian_with_javascript_off(
    browser: Browser, site: str
) -> None:
    page = phone(browser, "ru-RU", javascript=False)
    page.goto(f"{site}/book/bsk/long")
    for _ in range(5):  # five weeks on: past what a two-week list would have offered
        page.locator("a[rel=next]").click()
    chosen = page.locator(".days [aria-current=date]")
    expect(chosen).to_contain_text("мест")
    page.screenshot(path=screenshot_path("citizen-ru-nojs-later-week"), full_page=True)
    page.locator(".times a").first.click()
    page.locator("#full_name").fill("Асанов Айбек")
    page.locator("#phone").fill("+996 555 123 456")
    page.locator("#document_number").fill(document(3))
    page.locator("#legal_stay_until").fill("10.09.2025")
    page.locator("button.primary").click()

    expect(page.locator("h1")).to_have_text("Вы записаны")
    expect(page.locator("dl.facts").first).to_contain_text("10.09.2025")
    expect(page.locator(".visit")).to_contain_text("Приходите с")
    fits_the_screen(page)  # the facts with the legal-stay date wrap, not overflow
    page.screenshot(path=screenshot_path("citizen-ru-nojs-booked"), full_page=True)
    page.context.close()


def test_cancelling_asks_first_and_can_be_taken_back(browser: Browser, site: str) -> None:
    page = phone(browser, "en-GB")
    reference = _book(page, site=site, number=document(4))
    page.goto(site + "/manage")
    page.locator("#reference").fill(reference)
    page.locator("#document_number").fill(document(4))
    page.locator("button.primary").click()
    expect(page.locator("h1")).to_have_text("Your booking")

    page.locator("a.danger-link").click()
    expect(page.locator("h1")).to_have_text("Cancel the booking?")
    page.screenshot(path=screenshot_path("citizen-cancel-asks"), full_page=True)
    page.locator("a.button", has_text="No, keep it").click()
    expect(page.locator("h1")).to_have_text("Your booking")
    page.locator("a.danger-link").click()
    page.locator("button.danger").click()

    expect(page.locator("h1")).to_have_text("The booking is cancelled")
    page.context.close()
