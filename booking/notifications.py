"""The text messages a booking sends: confirmation, reminder, cancellation (fi/sv/en).

Short and plain, in the GSM-7 alphabet where the language allows (ä, ö and å are in it),
so one message is one or two SMS segments.
"""

from __future__ import annotations

from booking.messages import when_text
from booking.models import Reservation, Resource

_CONFIRMATION = {
    "fi": "Apuri: Varaus vahvistettu. {place}, {when}. Varaustunnus {code}. "
    "Voit perua tai siirtää varauksen Apurissa {hours} h ennen alkua.",
    "sv": "Apuri: Bokningen är bekräftad. {place}, {when}. Bokningskod {code}. "
    "Du kan avboka eller flytta den i Apuri {hours} h före start.",
    "en": "Apuri: Booking confirmed. {place}, {when}. Booking code {code}. "
    "You can cancel or move it in Apuri until {hours} h before it starts.",
}
_REMINDER = {
    "fi": "Apuri muistuttaa: varauksesi {place}, {when}. Varaustunnus {code}.",
    "sv": "Apuri påminner: din bokning {place}, {when}. Bokningskod {code}.",
    "en": "Apuri reminder: your booking {place}, {when}. Booking code {code}.",
}
_CANCELLATION = {
    "fi": "Apuri: Varaus peruttu. {place}, {when}. Varaustunnus {code}.",
    "sv": "Apuri: Bokningen är avbokad. {place}, {when}. Bokningskod {code}.",
    "en": "Apuri: Booking cancelled. {place}, {when}. Booking code {code}.",
}


def place_name(resource: Resource, lang: str) -> str:
    """ "Kallion kirjasto, kokoushuone" in the resident's language (Finnish as the fallback)."""
    name = resource.name.get(lang) or resource.name["fi"]
    unit = resource.unit_name.get(lang) or resource.unit_name.get("fi") or ""
    return f"{unit}, {name}" if unit and unit not in name else name


def booking_code(reservation: Reservation) -> str:
    """The short code a resident reads out or types: the reservation id's first 6 characters."""
    return reservation.id[:6].upper()


def _fill(templates: dict[str, str], reservation: Reservation, resource: Resource) -> str:
    lang = reservation.lang if reservation.lang in templates else "fi"
    hours = int(resource.rules.get("cancel_hours_before", 24))
    return templates[lang].format(
        place=place_name(resource, lang),
        when=when_text(reservation.starts_at, reservation.ends_at, lang),
        code=booking_code(reservation),
        hours=hours,
    )


def confirmation_sms(reservation: Reservation, resource: Resource) -> str:
    return _fill(_CONFIRMATION, reservation, resource)


def reminder_sms(reservation: Reservation, resource: Resource) -> str:
    return _fill(_REMINDER, reservation, resource)


def cancellation_sms(reservation: Reservation, resource: Resource) -> str:
    return _fill(_CANCELLATION, reservation, resource)
