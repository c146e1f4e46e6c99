"""A network with a round at a small office, and applications ready to send."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kezek.bootstrap import build_context
from kezek.config import Settings
from kezek.context import AppContext
from kezek.db import run_transaction
from kezek.network.file import parse_network
from kezek.network.load import load_network
from kezek.notify.verification import phone_proof
from kezek.rounds.applications import ApplicationRequest, ChoiceRequest
from tests.factories import NETWORK_TOML, ZONES, document, phone

# An hour a day, a window for each service: three places a day for the 20-minute service,
# scarce enough to draw for.
TINY_OFFICE = """
[[offices]]
code = "tiny"
kind = "consulate"
name = { ky = "Кичи кеңсе", ru = "Малый офис", en = "Small office" }
city = { ky = "Бишкек", ru = "Бишкек", en = "Bishkek" }
address = { ky = "Бишкек, Токтогул 2", ru = "Бишкек, Токтогула 2", en = "2 Toktogul St" }
country = "KG"
timezone = "Asia/Bishkek"
coordinates = { lat = 42.87, lon = 74.59 }
slot_minutes = 10
services = ["long", "quick"]

[offices.hours]
mon = ["09:00-10:00"]
tue = ["09:00-10:00"]
wed = ["09:00-10:00"]
thu = ["09:00-10:00"]
fri = ["09:00-10:00"]
sat = ["09:00-10:00"]
sun = ["09:00-10:00"]

[[offices.windows]]
code = "1"
services = ["long"]

[[offices.windows]]
code = "2"
services = ["quick"]
"""
PLACES_A_DAY = 3  # "long" at "tiny": three 20-minute places in the hour
ZONES.setdefault("tiny", ZONES["bsk"])


@dataclass(frozen=True)
class Timeline:
    """A round whose applications are open now: it closes in an hour, draws in two, and
    gives places from ``first`` (three days ahead) for ``days`` days."""

    now: datetime
    first: date
    days: int = 2

    @property
    def opens(self) -> datetime:
        return self.now - timedelta(hours=1)

    @property
    def closes(self) -> datetime:
        return self.now + timedelta(hours=1)

    @property
    def draws(self) -> datetime:
        return self.now + timedelta(hours=2)

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.days - 1)

    def day(self, n: int) -> date:
        return self.first + timedelta(days=n)


def timeline(days: int = 2) -> Timeline:
    now = datetime.now(UTC).replace(microsecond=0)
    return Timeline(now, now.astimezone(ZONES["tiny"]).date() + timedelta(days=3), days)


def round_toml(t: Timeline, code: str = "spring", **fields: Any) -> str:
    values: dict[str, Any] = {
        "offices": ["tiny"],
        "services": ["long"],
        "urgent_before": t.first + timedelta(days=30),
        "urgent_share": 0,
        "groups_share": 0,
        "confirm_hours": 48,
    }
    values.update(fields)
    lines = [
        "[[rounds]]",
        f'code = "{code}"',
        'name = { ky = "Жазгы тартуу", ru = "Весенний розыгрыш", en = "Spring draw" }',
        f"from = {t.first.isoformat()}",
        f"to = {t.last.isoformat()}",
        f"opens = {t.opens.isoformat()}",
        f"closes = {t.closes.isoformat()}",
        f"draw = {t.draws.isoformat()}",
    ]
    for name, value in values.items():
        lines.append(f"{name} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def network_with_round(t: Timeline, *rounds: str) -> str:
    return NETWORK_TOML + TINY_OFFICE + "\n" + "".join(rounds or (round_toml(t),))


def load_round(sessions: sessionmaker[Session], t: Timeline, *rounds: str) -> None:
    spec = parse_network(network_with_round(t, *rounds), source="round-network.toml")
    run_transaction(sessions, lambda session: load_network(session, spec))


def sms_on(settings: Settings) -> AppContext:
    return build_context(settings.model_copy(update={"sms_url": "http://127.0.0.1:9/sms"}))


def request(
    number: int,
    days: Sequence[date],
    *,
    stay_until: date | None = None,
    group: str | None = None,
    office: str = "tiny",
    service: str = "long",
    week: date | None = None,
) -> ApplicationRequest:
    """Application ``number``: its own document and phone, one choice per day given."""
    choices = tuple(ChoiceRequest(office, service, day=day) for day in days)
    if week is not None:
        choices += (ChoiceRequest(office, service, week=week),)
    return ApplicationRequest(
        full_name="Асанов Айбек",
        document_number=document(number),
        phone=phone(number),
        language="ky",
        legal_stay_until=stay_until or date(2030, 1, 1),
        group=group,
        choices=choices,
    )


def proof(context: AppContext, number: int) -> str:
    e164 = "+996555" + f"{number % 1_000_000:06d}"
    return phone_proof(e164, secret=context.secret, until=datetime.now(UTC) + timedelta(hours=3))


def client_of(number: int) -> str:
    """A client address per applicant: the limits per address are not what is tested."""
    return f"198.51.{number // 250}.{number % 250 + 1}"
