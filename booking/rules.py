"""A resource's booking rules, as the city's booking systems have them.

Opening hours per weekday, with exceptions for single dates and Finnish public holidays
(the `holidays` package), the grid booking start times sit on, the shortest and longest
booking, a buffer kept free after each booking, how far ahead one can book, how many
active bookings one resident may hold, how late a booking can be cancelled, capacity
and price. All times are local Helsinki time.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")

Interval = tuple[dt.time, dt.time]


def parse_ranges(value: list[str]) -> list[Interval]:
    """["07:00-22:00"] -> [(07:00, 22:00)]; "24:00" may end a range."""
    ranges = []
    for text in value:
        match = _RANGE.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a range like 07:00-22:00")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        start = dt.time(h1, m1)
        end = dt.time.max if (h2, m2) == (24, 0) else dt.time(h2, m2)
        if end <= start:
            raise ValueError(f"{text!r} ends before it starts")
        ranges.append((start, end))
    return sorted(ranges)


class DateException(BaseModel):
    """Different hours on one date (an empty list: closed), with the reason in fi/sv/en."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: dt.date
    hours: list[str] = Field(default_factory=list)
    reason: dict[str, str] = Field(default_factory=dict)

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: list[str]) -> list[str]:
        parse_ranges(value)
        return value


class Rules(BaseModel):
    """Everything that decides whether a booking is allowed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    opening_hours: dict[str, list[str]] = Field(
        description='Per weekday ("mon".."sun"), ranges like "07:00-22:00"; missing: closed.'
    )
    closed_on_public_holidays: bool = True
    exceptions: list[DateException] = Field(default_factory=list)
    slot_minutes: int = Field(default=30, ge=5, le=240, description="Start-time grid.")
    min_minutes: int = Field(default=60, ge=5)
    max_minutes: int = Field(default=120, ge=5)
    buffer_minutes: int = Field(default=0, ge=0, le=240)
    max_days_ahead: int = Field(default=30, ge=0, le=400)
    max_active_per_resident: int = Field(default=2, ge=1, le=50)
    cancel_hours_before: int = Field(default=24, ge=0, le=24 * 30)
    capacity: int = Field(default=1, ge=1)
    price_cents_per_hour: int = Field(default=0, ge=0)

    @field_validator("opening_hours")
    @classmethod
    def _valid_week(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekdays {sorted(unknown)}; use {WEEKDAYS}")
        for ranges in value.values():
            parse_ranges(ranges)
        return value

    @model_validator(mode="after")
    def _lengths_fit(self) -> Rules:
        if self.min_minutes > self.max_minutes:
            raise ValueError("min_minutes is longer than max_minutes")
        if self.min_minutes % self.slot_minutes or self.max_minutes % self.slot_minutes:
            raise ValueError("booking lengths must be whole multiples of slot_minutes")
        return self

    def hours_on(self, day: dt.date) -> tuple[list[Interval], str | None]:
        """Opening intervals on `day`, and why they differ from the week ("holiday", ...)."""
        for exception in self.exceptions:
            if exception.date == day:
                return parse_ranges(exception.hours), "exception"
        if self.closed_on_public_holidays and is_public_holiday(day):
            return [], "holiday"
        return parse_ranges(self.opening_hours.get(WEEKDAYS[day.weekday()], [])), None

    def exception_reason(self, day: dt.date, lang: str) -> str | None:
        for exception in self.exceptions:
            if exception.date == day:
                return exception.reason.get(lang) or exception.reason.get("fi")
        return None

    def price_cents(self, minutes: int) -> int:
        return round(self.price_cents_per_hour * minutes / 60)


@lru_cache(maxsize=16)
def _finnish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FI", years=year)


def is_public_holiday(day: dt.date) -> bool:
    """Whether `day` is a Finnish public holiday (including Midsummer and Christmas Eves)."""
    return day in _finnish_holidays(day.year)


def holiday_name(day: dt.date, lang: str) -> str | None:
    """The holiday's name in Finnish, Swedish or English, if `day` is one."""
    if not is_public_holiday(day):
        return None
    language = {"fi": "fi", "sv": "sv_FI", "en": "en_US"}.get(lang, "fi")
    named = holidays.country_holidays("FI", years=day.year, language=language)
    return str(named.get(day) or _finnish_holidays(day.year).get(day))
