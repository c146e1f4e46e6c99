"""What the features need to know to write messages: the channels on, the links' base,
when reminders go and when nights are quiet."""

from __future__ import annotations

from dataclasses import dataclass

from kezek.config import Settings
from kezek.notify.models import Channel
from kezek.notify.quiet import parse_quiet_hours


@dataclass(frozen=True)
class NotifyRules:
    channels: frozenset[Channel] = frozenset()
    public_url: str = ""
    reminder_day_before_hour: int = 18
    reminder_before_minutes: int = 120
    quiet_hours: tuple[int, int] | None = (21, 8)
    near_people: int = 5

    def link(self, path: str) -> str:
        return f"{self.public_url.rstrip('/')}{path}"

    def on(self, channel: Channel) -> bool:
        return channel in self.channels


def channels_on(settings: Settings) -> frozenset[Channel]:
    """The channels with a provider configured; messages are written only for these."""
    on = set()
    if settings.sms_url:
        on.add(Channel.sms)
    if settings.telegram_bot_token is not None and settings.telegram_bot_token.get_secret_value():
        on.add(Channel.telegram)
    if settings.smtp_host:
        on.add(Channel.email)
    return frozenset(on)


def notify_rules(settings: Settings) -> NotifyRules:
    return NotifyRules(
        channels=channels_on(settings),
        public_url=settings.public_url,
        reminder_day_before_hour=settings.reminder_day_before_hour,
        reminder_before_minutes=settings.reminder_before_minutes,
        quiet_hours=parse_quiet_hours(settings.quiet_hours),
        near_people=settings.ticket_near_people,
    )
