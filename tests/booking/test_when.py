"""Day, time and length from fi/sv/en booking messages, read as of a fixed moment."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.when import When, parse_duration, parse_time, parse_when
from store.models import HELSINKI

# Tuesday 24 November 2026, 10:00 in Helsinki.
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=HELSINKI)
TODAY = dt.date(2026, 11, 24)
TOMORROW = dt.date(2026, 11, 25)
DAY_AFTER = dt.date(2026, 11, 26)
FRIDAY = dt.date(2026, 11, 27)
SATURDAY = dt.date(2026, 11, 28)
MONDAY = dt.date(2026, 11, 30)
NEXT_TUESDAY = dt.date(2026, 12, 1)
WEDNESDAY = dt.date(2026, 11, 25)
THURSDAY = dt.date(2026, 11, 26)
SUNDAY = dt.date(2026, 11, 29)
WEEK = dt.timedelta(days=7)


def t(hour: int, minute: int = 0) -> dt.time:
    return dt.time(hour, minute)


CASES: list[tuple[str, str, dt.date | None, dt.time | None, int | None]] = [
    # Finnish
    ("fi", "huomenna klo 18", TOMORROW, t(18), None),
    ("fi", "ensi tiistaina kuudelta", NEXT_TUESDAY, t(18), None),
    ("fi", "tiistaina klo 17", NEXT_TUESDAY, t(17), None),
    ("fi", "25.11. klo 18", TOMORROW, t(18), None),
    ("fi", "26.11 klo 18.30", DAY_AFTER, t(18, 30), None),
    ("fi", "tänään puoli kuusi", TODAY, t(17, 30), None),
    ("fi", "tänään puoli kuudelta", TODAY, t(17, 30), None),
    ("fi", "kahdeksi tunniksi", None, None, 120),
    ("fi", "tunniksi", None, None, 60),
    ("fi", "2 h", None, None, 120),
    ("fi", "2h", None, None, 120),
    ("fi", "kaksi tuntia", None, None, 120),
    ("fi", "kahden tunnin vuoro", None, None, 120),
    ("fi", "puoleksitoista tunniksi", None, None, 90),
    ("fi", "puolitoista tuntia", None, None, 90),
    ("fi", "puoli tuntia", None, None, 30),
    ("fi", "45 minuutiksi", None, None, 45),
    ("fi", "90 min", None, None, 90),
    ("fi", "1,5 h", None, None, 90),
    ("fi", "huomenna klo 18 kahdeksi tunniksi", TOMORROW, t(18), 120),
    ("fi", "klo 18 tunniksi", None, t(18), 60),
    ("fi", "voinko varata sählyvuoron ensi tiistaina klo 18?", NEXT_TUESDAY, t(18), None),
    ("fi", "perjantaina viidestä seitsemään", FRIDAY, t(17), 120),
    ("fi", "lauantaina klo 17-19", SATURDAY, t(17), 120),
    ("fi", "klo 17:stä 19:ään", None, t(17), 120),
    ("fi", "klo 6-8", None, t(18), 120),
    ("fi", "ylihuomenna kello 12", DAY_AFTER, t(12), None),
    ("fi", "keskiviikkona kahdeksalta illalla", WEDNESDAY, t(20), None),
    ("fi", "torstaina klo 8 aamulla", THURSDAY, t(8), None),
    ("fi", "sunnuntaina klo 10", SUNDAY, t(10), None),
    ("fi", "maanantaina klo 9.30", MONDAY, t(9, 30), None),
    ("fi", "ensi viikon maanantaina", MONDAY, None, None),
    ("fi", "ensi viikolla keskiviikkona", dt.date(2026, 12, 2), None, None),
    ("fi", "siirrä 19:ään", None, t(19), None),
    ("fi", "5. joulukuuta klo 14", dt.date(2026, 12, 5), t(14), None),
    ("fi", "joulukuun 5. klo 14", dt.date(2026, 12, 5), t(14), None),
    ("fi", "3.12.2026 klo 16", dt.date(2026, 12, 3), t(16), None),
    ("fi", "klo 10.05", None, t(10, 5), None),
    ("fi", "haluan varata saunan", None, None, None),
    # Swedish
    ("sv", "i morgon kl 18", TOMORROW, t(18), None),
    ("sv", "imorgon kl. 18", TOMORROW, t(18), None),
    ("sv", "på fredag kl 17", FRIDAY, t(17), None),
    ("sv", "på fredag kl 17 i två timmar", FRIDAY, t(17), 120),
    ("sv", "nästa tisdag klockan sex", NEXT_TUESDAY, t(18), None),
    ("sv", "den 25 november kl 18", TOMORROW, t(18), None),
    ("sv", "25.11 kl 18", TOMORROW, t(18), None),
    ("sv", "den 3.12 kl 14 i en timme", dt.date(2026, 12, 3), t(14), 60),
    ("sv", "i två timmar", None, None, 120),
    ("sv", "en timme", None, None, 60),
    ("sv", "en och en halv timme", None, None, 90),
    ("sv", "en halvtimme", None, None, 30),
    ("sv", "3 timmar", None, None, 180),
    ("sv", "i övermorgon halv sju", DAY_AFTER, t(18, 30), None),
    ("sv", "idag klockan 19", TODAY, t(19), None),
    ("sv", "i kväll kl 8", TODAY, t(20), None),
    ("sv", "mellan 17 och 19 på lördag", SATURDAY, t(17), 120),
    ("sv", "på söndag kl 10-12", SUNDAY, t(10), 120),
    ("sv", "tisdag nästa vecka kl 18", NEXT_TUESDAY, t(18), None),
    ("sv", "flytta bokningen till kl 12", None, t(12), None),
    ("sv", "den 5 december", dt.date(2026, 12, 5), None, None),
    ("sv", "på onsdag kl 9 på morgonen", WEDNESDAY, t(9), None),
    ("sv", "på torsdag från 18 till 20", THURSDAY, t(18), 120),
    ("sv", "jag vill boka bastun", None, None, None),
    # English
    ("en", "tomorrow at 6 pm", TOMORROW, t(18), None),
    ("en", "next Tuesday at 6pm", NEXT_TUESDAY, t(18), None),
    ("en", "next Tuesday at 6 pm for an hour", NEXT_TUESDAY, t(18), 60),
    ("en", "Monday 5-7pm", MONDAY, t(17), 120),
    ("en", "25 November at 18:00", TOMORROW, t(18), None),
    ("en", "November 26", DAY_AFTER, None, None),
    ("en", "November 26th at 7:30 pm", DAY_AFTER, t(19, 30), None),
    ("en", "the 5th of December at noon", dt.date(2026, 12, 5), t(12), None),
    ("en", "at 6 pm for two hours", None, t(18), 120),
    ("en", "for an hour", None, None, 60),
    ("en", "an hour and a half", None, None, 90),
    ("en", "half an hour", None, None, 30),
    ("en", "for 90 minutes", None, None, 90),
    ("en", "tonight at 8", TODAY, t(20), None),
    ("en", "today at 7 am", TODAY, t(7), None),
    ("en", "on Friday at half past six", FRIDAY, t(18, 30), None),
    ("en", "on Saturday from 10 to 12", SATURDAY, t(10), 120),
    ("en", "Tuesday next week at 8 in the evening", NEXT_TUESDAY, t(20), None),
    ("en", "the day after tomorrow at 14:15", DAY_AFTER, t(14, 15), None),
    ("en", "move it to 19", None, t(19), None),
    ("en", "Dec 3 2026 at 16:00", dt.date(2026, 12, 3), t(16), None),
    ("en", "2026-12-24 17:00", dt.date(2026, 12, 24), t(17), None),
    ("en", "Thursday from 6 to 8 pm", THURSDAY, t(18), 120),
    ("en", "Wednesday evening at 7:15 for 45 minutes", WEDNESDAY, t(19, 15), 45),
    ("en", "may I book the sauna", None, None, None),
    ("en", "I want to book a sauna", None, None, None),
    # Mixed languages in one message
    ("sv", "på fredag klo 18", FRIDAY, t(18), None),
    ("fi", "huomenna at 6 pm", TOMORROW, t(18), None),
]


@pytest.mark.parametrize(("lang", "text", "date", "time", "minutes"), CASES)
def test_expression(
    lang: str, text: str, date: dt.date | None, time: dt.time | None, minutes: int | None
) -> None:
    assert parse_when(text, lang, NOW) == When(date, time, minutes)  # type: ignore[arg-type]


def test_there_are_enough_cases_in_each_language() -> None:
    for lang in ("fi", "sv", "en"):
        assert sum(1 for case in CASES if case[0] == lang) >= 25


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        # Sunday evening: "Monday" is tomorrow, and so is next week's Monday.
        (dt.datetime(2026, 11, 29, 21, 0, tzinfo=HELSINKI), "maanantaina", MONDAY),
        (dt.datetime(2026, 11, 29, 21, 0, tzinfo=HELSINKI), "ensi viikon maanantaina", MONDAY),
        (dt.datetime(2026, 11, 29, 21, 0, tzinfo=HELSINKI), "next Sunday", dt.date(2026, 12, 6)),
        # Monday: next week's Monday is a week away, a bare Monday too.
        (dt.datetime(2026, 11, 30, 9, 0, tzinfo=HELSINKI), "på måndag", dt.date(2026, 12, 7)),
        (dt.datetime(2026, 11, 30, 9, 0, tzinfo=HELSINKI), "friday next week", FRIDAY + WEEK * 2),
        # A Tuesday said on a Tuesday is next week's.
        (NOW, "tiistaina", NEXT_TUESDAY),
        # Day and month that already passed this year: next year's.
        (dt.datetime(2026, 12, 30, 12, 0, tzinfo=HELSINKI), "2.1. klo 18", dt.date(2027, 1, 2)),
        (dt.datetime(2026, 12, 30, 12, 0, tzinfo=HELSINKI), "den 2 januari", dt.date(2027, 1, 2)),
        (dt.datetime(2026, 12, 30, 12, 0, tzinfo=HELSINKI), "tomorrow", dt.date(2026, 12, 31)),
        (dt.datetime(2026, 12, 31, 12, 0, tzinfo=HELSINKI), "huomenna", dt.date(2027, 1, 1)),
        # Today is Helsinki's today, whatever time zone `now` is given in.
        (dt.datetime(2026, 11, 24, 23, 30, tzinfo=dt.UTC), "tänään", TOMORROW),
        # 29 February only in a leap year.
        (dt.datetime(2027, 2, 1, 12, 0, tzinfo=HELSINKI), "29.2.", dt.date(2028, 2, 29)),
    ],
)
def test_week_and_year_boundaries(now: dt.datetime, text: str, expected: dt.date) -> None:
    assert parse_when(text, None, now).date == expected


@pytest.mark.parametrize(
    ("text", "date", "time"),
    [
        ("32.11. klo 18", None, t(18)),  # no such day
        ("30.2. klo 18", None, t(18)),
        ("huomenna klo 25", TOMORROW, None),  # no such hour
        ("huomenna klo 18.75", TOMORROW, None),  # no such minute
        ("13 pm", None, None),
    ],
)
def test_impossible_values_are_not_guessed(
    text: str, date: dt.date | None, time: dt.time | None
) -> None:
    found = parse_when(text, "fi", NOW)
    assert (found.date, found.time) == (date, time)


def test_start_is_an_aware_helsinki_time_only_when_day_and_time_are_known() -> None:
    found = parse_when("huomenna klo 18", "fi", NOW)
    assert found.start == dt.datetime(2026, 11, 25, 18, 0, tzinfo=HELSINKI)
    assert found.start is not None and found.start.utcoffset() == dt.timedelta(hours=2)
    summer = parse_when("15.6. klo 18", "fi", NOW).start
    assert summer is not None and summer.utcoffset() == dt.timedelta(hours=3)
    assert parse_when("huomenna", "fi", NOW).start is None
    assert parse_when("klo 18", "fi", NOW).start is None


def test_time_and_length_helpers() -> None:
    assert parse_time("på fredag kl 17") == t(17)
    assert parse_time("ingen tid") is None
    assert parse_duration("kahdeksi tunniksi") == 120
    assert parse_duration("huomenna klo 18") is None
