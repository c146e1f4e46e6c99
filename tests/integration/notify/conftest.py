"""The fake providers, for every test of notifications."""

from tests.fakes.fixtures import notify_settings, sms_gateway, smtp_sink, telegram

__all__ = ["notify_settings", "sms_gateway", "smtp_sink", "telegram"]
