"""What the booking API reads and answers: the request's model, and each answer's model
beside the function that builds that answer (all times in Helsinki time, with the offset).

`assistant.booking_api` serves them; its operations name these models in the gateway's
OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from booking.engine import Alternative
from booking.models import Reservation, Resource
from booking.notifications import booking_code, place_name
from store.models import HELSINKI
from texts import Language

# A space's id as the seed data writes them; anything else is no space (404), unread.
RESOURCE_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
# Days the API reads: wider than any booking rule allows, and narrow enough that time zones,
# buffers and a day's end never leave the calendar Python can compute with.
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2100, 12, 31)
DAY_RANGE = f"between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"


class ReservationRequest(BaseModel):
    """A booking asked through the API."""

    model_config = ConfigDict(extra="forbid")

    resource_id: str = Field(pattern=RESOURCE_ID)
    start: dt.datetime = Field(
        description=f"Start time with its UTC offset (ISO 8601), on a day {DAY_RANGE}.",
    )
    minutes: int = Field(ge=5, le=24 * 60)
    phone: str | None = Field(
        default=None,
        max_length=32,
        description="Mobile number for the confirmation SMS: the number the resident session "
        "proved (the default); any other is refused.",
    )
    lang: Language = "fi"

    @field_validator("start")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("give the time zone offset, for example 2026-12-01T18:00:00+02:00")
        if not EARLIEST_DAY <= value.date() <= LATEST_DAY:
            raise ValueError(f"the day must be {DAY_RANGE}")
        return value


class ResourceRules(BaseModel):
    """A space's booking rules (`booking.rules.Rules`), as the API lists them."""

    model_config = ConfigDict(extra="forbid")

    opening_hours: dict[str, list[str]] | None
    slot_minutes: int | None
    min_minutes: int | None
    max_minutes: int | None
    buffer_minutes: int | None
    max_days_ahead: int | None
    max_active_per_resident: int | None
    cancel_hours_before: int | None
    capacity: int | None
    price_cents_per_hour: int | None


class ResourceView(BaseModel):
    """A bookable space (`resource_json`); names and addresses in fi, sv and en."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: str
    unit_id: int | None
    name: dict[str, str]
    unit_name: dict[str, str]
    address: dict[str, str] | None
    area: str
    accessibility: dict[str, str] | None
    rules: ResourceRules


class ResourceList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resources: list[ResourceView]


class TimeRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: dt.datetime
    end: dt.datetime


class FreeStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: dt.datetime
    max_minutes: int = Field(description="The longest booking that can start here.")


class DayAvailability(BaseModel):
    """One space's day: opening hours, free start times and taken ranges, Helsinki time."""

    model_config = ConfigDict(extra="forbid")

    resource_id: str
    date: dt.date
    open: list[TimeRange]
    closed_reason: str | None
    slots: list[FreeStart]
    taken: list[TimeRange]


class ReservationView(BaseModel):
    """A reservation (`reservation_json`), its times in Helsinki time."""

    model_config = ConfigDict(extra="forbid")

    id: str
    code: str = Field(description="The short booking code the resident is told.")
    resource_id: str
    place: str
    start: dt.datetime
    end: dt.datetime
    status: str
    price_cents: int
    lang: Language
    token: str | SkipJsonSchema[None] = Field(
        default=None, description="Made when booked, returned once: keep it to cancel."
    )
    ics_url: str | SkipJsonSchema[None] = Field(
        default=None, description="The calendar file (given when booked)."
    )


def local(moment: dt.datetime) -> str:
    return moment.astimezone(HELSINKI).isoformat()


def resource_json(resource: Resource) -> dict[str, Any]:
    rules = resource.rules
    return {
        "id": resource.id,
        "kind": resource.kind,
        "unit_id": resource.unit_id,
        "name": resource.name,
        "unit_name": resource.unit_name,
        "address": resource.address,
        "area": resource.area,
        "accessibility": resource.accessibility,
        "rules": {
            key: rules.get(key)
            for key in (
                "opening_hours",
                "slot_minutes",
                "min_minutes",
                "max_minutes",
                "buffer_minutes",
                "max_days_ahead",
                "max_active_per_resident",
                "cancel_hours_before",
                "capacity",
                "price_cents_per_hour",
            )
        },
    }


def reservation_json(reservation: Reservation, resource: Resource) -> dict[str, Any]:
    return {
        "id": reservation.id,
        "code": booking_code(reservation),
        "resource_id": resource.id,
        "place": place_name(resource, reservation.lang),
        "start": local(reservation.starts_at),
        "end": local(reservation.ends_at),
        "status": reservation.status,
        "price_cents": reservation.price_cents,
        "lang": reservation.lang,
    }


def alternative_json(alternative: Alternative, lang: str) -> dict[str, Any]:
    return {
        "resource_id": alternative.resource.id,
        "place": place_name(alternative.resource, lang),
        "start": local(alternative.start),
        "minutes": alternative.minutes,
    }
