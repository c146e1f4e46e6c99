"""One transport per channel, the healthchecks way: ``send`` delivers or raises.

``DeliveryFailed`` says whether trying again can help: a gateway down or slow is worth a
retry; a number the gateway refuses, or a chat that blocked the bot, is not.
"""

from __future__ import annotations

import hashlib
import json
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import TYPE_CHECKING, Protocol

from kezek.notify.models import OutboxMessage

if TYPE_CHECKING:
    # Imported where a message is sent (the relay), not by every web worker that only
    # writes messages to the outbox: with the command line it brings, a sixth of a second.
    import httpx


class DeliveryFailed(Exception):
    def __init__(
        self, reason: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.permanent = permanent
        # Seconds the provider asked every sender to wait (HTTP 429), when it said.
        self.retry_after = retry_after


def masked(address: str) -> str:
    """Enough of an address to recognise it, not to copy it."""
    if "@" in address:
        name, domain = address.split("@", 1)
        return f"{name[:1]}…@{domain}"
    return f"…{address[-4:]}" if len(address) > 4 else "…"


def without_address(text: str, address: str) -> str:
    """A provider's error with the recipient's address masked: gateways echo the number,
    and the error is kept, logged and shown to admins."""
    for form in {address, address.lstrip("+")}:
        if len(form) > 4:
            text = text.replace(form, masked(address))
    return text


class Transport(Protocol):
    def send(self, message: OutboxMessage) -> None: ...

    def close(self) -> None: ...


def _http_failure(response: httpx.Response, provider: str) -> DeliveryFailed:
    """4xx other than 408 and 429 are the request's own fault: retrying repeats it."""
    status = response.status_code
    permanent = 400 <= status < 500 and status not in (408, 429)
    return DeliveryFailed(
        f"{provider} answered {status}: {response.text[:200]}",
        permanent=permanent,
        retry_after=_retry_after(response) if status == 429 else None,
    )


def _retry_after(response: httpx.Response) -> float | None:
    """The wait a 429 asks for: the Bot API says it in parameters.retry_after, others in
    the Retry-After header (seconds)."""
    try:
        said = response.json()["parameters"]["retry_after"]
    except (ValueError, KeyError, TypeError):
        said = response.headers.get("Retry-After")
    try:
        return max(float(said), 0.0) if said is not None else None
    except ValueError:
        return None  # an HTTP date: the relay's own backoff does


_PLACEHOLDER = re.compile(r"\{(to|text|sender|key)\}")


def fill_sms_body(template: str, values: dict[str, str]) -> str:
    """The gateway's body with each placeholder JSON-escaped, in one pass: a text that
    contains "{to}" stays as written."""
    return _PLACEHOLDER.sub(lambda found: json.dumps(values[found.group(1)])[1:-1], template)


@dataclass
class SmsTransport:
    """An HTTP SMS gateway. The message's key goes as Idempotency-Key: a gateway that
    honours it sends a retried message once."""

    url: str
    body_template: str
    sender: str
    authorization: str | None
    timeout: float

    def __post_init__(self) -> None:
        import httpx

        self.client = httpx.Client(timeout=self.timeout)

    def send(self, message: OutboxMessage) -> None:
        import httpx

        body = fill_sms_body(
            self.body_template,
            {
                "to": message.address,
                "text": message.body,
                "sender": self.sender,
                "key": message.key,
            },
        )
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.key}
        if self.authorization:
            headers["Authorization"] = self.authorization
        try:
            response = self.client.post(self.url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"SMS gateway unreachable: {type(exc).__name__}") from exc
        if response.is_success:
            return
        raise _http_failure(response, "SMS gateway")

    def close(self) -> None:
        self.client.close()


@dataclass
class TelegramTransport:
    api_url: str
    token: str
    timeout: float

    def __post_init__(self) -> None:
        import httpx

        self.client = httpx.Client(timeout=self.timeout)

    def send(self, message: OutboxMessage) -> None:
        import httpx

        url = f"{self.api_url.rstrip('/')}/bot{self.token}/sendMessage"
        payload = {
            "chat_id": message.address,
            "text": message.body,
            "link_preview_options": {"is_disabled": True},
        }
        try:
            response = self.client.post(url, json=payload)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"Telegram unreachable: {type(exc).__name__}") from exc
        if response.is_success:
            return
        raise _http_failure(response, "Telegram")

    def close(self) -> None:
        self.client.close()


def message_id(key: str, sender: str) -> str:
    """A Message-ID made of the message's key alone, at the sender's domain."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "kezek.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


@dataclass
class EmailTransport:
    host: str
    port: int
    user: str
    password: str
    tls: str  # starttls, ssl or none
    sender: str
    timeout: float

    def send(self, message: OutboxMessage) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.address
        mail["Subject"] = message.subject_line
        # The same key gives the same Message-ID: a resent e-mail is recognisably the same,
        # and mail clients show it once.
        mail["Message-ID"] = message_id(message.key, self.sender)
        mail["X-Kezek-Key"] = message.key
        mail.set_content(message.body)
        if message.calendar:
            mail.add_attachment(
                message.calendar,
                subtype="calendar",
                filename="booking.ics",
                params={"method": "PUBLISH"},
            )
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed("the mail server refused the address", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise DeliveryFailed(f"SMTP {exc.smtp_code}", permanent=permanent) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"mail server unreachable: {type(exc).__name__}") from exc

    def _connect(self) -> smtplib.SMTP:
        if self.tls == "ssl":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.tls == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def close(self) -> None:
        return None
