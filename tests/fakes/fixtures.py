"""pytest fixtures for the fake providers, and settings that point Kezek at them.

Import the fixtures a test module (or a conftest.py) needs::

    from tests.fakes.fixtures import notify_settings, sms_gateway  # noqa: F401

``sms_gateway``, ``telegram`` and ``smtp_sink`` are started for the test and stopped after
it. ``notify_settings`` is the test's ``settings`` with all three channels on, each
pointed at its fake. ``pointed_at`` and ``provider_env`` do the same for settings of your
own and for the environment of a ``kezek`` process.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from kezek.config import Settings
from tests.fakes.sms import FakeSmsGateway
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
def sms_gateway() -> Iterator[FakeSmsGateway]:
    gateway = FakeSmsGateway().started()
    yield gateway
    gateway.stop()


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().started()
    yield fake
    fake.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().started()
    yield sink
    sink.stop()


@pytest.fixture
def notify_settings(
    settings: Settings, sms_gateway: FakeSmsGateway, telegram: FakeTelegram, smtp_sink: SmtpSink
) -> Settings:
    """The test's settings with SMS, Telegram and e-mail on, each sent to its fake."""
    return pointed_at(settings, sms=sms_gateway, telegram=telegram, smtp=smtp_sink)


def pointed_at(
    settings: Settings,
    *,
    sms: FakeSmsGateway | None = None,
    telegram: FakeTelegram | None = None,
    smtp: SmtpSink | None = None,
) -> Settings:
    """``settings`` with each given fake configured as its channel's provider.

    Retries start fast (0.05 s) so that a test sees them within its time."""
    update: dict[str, object] = {"notify_retry_seconds": 0.05}
    if sms is not None:
        update |= {"sms_url": sms.url}
        if sms.authorization:
            update["sms_auth"] = SecretStr(sms.authorization)
    if telegram is not None:
        update |= {
            "telegram_api_url": telegram.api_url,
            "telegram_bot_token": SecretStr(telegram.token),
            "telegram_bot_username": telegram.username,
        }
    if smtp is not None:
        update |= {"smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_tls": "none"}
    return settings.model_copy(update=update)


def provider_env(
    *,
    sms: FakeSmsGateway | None = None,
    telegram: FakeTelegram | None = None,
    smtp: SmtpSink | None = None,
) -> dict[str, str]:
    """The KEZEK_* variables that point a ``kezek`` process at the given fakes."""
    env: dict[str, str] = {}
    if sms is not None:
        env["KEZEK_SMS_URL"] = sms.url
        if sms.authorization:
            env["KEZEK_SMS_AUTH"] = sms.authorization
    if telegram is not None:
        env |= {
            "KEZEK_TELEGRAM_API_URL": telegram.api_url,
            "KEZEK_TELEGRAM_BOT_TOKEN": telegram.token,
            "KEZEK_TELEGRAM_BOT_USERNAME": telegram.username,
        }
    if smtp is not None:
        env |= {
            "KEZEK_SMTP_HOST": smtp.host,
            "KEZEK_SMTP_PORT": str(smtp.port),
            "KEZEK_SMTP_TLS": "none",
        }
    return env
