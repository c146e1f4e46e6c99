"""A citizen books in Kyrgyz on a phone, then in Russian with JavaScript off, then cancels."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.factories import document

from .conftest import screenshot_path

PHONE = {"width": 360, "height": 740}  # a cheap Android phone


def _book(page: Page, *, site: str, number: str, shots: str | None = None) -> str:
    page.goto(site + "/")
    if shots:
        page.screenshot(path=screenshot_path(f"{shots}-offices"), full_page=True)
    page.locator('a[href="/book/bsk"]').click()
    page.locator('a[href="/book/bsk/long"]').click()
    if shots:
        page.screenshot(path=screenshot_path(f"{shots}-times"), full_page=True)
    page.locator(".times a").first.click()
    page.locator("#full_name").fill("Асанов Айбек")
    page.locator("#phone").fill("+996 555 123 456")
    page.locator("#document_number").fill(number)
    if shots:
        page.screenshot(path=screenshot_path(f"{shots}-details"), full_page=True)
    page.locator("button.primary").click()
    reference = page.locator(".reference strong").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    if shots:
        page.screenshot(path=screenshot_path(f"{shots}-booked"), full_page=True)
    return reference


def test_a_citizen_books_in_kyrgyz(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="ky-KG")
    page = context.new_page()

    _book(page, site=site, number=document(1), shots="citizen-ky")

    expect(page.locator("h1")).to_have_text("Сиз жазылдыңыз")
    expect(page.locator("html")).to_have_attribute("lang", "ky")
    context.close()


def test_a_citizen_books_in_russian_with_javascript_off(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="ru-RU", java_script_enabled=False)
    page = context.new_page()

    _book(page, site=site, number=document(2), shots="citizen-ru-nojs")

    expect(page.locator("h1")).to_have_text("Вы записаны")
    context.close()


def test_a_citizen_finds_and_cancels_a_booking(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    reference = _book(page, site=site, number=document(3))

    page.goto(site + "/manage")
    page.locator("#reference").fill(reference)
    page.locator("#document_number").fill(document(3))
    page.locator("button.primary").click()
    expect(page.locator("h1")).to_have_text("Your booking")
    page.locator("button.danger").click()

    expect(page.locator("h1")).to_have_text("The booking is cancelled")
    page.screenshot(path=screenshot_path("citizen-cancelled"), full_page=True)
    context.close()
