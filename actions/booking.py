"""The booking dialogue's read-back and booking: "Shall I book ...?", the booking the
resident confirmed, and "no, after all".

Everything is decided by the booking engine (`booking/`), the same one the REST API uses:
its refusals and alternatives are said as they come. These actions only turn messages
into its requests and its answers into replies. The form that fills the slots is in
`actions.booking_form`; my bookings, cancel and move in `actions.booking_manage`.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking_slots import (
    ATTEMPT,
    CANDIDATES,
    DATE,
    FORM_SLOTS,
    MINUTES,
    PHONE,
    RESOURCE,
    TIME,
    alternative_payload,
    alternative_slots,
    lang_of,
    message_text,
    resource_slots,
    start_of,
    when_slots,
)
from actions.booking_texts import euros, text
from actions.deps import WithDependencies, client_of
from actions.identity import CODE, proved
from assistant.replies import Button, Card, CardField, CardLink, Reply, payload, send
from booking.engine import BookingRefused, BookingRequest, rules_of
from booking.messages import when_text
from booking.models import Reservation, Resource
from booking.notifications import booking_code, place_name
from privacy.phones import masked
from store.models import HELSINKI
from texts import Language

log = logging.getLogger(__name__)


def refusal_reply(refusal: BookingRefused, lang: Language, *, buttons: bool = True) -> Reply:
    """The engine's reason, and the alternatives it offers (as buttons to press)."""
    lines = [refusal.text(lang)]
    offered = []
    if refusal.alternatives:
        lines.append(text("alternatives", lang))
        for alternative in refusal.alternatives:
            end = alternative.start + dt.timedelta(minutes=alternative.minutes)
            title = (
                f"{place_name(alternative.resource, lang)}, "
                f"{when_text(alternative.start, end, lang)}"
            )
            offered.append(Button(title=title, payload=alternative_payload(alternative)))
    else:
        lines.append(text("no_alternatives", lang))
    return Reply(text="\n".join(lines), buttons=offered if buttons else [])


def reset() -> list[EventType]:
    names = (RESOURCE, DATE, TIME, MINUTES, CANDIDATES, CODE, ATTEMPT)
    return [SlotSet(name, None) for name in names]


class ActionBookingSummary(WithDependencies, Action):
    """Reads the booking back for confirmation, or explains why that time cannot be booked."""

    def name(self) -> str:
        return "action_booking_summary"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = lang_of(tracker)
        engine = self.deps.booking
        updates = alternative_slots(tracker)
        message = message_text(tracker)
        if not updates and message:
            updates = when_slots(message, lang)
            named = await resource_slots(engine, tracker, message)
            updates.update({k: v for k, v in named.items() if v})
        events: list[EventType] = [SlotSet(k, v) for k, v in updates.items()]
        values = {name: updates.get(name, tracker.get_slot(name)) for name in FORM_SLOTS}
        if not all(values.values()):
            if updates and not tracker.active_loop_name:
                # A place or a time said outside a booking: that starts one.
                return [*events, FollowupAction("booking_form")]
            send(dispatcher, Reply(text=text("no_alternatives", lang)))
            return events
        try:
            resource = await engine.resource(str(values[RESOURCE]))
        except BookingRefused as refusal:
            send(dispatcher, Reply(text=refusal.text(lang)))
            return [*events, SlotSet(RESOURCE, None)]
        start = dt.datetime.combine(
            dt.date.fromisoformat(str(values[DATE])),
            dt.time.fromisoformat(str(values[TIME])),
            HELSINKI,
        )
        minutes = int(float(values[MINUTES]))
        try:
            await engine.check_bookable(resource, start, minutes, lang)
        except BookingRefused as refusal:
            send(dispatcher, refusal_reply(refusal, lang))
            return events
        end = start + dt.timedelta(minutes=minutes)
        cents = rules_of(resource).price_cents(minutes)
        price = text("price", lang, euros=euros(cents, lang)) if cents else text("free", lang)
        summary = text(
            "summary",
            lang,
            place=place_name(resource, lang),
            when=when_text(start, end, lang),
            price=price,
            phone=masked(str(values[PHONE])),
        )
        answers = [
            Button(title=text("yes", lang), payload=payload("affirm")),
            Button(title=text("no", lang), payload=payload("deny")),
        ]
        send(dispatcher, Reply(text=summary, buttons=answers))
        return [*events, SlotSet(ATTEMPT, secrets.token_hex(8))]


class ActionBook(WithDependencies, Action):
    """Makes the booking the resident confirmed."""

    def name(self) -> str:
        return "action_book"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = lang_of(tracker)
        start = start_of(tracker)
        if start is None or not tracker.get_slot(RESOURCE) or not tracker.get_slot(PHONE):
            send(dispatcher, Reply(text=text("no_alternatives", lang)))
            return []
        phone = str(tracker.get_slot(PHONE))
        if not await proved(self.deps.identities, tracker, phone):
            # No confirmation goes to a number nobody proved here (the proof may have expired).
            send(dispatcher, Reply(text=text("verify_needed", lang)))
            return [SlotSet(CODE, None), SlotSet(PHONE, None), FollowupAction("booking_form")]
        channel = str(((tracker.latest_message or {}).get("metadata") or {}).get("channel", "chat"))
        attempt = tracker.get_slot(ATTEMPT)
        try:
            booked = await self.deps.booking.book(
                BookingRequest(
                    resource_id=str(tracker.get_slot(RESOURCE)),
                    start=start,
                    minutes=int(float(tracker.get_slot(MINUTES) or 60)),
                    phone=phone,
                    lang=lang,
                    channel=channel[:16],
                    idempotency_key=f"chat-{attempt}" if attempt else None,
                    client=client_of(tracker.latest_message),
                )
            )
        except BookingRefused as refusal:
            send(dispatcher, refusal_reply(refusal, lang))
            return []
        reservation, resource = booked.reservation, booked.resource
        place = place_name(resource, lang)
        when = when_text(reservation.starts_at, reservation.ends_at, lang)
        code = booking_code(reservation)
        log.info("booking.made resource=%s reservation=%s", resource.id, reservation.id)
        send(
            dispatcher,
            Reply(
                text=text("booked", lang, place=place, when=when, code=code),
                card=booking_card(reservation, resource, lang, booked.token),
            ),
        )
        return reset()


def booking_card(
    reservation: Reservation, resource: Resource, lang: Language, token: str | None
) -> Card:
    """The booking just made: its time, code and address, a calendar link or the map."""
    address = (resource.address or {}).get(lang) or (resource.address or {}).get("fi")
    fields = [
        CardField(label={"fi": "Aika", "sv": "Tid", "en": "Time"}[lang],
                  value=when_text(reservation.starts_at, reservation.ends_at, lang)),
        CardField(label={"fi": "Varaustunnus", "sv": "Bokningskod", "en": "Booking code"}[lang],
                  value=booking_code(reservation)),
    ]  # fmt: skip
    if address:
        label = {"fi": "Osoite", "sv": "Adress", "en": "Address"}[lang]
        fields.append(CardField(label=label, value=address))
    links = []
    if token:
        title = {"fi": "Lisää kalenteriin", "sv": "Lägg till i kalendern", "en": "Add to calendar"}
        url = f"/api/reservations/{reservation.id}.ics?token={token}"
        links.append(CardLink(title=title[lang], url=url))
    if resource.unit_id and not address:
        links.append(
            CardLink(
                title={"fi": "Sijainti", "sv": "Läge", "en": "Location"}[lang],
                url=f"https://palvelukartta.hel.fi/{lang}/unit/{resource.unit_id}",
            )
        )
    return Card(
        kind="booking",
        id=reservation.id,
        lang=lang,
        title=place_name(resource, lang),
        fields=fields,
        links=links,
    )


class ActionBookingStop(Action):
    """The resident does not want to book after all."""

    def name(self) -> str:
        return "action_booking_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        send(dispatcher, Reply(text=text("stopped", lang_of(tracker))))
        return reset()
