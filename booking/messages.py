"""What the booking engine says to residents, in Finnish, Swedish and English.

Refusal reasons are codes (`Reason`); their texts are here, so the API, the chat, SMS and
voice all explain a refusal the same way. Texts are plain (they are also sent as SMS and
read aloud): no markdown, hyphens instead of dashes.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from store.models import HELSINKI


class Reason(StrEnum):
    """Why a booking, change or cancellation was refused."""

    PAST = "past"
    TOO_FAR_AHEAD = "too_far_ahead"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    OFF_GRID = "off_grid"
    BAD_LENGTH = "bad_length"
    CLOSED = "closed"
    OVER_LIMIT = "over_limit"
    TAKEN = "taken"
    UNKNOWN_RESOURCE = "unknown_resource"
    NOT_FOUND = "not_found"
    ALREADY_CANCELLED = "already_cancelled"
    TOO_LATE_TO_CANCEL = "too_late_to_cancel"
    FORBIDDEN = "forbidden"
    IDEMPOTENCY_MISMATCH = "idempotency_mismatch"
    RATE_LIMITED = "rate_limited"


REASONS: dict[Reason, dict[str, str]] = {
    Reason.PAST: {
        "fi": "Aika on jo mennyt.",
        "sv": "Tiden har redan passerat.",
        "en": "That time has already passed.",
    },
    Reason.TOO_FAR_AHEAD: {
        "fi": "Tilan voi varata enintään {days} päivää etukäteen.",
        "sv": "Lokalen kan bokas högst {days} dagar i förväg.",
        "en": "This space can be booked at most {days} days ahead.",
    },
    Reason.TOO_SHORT: {
        "fi": "Lyhin varaus on {minutes} minuuttia.",
        "sv": "Den kortaste bokningen är {minutes} minuter.",
        "en": "The shortest booking is {minutes} minutes.",
    },
    Reason.TOO_LONG: {
        "fi": "Pisin varaus on {minutes} minuuttia.",
        "sv": "Den längsta bokningen är {minutes} minuter.",
        "en": "The longest booking is {minutes} minutes.",
    },
    Reason.OFF_GRID: {
        "fi": "Varaus voi alkaa vain {minutes} minuutin välein, esimerkiksi tasalta tai puolelta.",
        "sv": "En bokning kan bara börja var {minutes}:e minut, till exempel jämnt eller halv.",
        "en": "Bookings start every {minutes} minutes, for example on the hour or half past.",
    },
    Reason.BAD_LENGTH: {
        "fi": "Varauksen pituus voi olla vain {minutes} minuutin jaksoja, esimerkiksi 60 "
        "tai 90 minuuttia.",
        "sv": "En bokning kan bara vara i steg om {minutes} minuter, till exempel 60 eller "
        "90 minuter.",
        "en": "A booking lasts in steps of {minutes} minutes, for example 60 or 90 minutes.",
    },
    Reason.CLOSED: {
        "fi": "Tila on silloin suljettu{why}. Aukioloaika sinä päivänä: {hours}.",
        "sv": "Lokalen är stängd då{why}. Öppettider den dagen: {hours}.",
        "en": "The space is closed then{why}. Opening hours that day: {hours}.",
    },
    Reason.OVER_LIMIT: {
        "fi": "Sinulla voi olla enintään {limit} voimassa olevaa varausta tähän tilaan.",
        "sv": "Du kan ha högst {limit} aktiva bokningar av den här lokalen.",
        "en": "You can hold at most {limit} active bookings of this space.",
    },
    Reason.TAKEN: {
        "fi": "Aika on jo varattu.",
        "sv": "Tiden är redan bokad.",
        "en": "That time is already booked.",
    },
    Reason.UNKNOWN_RESOURCE: {
        "fi": "Tilaa ei löytynyt.",
        "sv": "Lokalen hittades inte.",
        "en": "The space was not found.",
    },
    Reason.NOT_FOUND: {
        "fi": "Varausta ei löytynyt.",
        "sv": "Bokningen hittades inte.",
        "en": "The booking was not found.",
    },
    Reason.ALREADY_CANCELLED: {
        "fi": "Varaus on jo peruttu.",
        "sv": "Bokningen är redan avbokad.",
        "en": "The booking has already been cancelled.",
    },
    Reason.TOO_LATE_TO_CANCEL: {
        "fi": "Varauksen voi perua tai siirtää viimeistään {hours} tuntia ennen alkua.",
        "sv": "Bokningen kan avbokas eller flyttas senast {hours} timmar före start.",
        "en": "The booking can be cancelled or moved at the latest {hours} hours before it starts.",
    },
    Reason.FORBIDDEN: {
        "fi": "Tätä varausta ei voi muuttaa näillä tiedoilla.",
        "sv": "Den här bokningen kan inte ändras med de här uppgifterna.",
        "en": "This booking cannot be changed with these details.",
    },
    Reason.IDEMPOTENCY_MISMATCH: {
        "fi": "Sama pyyntötunniste on jo käytetty toiseen varaukseen.",
        "sv": "Samma begäran-id har redan använts för en annan bokning.",
        "en": "The same request key was already used for a different booking.",
    },
    Reason.RATE_LIMITED: {
        "fi": "Varauksia on tehty juuri liian monta. Yritä myöhemmin uudelleen.",
        "sv": "Det har nyss gjorts för många bokningar. Försök igen senare.",
        "en": "Too many bookings were just made. Please try again later.",
    },
}

_CLOSED_WHY = {"fi": " ({name})", "sv": " ({name})", "en": " ({name})"}
_NO_HOURS = {"fi": "suljettu koko päivän", "sv": "stängt hela dagen", "en": "closed all day"}

WEEKDAY_NAMES = {
    "fi": ("maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai", "sunnuntai"),
    "sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def reason_text(reason: Reason, lang: str, **values: object) -> str:
    """The refusal's explanation in `lang` (Finnish for an unknown language)."""
    texts = REASONS[reason]
    template = texts.get(lang) or texts["fi"]
    if reason is Reason.CLOSED:
        name = values.pop("why", None)
        values["why"] = _CLOSED_WHY.get(lang, " ({name})").format(name=name) if name else ""
        values["hours"] = values.get("hours") or _NO_HOURS.get(lang, _NO_HOURS["fi"])
    try:
        return template.format(**values)
    except KeyError:
        return template


def when_text(start: dt.datetime, end: dt.datetime, lang: str) -> str:
    """A booking's time: "tiistai 1.12. klo 18.00-19.00", "Tuesday 1 Dec 18:00-19:00"."""
    start, end = start.astimezone(HELSINKI), end.astimezone(HELSINKI)
    day = WEEKDAY_NAMES.get(lang, WEEKDAY_NAMES["fi"])[start.weekday()]
    if lang == "en":
        return f"{day} {start.day} {start:%b} {start:%H:%M}-{end:%H:%M}"
    if lang == "sv":
        return f"{day} {start.day}.{start.month} kl. {start:%H.%M}-{end:%H.%M}"
    return f"{day} {start.day}.{start.month}. klo {start:%H.%M}-{end:%H.%M}"


def time_text(moment: dt.datetime, lang: str) -> str:
    """A start time alone: "klo 19.00", "kl. 19.00", "19:00"."""
    local = moment.astimezone(HELSINKI)
    if lang == "en":
        return f"{local:%H:%M}"
    prefix = "kl." if lang == "sv" else "klo"
    return f"{prefix} {local:%H.%M}"
