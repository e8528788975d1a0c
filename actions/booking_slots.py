"""What the booking dialogue reads from messages and keeps in slots.

Slots hold plain values (a resource id, an ISO date, "18:00", minutes, an E.164 number);
these functions turn a resident's words, a pressed button or the slots into them, and
build the buttons that name them back.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from rasa_sdk import Tracker

from actions.identity import awaiting_code, looks_like_code
from assistant.replies import payload
from booking.engine import Alternative, BookingEngine
from booking.matching import match_resources
from booking.when import parse_when
from privacy.phones import InvalidPhone, normalise_phone
from store.models import HELSINKI
from texts import LANGUAGES, Language

RESOURCE, DATE, TIME, MINUTES, PHONE = (
    "booking_resource",
    "booking_date",
    "booking_time",
    "booking_minutes",
    "booking_phone",
)
CANDIDATES = "booking_candidates"
# Set at the read-back: the booking's idempotency key, so a confirmation that is retried
# (the action server died mid-booking) returns the booking already made.
ATTEMPT = "booking_attempt"
FORM_SLOTS = (RESOURCE, DATE, TIME, MINUTES, PHONE)
_PHONE_LIKE = re.compile(r"\+?\d[\d\s()-]{5,}\d")


def lang_of(tracker: Tracker) -> Language:
    value = tracker.get_slot("language")
    return cast(Language, value) if value in LANGUAGES else "fi"


def message_text(tracker: Tracker) -> str:
    """What the resident wrote; empty when the message was a button's payload."""
    text_ = str((tracker.latest_message or {}).get("text") or "")
    return "" if text_.startswith("/") else text_


def entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


def now() -> dt.datetime:
    return dt.datetime.now(HELSINKI)


def looks_like_phone(text_: str) -> bool:
    return bool(_PHONE_LIKE.search(text_))


def phone_in(text_: str) -> str | None:
    """The first phone-number-like part of `text_`, normalised, or None."""
    match = _PHONE_LIKE.search(text_)
    if match is None:
        return None
    try:
        return normalise_phone(match.group(0))
    except InvalidPhone:
        return None


def without_phone(text_: str) -> str:
    """`text_` with its phone number taken out, so that no digit of it is read as a time."""
    match = _PHONE_LIKE.search(text_)
    if match is None or phone_in(match.group(0)) is None:
        return text_
    return f"{text_[: match.start()]} {text_[match.end() :]}"


def start_of(tracker: Tracker) -> dt.datetime | None:
    """The start the slots name, in Helsinki time."""
    day, time_ = tracker.get_slot(DATE), tracker.get_slot(TIME)
    if not day or not time_:
        return None
    return dt.datetime.combine(
        dt.date.fromisoformat(str(day)), dt.time.fromisoformat(str(time_)), HELSINKI
    )


def alternative_payload(alternative: Alternative) -> str:
    """The payload of an alternative's button: "resource|start|minutes"."""
    value = f"{alternative.resource.id}|{alternative.start.isoformat()}|{alternative.minutes}"
    return payload("inform", booking_alt=value)


def when_slots(message: str, lang: Language) -> dict[str, Any]:
    """Day, start time and length named in `message`, as slot values."""
    found = parse_when(message, lang, now())
    slots: dict[str, Any] = {}
    if found.date is not None:
        slots[DATE] = found.date.isoformat()
    if found.time is not None:
        slots[TIME] = f"{found.time:%H:%M}"
    if found.duration_minutes:
        slots[MINUTES] = float(found.duration_minutes)
    return slots


async def resource_slots(engine: BookingEngine, tracker: Tracker, message: str) -> dict[str, Any]:
    """The space named by a button (entity) or in words; several: candidates to choose from."""
    chosen = entity(tracker, RESOURCE)
    if chosen:
        return {RESOURCE: chosen, CANDIDATES: None}
    resources = await engine.resources(entity(tracker, "booking_kind"))
    if entity(tracker, "booking_kind"):
        return {CANDIDATES: [r.id for r in resources]}
    matches = match_resources(message, resources) if message else []
    units = {(m.resource.unit_id, m.resource.kind) for m in matches}
    if len(units) == 1:
        # Equal spaces of one unit (two halls of one sports centre): take the first; if it
        # is taken, the engine offers the other at the same time.
        return {RESOURCE: matches[0].resource.id, CANDIDATES: None}
    if matches:
        return {CANDIDATES: [m.resource.id for m in matches]}
    return {}


def alternative_slots(tracker: Tracker) -> dict[str, Any]:
    """Slots from an alternative's button: "resource|start|minutes"."""
    value = entity(tracker, "booking_alt")
    if not value or value.count("|") != 2:
        return {}
    resource_id, start_text, minutes = value.split("|")
    try:
        start = dt.datetime.fromisoformat(start_text).astimezone(HELSINKI)
        length = float(minutes)
    except ValueError:
        return {}
    return {
        RESOURCE: resource_id,
        DATE: start.date().isoformat(),
        TIME: f"{start:%H:%M}",
        MINUTES: length,
        CANDIDATES: None,
    }


def is_code_answer(tracker: Tracker) -> bool:
    """The message answers the code question: nothing else is read from it."""
    return awaiting_code(tracker) or looks_like_code(message_text(tracker))
