"""The part of the Telegram Bot API that Kezek uses: sendMessage, getUpdates, setWebhook.

    telegram = FakeTelegram(token="123:abc").started()   # or the ``telegram`` fixture
    settings.telegram_api_url = telegram.api_url          # and telegram_bot_token = token
    ... send ...
    telegram.sent["5551234"]   # the texts sent to that chat, in order

Chat ids are kept as strings, whether the caller sent 5551234 or "5551234". Answers have
the Bot API's shape: ``{"ok": true, "result": …}``, or ``{"ok": false, "error_code": …,
"description": …}`` (with ``parameters.retry_after`` on 429). A wrong token is answered 401.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict
from typing import Any

from tests.fakes.http import Answer, JsonServer, Request

BLOCKED = "Forbidden: bot was blocked by the user"


def _error(code: int, description: str, **parameters: Any) -> Answer:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


class FakeTelegram(JsonServer):
    def __init__(self, *, token: str = "123456:TEST-token", username: str = "kezek_test_bot"):
        super().__init__()
        self.token = token
        self.username = username
        self.api_url = self.base_url  # what KEZEK_TELEGRAM_API_URL takes
        self.sent: defaultdict[str, list[str]] = defaultdict(list)  # chat id -> texts
        self.messages: list[dict[str, Any]] = []  # every sendMessage accepted, as sent
        self.calls: list[tuple[str, dict[str, Any]]] = []  # (method, parameters), all
        self.webhook: dict[str, Any] | None = None  # setWebhook's parameters, once set
        self._blocked: set[str] = set()
        self._throttled: list[int] = []  # retry_after of the next sendMessage calls
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._changed = threading.Condition(self.lock)

    def started(self) -> FakeTelegram:
        self.start()
        return self

    # What the test tells the bot API ---------------------------------------------------

    def block(self, chat_id: str | int) -> None:
        """The citizen blocked the bot: sendMessage to the chat gets 403 from now on."""
        with self.lock:
            self._blocked.add(str(chat_id))

    def throttle(self, count: int = 1, *, retry_after: int = 1) -> None:
        """Answer the next ``count`` sendMessage calls 429 with ``retry_after`` seconds."""
        with self.lock:
            self._throttled.extend([retry_after] * count)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (``update_id`` added if missing); return it, for a
        test that posts it to Kezek's webhook itself."""
        with self._changed:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._changed.notify_all()
            return update

    def push_message(self, chat_id: str | int, text: str) -> dict[str, Any]:
        """A citizen writes ``text`` (such as "/start TOKEN") to the bot in a private chat."""
        return self.push_update(message_update(chat_id, text, message_id=next(self._message_ids)))

    # What the test reads -----------------------------------------------------------------

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until ``count`` messages are sent, to any chats; return them all."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(
                    f"Telegram has {len(self.messages)} messages, not {count}, after {timeout} s"
                )
            return list(self.messages)

    # The Bot API itself ---------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        path = request.path.split("?", 1)[0]
        prefix, _, method = path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return _error(401 if prefix.startswith("/bot") else 404, "Unauthorized")
        parameters = request.form_or_json()
        with self._changed:
            self.calls.append((method, parameters))
        handler = {
            "sendMessage": self._send_message,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getMe": self._get_me,
        }.get(method)
        if handler is None:
            return _error(404, "Not Found")
        return handler(parameters)

    def _send_message(self, parameters: dict[str, Any]) -> Answer:
        chat = str(parameters.get("chat_id", ""))
        text = parameters.get("text")
        if not chat or not text:
            return _error(400, "Bad Request: message text is empty" if chat else "chat not found")
        with self._changed:
            if self._throttled:
                wait = self._throttled.pop(0)
                return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
            if chat in self._blocked:
                return _error(403, BLOCKED)
            self.sent[chat].append(text)
            self.messages.append(parameters)
            self._changed.notify_all()
            return 200, {
                "ok": True,
                "result": {
                    "message_id": next(self._message_ids),
                    "chat": {"id": _chat_id(chat), "type": "private"},
                    "date": int(time.time()),
                    "text": text,
                },
            }

    def _get_updates(self, parameters: dict[str, Any]) -> Answer:
        if self.webhook is not None:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(parameters.get("offset") or 0)
        limit = int(parameters.get("limit") or 100)
        timeout = min(float(parameters.get("timeout") or 0), 5.0)  # a long poll, kept short
        with self._changed:
            # An offset confirms every update before it: they are not given again.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._changed.wait_for(lambda: bool(self._updates), timeout)
            return 200, {"ok": True, "result": self._updates[:limit]}

    def _set_webhook(self, parameters: dict[str, Any]) -> Answer:
        with self.lock:
            self.webhook = parameters if parameters.get("url") else None
        return 200, {"ok": True, "result": True, "description": "Webhook was set"}

    def _delete_webhook(self, parameters: dict[str, Any]) -> Answer:
        with self.lock:
            self.webhook = None
        return 200, {"ok": True, "result": True, "description": "Webhook was deleted"}

    def _get_me(self, parameters: dict[str, Any]) -> Answer:
        bot_id = int(self.token.split(":", 1)[0]) if self.token[:1].isdigit() else 1
        result = {"id": bot_id, "is_bot": True, "first_name": "Kezek", "username": self.username}
        return 200, {"ok": True, "result": result}


def _chat_id(chat: str) -> int | str:
    return int(chat) if chat.lstrip("-").isdigit() else chat


def message_update(chat_id: str | int, text: str, *, message_id: int = 1) -> dict[str, Any]:
    """An update carrying a private message, as Telegram posts it to a webhook (without
    ``update_id``, which ``FakeTelegram.push_update`` adds)."""
    chat = _chat_id(str(chat_id))
    return {
        "message": {
            "message_id": message_id,
            "from": {"id": chat, "is_bot": False, "first_name": "Test", "language_code": "ru"},
            "chat": {"id": chat, "type": "private", "first_name": "Test"},
            "date": int(time.time()),
            "text": text,
        }
    }
