"""Reading the pages as a browser without JavaScript would: links, forms and their fields."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from httpx import Response


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.forms: list[dict[str, object]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in values:
            self._href, self._text = values["href"], []
        elif tag == "form":
            self.forms.append({"action": values.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and values.get("name"):
            if values.get("type") in ("checkbox", "radio") and "checked" not in values:
                return  # a box left unticked sends nothing
            fields = self.forms[-1]["fields"]
            assert isinstance(fields, dict)
            fields[values["name"]] = values.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def read(response: Response) -> _Page:
    page = _Page()
    page.feed(response.text)
    return page


def link_to(response: Response, pattern: str) -> str:
    """The first link whose address matches ``pattern``."""
    for href, _ in read(response).links:
        if re.search(pattern, href):
            return unescape(href)
    raise AssertionError(f"no link matching {pattern!r} on the page")


def submit(client: TestClient, response: Response, action: str, **fields: str) -> Response:
    """Fill and send the form posting to ``action``, keeping its hidden fields."""
    for form in read(response).forms:
        sent_to = unescape(str(form["action"])).split("#")[0]  # a browser sends no fragment
        if sent_to.split("?")[0] == action:
            values = dict(form["fields"])  # type: ignore[call-overload]
            values.update(fields)
            return client.post(sent_to, data=values)
    raise AssertionError(f"no form posting to {action!r} on the page")


def text(response: Response) -> str:
    """The page's words, without markup, on one line."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.text, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def to_details(client: TestClient, language: str) -> Response:
    """Office bsk, the long service, its first free time: the details form."""
    client.headers["Accept-Language"] = language  # a browser sends it with every request
    office = client.get(link_to(client.get("/"), r"^/book/bsk$"))
    times = client.get(link_to(office, r"^/book/bsk/long$"))
    return client.get(link_to(times, r"/details\?start="))


def book_through_pages(client: TestClient, language: str, document_number: str) -> Response:
    """The confirmation page of a booking made through the pages."""
    return submit(
        client,
        to_details(client, language),
        "/book/bsk/long/details",
        full_name="Асанов Айбек",
        phone="+996 555 123 456",
        document_number=document_number,
    )


def form_token(client: TestClient) -> str:
    """This browser session's CSRF token, as any of its forms carries it."""
    page = client.get("/staff/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "no CSRF token on the sign-in page"
    return found.group(1)
