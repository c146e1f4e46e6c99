"""Test data: a small network and ready-made request bodies."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

NETWORK_TOML = """
[network]
name = "Test network"

# A corridor group an office may call first; "priority" needs no entry.
[[groups]]
code = "eaeu"
name = { ky = "ЕАЭБ жарандары", ru = "Граждане ЕАЭС", en = "EAEU citizens" }

[[services]]
code = "quick"
ticket_prefix = "Q"
duration_minutes = 10
name = { ky = "Тез кызмат", ru = "Быстрая услуга", en = "Quick service" }

[[services]]
code = "long"
ticket_prefix = "L"
duration_minutes = 20
name = { ky = "Узун кызмат", ru = "Долгая услуга", en = "Long service" }
documents = [{ ky = "Паспорт", ru = "Паспорт", en = "Passport" }]

[[services]]
code = "other"
ticket_prefix = "O"
duration_minutes = 10
name = { ky = "Башка кызмат", ru = "Другая услуга", en = "Other service" }

# Bishkek has no daylight saving time: open every day, so tests never meet a weekend.
[[offices]]
code = "bsk"
kind = "consulate"
name = { ky = "Бишкек кеңсеси", ru = "Бишкекский офис", en = "Bishkek office" }
city = { ky = "Бишкек", ru = "Бишкек", en = "Bishkek" }
address = { ky = "Бишкек, Чүй 1", ru = "Бишкек, Чуй 1", en = "1 Chui Ave, Bishkek" }
country = "KG"
phone = "0312 123 456"
timezone = "Asia/Bishkek"
coordinates = { lat = 42.87, lon = 74.59 }
slot_minutes = 10
services = ["quick", "long", "other"]

[offices.hours]
mon = ["09:00-18:00"]
tue = ["09:00-18:00"]
wed = ["09:00-18:00"]
thu = ["09:00-18:00"]
fri = ["09:00-18:00"]
sat = ["09:00-18:00"]
sun = ["09:00-18:00"]

[[offices.windows]]
code = "1"
services = ["quick", "long"]

[[offices.windows]]
code = "2"
services = ["quick", "long"]

[[offices.windows]]
code = "3"
services = ["other"]

[[offices.windows]]
code = "4"
group = "priority"
bookable = false
services = ["quick", "long", "other"]

# Five windows for one service: a slot of capacity 5 to race for.
[[offices]]
code = "big"
kind = "migration_center"
name = { ky = "Чоң борбор", ru = "Большой центр", en = "Big centre" }
city = { ky = "Москва", ru = "Москва", en = "Moscow" }
address = { ky = "Москва", ru = "Москва", en = "Moscow" }
country = "RU"
timezone = "Europe/Moscow"
coordinates = { lat = 55.75, lon = 37.62 }
slot_minutes = 10
services = ["quick"]

[offices.hours]
mon = ["08:00-20:00"]
tue = ["08:00-20:00"]
wed = ["08:00-20:00"]
thu = ["08:00-20:00"]
fri = ["08:00-20:00"]
sat = ["08:00-20:00"]
sun = ["08:00-20:00"]

[[offices.windows]]
code = "1"
services = ["quick"]

[[offices.windows]]
code = "2"
services = ["quick"]

[[offices.windows]]
code = "3"
services = ["quick"]

[[offices.windows]]
code = "4"
services = ["quick"]

[[offices.windows]]
code = "5"
services = ["quick"]

# Two pools can serve "quick": window 1 alone, and window 2 that also serves "other".
[[offices]]
code = "mix"
kind = "mobile_team"
name = { ky = "Аралаш топ", ru = "Смешанная группа", en = "Mixed team" }
city = { ky = "Ош", ru = "Ош", en = "Osh" }
address = { ky = "Ош", ru = "Ош", en = "Osh" }
country = "KG"
timezone = "Asia/Bishkek"
coordinates = { lat = 40.51, lon = 72.8 }
slot_minutes = 10
services = ["quick", "other"]

[offices.hours]
mon = ["09:00-18:00"]
tue = ["09:00-18:00"]
wed = ["09:00-18:00"]
thu = ["09:00-18:00"]
fri = ["09:00-18:00"]
sat = ["09:00-18:00"]
sun = ["09:00-18:00"]

[[offices.windows]]
code = "1"
services = ["quick"]

[[offices.windows]]
code = "2"
services = ["quick", "other"]
"""

ZONES = {
    "bsk": ZoneInfo("Asia/Bishkek"),
    "big": ZoneInfo("Europe/Moscow"),
    "mix": ZoneInfo("Asia/Bishkek"),
}


def local_day(office: str = "bsk", *, days_ahead: int = 1) -> date:
    return datetime.now(ZONES[office]).date() + timedelta(days=days_ahead)


def start_at(office: str = "bsk", *, days_ahead: int = 1, hour: int = 10, minute: int = 0) -> str:
    """An opening-hours time ``days_ahead`` local days from now, in ISO 8601 with offset."""
    day = local_day(office, days_ahead=days_ahead)
    return datetime.combine(day, time(hour, minute), tzinfo=ZONES[office]).isoformat()


def document(number: int) -> str:
    return f"AC{number:07d}"


def phone(number: int) -> str:
    """A Kyrgyz mobile number of its own for each test citizen."""
    return f"+996 555 {number % 1_000_000:06d}"


def booking_body(**overrides: Any) -> dict[str, Any]:
    """A booking request; each document number comes with its own phone unless one is given."""
    body: dict[str, Any] = {
        "office": "bsk",
        "service": "quick",
        "start": start_at(),
        "document_number": document(1),
        "full_name": "Асанов Айбек",
        "phone": "+996 555 123 456",
        "language": "ky",
    }
    body.update(overrides)
    if "phone" not in overrides:
        body["phone"] = phone(int(re.sub(r"\D", "", body["document_number"]) or 0))
    return body


def one_office_network(
    *,
    office: str,
    kind: str,
    timezone: str,
    country: str = "KG",
    services: list[tuple[str, str, int]],
    windows: list[tuple[str, list[str], str | None]],
    hours: str = "08:00-20:00",
    queue: dict[str, int] | None = None,
) -> str:
    """A network file of one office open every day: services as (code, prefix, minutes),
    windows as (code, services, corridor group or None), and optional queue settings."""

    def text(value: str) -> str:
        return f'{{ ky = "{value}", ru = "{value}", en = "{value}" }}'

    parts = ['[network]\nname = "Test"\n']
    for code, prefix, minutes in services:
        parts.append(
            f'[[services]]\ncode = "{code}"\nticket_prefix = "{prefix}"\n'
            f"duration_minutes = {minutes}\nname = {text(code.title())}\n"
        )
    codes = ", ".join(f'"{code}"' for code, _, _ in services)
    parts.append(
        f'[[offices]]\ncode = "{office}"\nkind = "{kind}"\nname = {text(office.title())}\n'
        f'city = {text("City")}\naddress = {text("Address")}\ncountry = "{country}"\n'
        f'timezone = "{timezone}"\ncoordinates = {{ lat = 42.87, lon = 74.59 }}\n'
        f"slot_minutes = 10\nservices = [{codes}]\n"
    )
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    parts.append("[offices.hours]\n" + "".join(f'{day} = ["{hours}"]\n' for day in days))
    if queue:
        parts.append("[offices.queue]\n" + "".join(f"{k} = {v}\n" for k, v in queue.items()))
    for code, served, corridor in windows:
        group = f'group = "{corridor}"\nbookable = false\n' if corridor else ""
        listed = ", ".join(f'"{service}"' for service in served)
        parts.append(f'[[offices.windows]]\ncode = "{code}"\n{group}services = [{listed}]\n')
    return "\n".join(parts)
