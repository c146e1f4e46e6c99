"""Quiet hours: what can wait is held until the end of the night in the recipient's zone,
on the days clocks change as on any other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kezek.notify.quiet import out_of_quiet_hours, parse_quiet_hours

BISHKEK = ZoneInfo("Asia/Bishkek")
BERLIN = ZoneInfo("Europe/Berlin")
MOSCOW = ZoneInfo("Europe/Moscow")
NIGHT = (21, 8)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, zone: ZoneInfo, *, fold: int = 0) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone, fold=fold).astimezone(UTC)


def test_the_setting_reads_as_start_and_end_hours() -> None:
    assert parse_quiet_hours("21-8") == (21, 8)
    assert parse_quiet_hours("0-6") == (0, 6)
    assert parse_quiet_hours("") is None
    assert parse_quiet_hours("8-8") is None  # no hour is quiet


@pytest.mark.parametrize(
    ("at", "sent"),
    [
        ("2026-05-10 12:00", "2026-05-10 12:00"),
        ("2026-05-10 20:59", "2026-05-10 20:59"),
        ("2026-05-10 21:00", "2026-05-11 08:00"),  # evening: the next morning
        ("2026-05-10 23:45", "2026-05-11 08:00"),
        ("2026-05-11 00:00", "2026-05-11 08:00"),  # after midnight: the same morning
        ("2026-05-11 07:59", "2026-05-11 08:00"),
        ("2026-05-11 08:00", "2026-05-11 08:00"),
        ("2026-12-31 22:00", "2027-01-01 08:00"),  # across the year's end
    ],
)
def test_a_night_across_midnight(at: str, sent: str) -> None:
    result = out_of_quiet_hours(local(at, BISHKEK), BISHKEK, NIGHT)

    assert result == local(sent, BISHKEK)
    assert result.tzinfo == UTC


def test_quiet_hours_within_one_day() -> None:
    assert out_of_quiet_hours(local("2026-05-10 13:30", BISHKEK), BISHKEK, (13, 15)) == local(
        "2026-05-10 15:00", BISHKEK
    )
    noon = local("2026-05-10 12:00", BISHKEK)
    assert out_of_quiet_hours(noon, BISHKEK, (13, 15)) == noon


def test_no_quiet_hours_sends_at_once() -> None:
    night = local("2026-05-10 03:00", BISHKEK)
    assert out_of_quiet_hours(night, BISHKEK, None) == night


def test_the_night_clocks_go_forward_is_an_hour_shorter() -> None:
    # Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST.
    evening = utc("2026-03-28 21:00")  # 22:00 CET

    result = out_of_quiet_hours(evening, BERLIN, NIGHT)

    assert result == utc("2026-03-29 06:00")  # 08:00 CEST
    assert result - evening == timedelta(hours=9)


def test_the_night_clocks_go_back_is_an_hour_longer() -> None:
    # Berlin, 25 October 2026: 03:00 CEST becomes 02:00 CET.
    evening = utc("2026-10-24 20:00")  # 22:00 CEST

    result = out_of_quiet_hours(evening, BERLIN, NIGHT)

    assert result == utc("2026-10-25 07:00")  # 08:00 CET
    assert result - evening == timedelta(hours=11)


@pytest.mark.parametrize("fold", [0, 1])
def test_either_of_the_repeated_hours_waits_for_the_same_morning(fold: int) -> None:
    twice = local("2026-10-25 02:30", BERLIN, fold=fold)

    assert out_of_quiet_hours(twice, BERLIN, NIGHT) == utc("2026-10-25 07:00")


def test_a_night_ending_in_the_skipped_hour_ends_when_the_clock_jumps() -> None:
    # Quiet until 02:00, an hour Berlin does not have on 29 March 2026: the night ends at
    # the jump, 03:00 CEST, not an hour later nor before it.
    result = out_of_quiet_hours(utc("2026-03-28 22:00"), BERLIN, (22, 2))

    assert result == utc("2026-03-29 01:00")
    assert result.astimezone(BERLIN).hour == 3


@pytest.mark.parametrize("day", ["2026-03-28", "2026-10-24"])
def test_moscow_keeps_its_clock_on_those_nights(day: str) -> None:
    evening = local(f"{day} 22:00", MOSCOW)

    result = out_of_quiet_hours(evening, MOSCOW, NIGHT)

    assert result - evening == timedelta(hours=10)
    assert result.astimezone(MOSCOW).strftime("%H:%M") == "08:00"
    assert result.tzinfo == UTC


@pytest.mark.parametrize("zone", [BERLIN, MOSCOW, BISHKEK], ids=str)
@pytest.mark.parametrize("start", ["2026-03-27", "2026-10-23"])
def test_every_quarter_hour_around_a_clock_change(zone: ZoneInfo, start: str) -> None:
    moment = utc(f"{start} 00:00")
    for _ in range(4 * 24 * 4):
        result = out_of_quiet_hours(moment, zone, NIGHT)
        hour = result.astimezone(zone).hour
        assert result >= moment
        assert not (hour >= 21 or hour < 8), (moment, result)
        assert out_of_quiet_hours(result, zone, NIGHT) == result
        if result != moment:  # held: until the end of the night, not later
            assert result.astimezone(zone).strftime("%H:%M") == "08:00"
            assert result - moment <= timedelta(hours=12)
        moment += timedelta(minutes=15)
