"""The Telegram bot's own rules: one-time links that bind a chat to a booking or a ticket,
what a chat follows, the commands it sends, and the few Bot API calls outside sending.

A link is ``https://t.me/<bot>?start=<token>``. Telegram hands the token back in the
chat's first message, ``/start <token>``; the chat that sends it first follows the link's
subject, and no other chat can take the link after it. Only the token's SHA-256 is stored:
a copy of the database opens no one's chat.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Table, and_, func, select, update

from kezek.db import dialect_insert
from kezek.i18n import DEFAULT, as_language
from kezek.notify.models import Channel, Contact, TelegramLink
from kezek.notify.outbox import drop_contact

LINK: Table = TelegramLink.__table__  # type: ignore[assignment]
CONTACT: Table = Contact.__table__  # type: ignore[assignment]

# A link given out on a page stays good this long at most (and never past the visit).
LINK_LIFETIME = timedelta(days=7)
# Telegram's start parameter: up to 64 characters of [A-Za-z0-9_-]. 24 random bytes make
# 32 such characters, far beyond guessing.
# Telegram's start parameter takes up to 64 of [A-Za-z0-9_-].
TOKEN_LENGTH = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# What the bot reads: messages, and a chat's user blocking it.
UPDATES = ["message", "my_chat_member"]
# What /status answers for at most: the latest subjects a chat follows.
MOST_FOLLOWED = 5


class Refusal(StrEnum):
    unknown = "unknown"  # no such token: mistyped, or from another installation
    expired = "expired"
    taken = "taken"  # opened already by another chat


class LinkRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Bound:
    """A chat that now follows a subject. ``first``: the link had not been opened before."""

    subject: str
    language: str
    first: bool


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(
    connection: Connection,
    *,
    subject: str,
    language: str,
    now: datetime,
    secret: bytes,
    expires_at: datetime | None = None,
) -> str:
    """The subject's one-time token: valid for a week, or until ``expires_at`` if sooner.

    It is derived from the secret, the day and how many of the subject's links chats have
    opened, so every view of a page shows the same link and writes no second row until a
    chat opens it; the next view then offers a fresh one (for a new phone, say)."""
    opened = connection.execute(
        select(func.count())
        .select_from(LINK)
        .where(LINK.c.subject == subject, LINK.c.used_at.is_not(None))
    ).scalar_one()
    seed = f"telegram-link/{subject}/{language}/{now.date()}/{opened}"
    mac = hmac.new(secret, seed.encode(), "sha256")
    token = base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")[:TOKEN_LENGTH]
    until = now + LINK_LIFETIME
    if expires_at is not None:
        until = min(until, expires_at)
    insert = dialect_insert(connection.dialect.name, LINK)
    connection.execute(
        insert.values(
            token_hash=hash_token(token),
            subject=subject,
            language=language,
            expires_at=until,
            used_at=None,
            chat_id=None,
        ).on_conflict_do_nothing(index_elements=[LINK.c.token_hash])
    )
    return token


def start_url(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={token}"


def bind(connection: Connection, *, token: str, chat_id: str, now: datetime) -> Bound:
    """The subject the chat follows from now on; raises ``LinkRefused``.

    The same chat may open its link again (a second tap, or after /stop); another chat
    may not. Two chats opening the link at once: the conditional update lets one through,
    the other finds the link taken (on PostgreSQL it waits for the first one's row lock).
    """
    if not _TOKEN.fullmatch(token):
        raise LinkRefused(Refusal.unknown)
    token_hash = hash_token(token)
    taken = connection.execute(
        update(LINK)
        .where(LINK.c.token_hash == token_hash, LINK.c.chat_id.is_(None), LINK.c.expires_at > now)
        .values(chat_id=chat_id, used_at=now)
        .returning(LINK.c.subject, LINK.c.language)
    ).first()
    if taken is not None:
        return Bound(taken.subject, taken.language, first=True)
    row = connection.execute(
        select(LINK.c.subject, LINK.c.language, LINK.c.expires_at, LINK.c.chat_id).where(
            LINK.c.token_hash == token_hash
        )
    ).first()
    if row is None:
        raise LinkRefused(Refusal.unknown)
    if row.expires_at <= now:
        raise LinkRefused(Refusal.expired)
    if row.chat_id != chat_id:
        raise LinkRefused(Refusal.taken)
    return Bound(row.subject, row.language, first=False)


@dataclass(frozen=True)
class Followed:
    subject: str
    language: str


def followed(connection: Connection, chat_id: str) -> list[Followed]:
    """What the chat follows now, latest first: subjects whose Telegram contact is the chat
    (a chat that sent /stop, or was replaced by another chat's link, follows nothing)."""
    rows = connection.execute(
        select(LINK.c.subject, CONTACT.c.language)
        .join(
            CONTACT,
            and_(
                CONTACT.c.subject == LINK.c.subject,
                CONTACT.c.channel == Channel.telegram.value,
                CONTACT.c.address == LINK.c.chat_id,
            ),
        )
        .where(LINK.c.chat_id == chat_id)
        .order_by(LINK.c.used_at.desc())
    )
    found: dict[str, Followed] = {}
    for subject, language in rows:
        found.setdefault(subject, Followed(subject, language))
    return list(found.values())[:MOST_FOLLOWED]


def unbind(connection: Connection, chat_id: str) -> list[Followed]:
    """/stop: the chat follows nothing more, and what was queued for it is withdrawn. Its
    links stay bound to it, so that opening one again follows again."""
    stopped = followed(connection, chat_id)
    for each in stopped:
        drop_contact(connection, subject=each.subject, channel=Channel.telegram)
    return stopped


class Command(StrEnum):
    start = "start"
    status = "status"
    stop = "stop"
    help = "help"
    # The citizen blocked the bot: as /stop, with no answer (it could not be delivered).
    blocked = "blocked"


@dataclass(frozen=True)
class Said:
    """A private message to the bot, read."""

    update_id: int
    chat_id: str
    command: Command
    token: str  # /start's token, "" for the rest
    language: str  # the Telegram user's, if ours; else the default


def read_update(update: Mapping[str, Any]) -> Said | None:
    """The message an update carries, or None for what the bot does not answer: edits,
    channel posts, groups (a bot added to a group must not talk there), other bots."""
    message = update.get("message")
    if not isinstance(message, Mapping):
        return _blocked(update)
    chat = message.get("chat")
    sender = message.get("from")
    text = message.get("text")
    if not isinstance(chat, Mapping) or chat.get("type") != "private":
        return None
    if not isinstance(sender, Mapping) or sender.get("is_bot"):
        return None
    if not isinstance(chat.get("id"), int | str) or not isinstance(text, str):
        return None
    update_id = update.get("update_id")
    code = str(sender.get("language_code") or "").split("-", 1)[0].lower()
    command, token = _command(text)
    return Said(
        update_id=update_id if isinstance(update_id, int) else 0,
        chat_id=str(chat["id"]),
        command=command,
        token=token,
        language=as_language(code) or DEFAULT,
    )


def _blocked(update: Mapping[str, Any]) -> Said | None:
    """A my_chat_member update saying the private chat's user blocked the bot."""
    change = update.get("my_chat_member")
    if not isinstance(change, Mapping):
        return None
    chat = change.get("chat")
    member = change.get("new_chat_member")
    if not isinstance(chat, Mapping) or chat.get("type") != "private":
        return None
    if not isinstance(member, Mapping) or member.get("status") != "kicked":
        return None
    if not isinstance(chat.get("id"), int | str):
        return None
    update_id = update.get("update_id")
    return Said(
        update_id=update_id if isinstance(update_id, int) else 0,
        chat_id=str(chat["id"]),
        command=Command.blocked,
        token="",
        language=DEFAULT,
    )


def _command(text: str) -> tuple[Command, str]:
    words = text.strip().split()
    if not words or not words[0].startswith("/"):
        return Command.help, ""
    # "/status@kezek_bot" in a chat with several bots names this one.
    name = words[0][1:].split("@", 1)[0].lower()
    if name == "start":
        return (Command.start, words[1]) if len(words) > 1 else (Command.help, "")
    if name in (Command.status, Command.stop):
        return Command(name), ""
    return Command.help, ""


class BotApiError(Exception):
    def __init__(self, method: str, status: int, description: str) -> None:
        super().__init__(f"Telegram {method}: {status} {description}")
        self.status = status
        self.description = description


@dataclass
class BotApi:
    """The Bot API calls besides sendMessage (which the relay's transport makes)."""

    api_url: str
    token: str
    timeout: float

    def __post_init__(self) -> None:
        import httpx  # here, not on import (see kezek.notify.channels)

        self.client = httpx.Client(timeout=self.timeout)

    def call(self, method: str, parameters: Mapping[str, Any], *, wait: float = 0) -> Any:
        import httpx

        url = f"{self.api_url.rstrip('/')}/bot{self.token}/{method}"
        try:
            response = self.client.post(url, json=dict(parameters), timeout=self.timeout + wait)
        except httpx.HTTPError as exc:
            raise BotApiError(method, 0, f"unreachable: {type(exc).__name__}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not response.is_success or not isinstance(body, dict) or not body.get("ok"):
            description = body.get("description", "") if isinstance(body, dict) else ""
            raise BotApiError(method, response.status_code, str(description)[:200])
        return body.get("result")

    def updates(self, *, offset: int, wait: int) -> list[dict[str, Any]]:
        """The updates after ``offset`` (which confirms those before), waiting up to
        ``wait`` seconds for one to come."""
        parameters = {"offset": offset, "timeout": wait, "allowed_updates": UPDATES}
        result = self.call("getUpdates", parameters, wait=wait)
        return [update for update in result or [] if isinstance(update, dict)]

    def set_webhook(self, url: str, *, secret: str) -> None:
        self.call("setWebhook", {"url": url, "secret_token": secret, "allowed_updates": UPDATES})

    def delete_webhook(self) -> None:
        self.call("deleteWebhook", {})

    def close(self) -> None:
        self.client.close()
