"""A reservation as an iCalendar file, for the resident's own calendar."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from booking.models import Reservation, Resource
from booking.notifications import booking_code, place_name

_DESCRIPTION = {
    "fi": "Varaustunnus {code}. Peru tai siirrä Apurissa.",
    "sv": "Bokningskod {code}. Avboka eller flytta i Apuri.",
    "en": "Booking code {code}. Cancel or move it in Apuri.",
}


def reservation_ics(reservation: Reservation, resource: Resource, now: dt.datetime) -> bytes:
    """An RFC 5545 calendar with one event (cancelled bookings say STATUS:CANCELLED)."""
    lang = reservation.lang if reservation.lang in _DESCRIPTION else "fi"
    calendar = Calendar()
    calendar.add("prodid", "-//City of Helsinki//Apuri//FI")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{reservation.id}@apuri")
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", reservation.starts_at.astimezone(dt.UTC))
    event.add("dtend", reservation.ends_at.astimezone(dt.UTC))
    event.add("summary", place_name(resource, lang))
    address = (resource.address or {}).get(lang) or (resource.address or {}).get("fi")
    if address:
        event.add("location", address)
    event.add("description", _DESCRIPTION[lang].format(code=booking_code(reservation)))
    event.add("status", "CANCELLED" if reservation.status == "cancelled" else "CONFIRMED")
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
