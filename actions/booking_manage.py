"""My bookings, cancel a booking, move a booking: for the number proved in the
conversation (`actions.booking_form.ValidateContactForm` proves it first).

The booking engine decides; its refusals and alternatives are said as they come.
"""

from __future__ import annotations

import datetime as dt

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking import refusal_reply
from actions.booking_slots import PHONE, entity, lang_of, now, without_phone
from actions.booking_texts import text
from actions.deps import WithDependencies
from actions.identity import CODE
from assistant.replies import Button, Reply, payload, send
from booking.engine import BookingRefused
from booking.messages import when_text
from booking.models import Reservation, Resource
from booking.notifications import booking_code, place_name
from booking.when import parse_when
from store.models import HELSINKI
from texts import Language

TASK_INTENTS = ("my_bookings", "cancel_booking", "change_booking")
MAX_LISTED = 5

Bookings = list[tuple[Reservation, Resource]]


def _task(tracker: Tracker) -> tuple[str | None, str]:
    """The booking task the resident asked for last, and the words they asked it in."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent in TASK_INTENTS:
                return intent, str(event.get("text") or "")
    return None, ""


def _listing(bookings: Bookings, lang: Language) -> list[str]:
    return [
        f"{booking_code(r)}: {place_name(res, lang)}, {when_text(r.starts_at, r.ends_at, lang)}"
        for r, res in bookings[:MAX_LISTED]
    ]


def _cancel_buttons(bookings: Bookings, lang: Language) -> list[Button]:
    return [
        Button(
            title=text("button_cancel", lang, code=booking_code(r)),
            payload=payload("cancel_booking", booking_id=r.id),
        )
        for r, _ in bookings[:MAX_LISTED]
    ]


class ActionBookingManage(WithDependencies, Action):
    """My bookings, cancel a booking, move a booking: for the resident's phone number."""

    def name(self) -> str:
        return "action_booking_manage"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = lang_of(tracker)
        session = await self.deps.identities.of_conversation(tracker.sender_id)
        if session is None:
            # The proof has expired since the form: prove the number again.
            send(dispatcher, Reply(text=text("verify_needed", lang)))
            return [SlotSet(CODE, None), SlotSet(PHONE, None), FollowupAction("contact_form")]
        phone = session.phone
        task, words = _task(tracker)
        bookings = await self.deps.booking.reservations_of(phone)
        chosen_id = entity(tracker, "booking_id")
        if not bookings:
            send(dispatcher, Reply(text=text("no_bookings", lang)))
            return []
        if task == "cancel_booking":
            send(dispatcher, await self._cancel(bookings, chosen_id, phone, lang))
        elif task == "change_booking":
            send(dispatcher, await self._change(bookings, chosen_id, phone, words, lang))
        else:
            lines = [text("your_bookings", lang), *_listing(bookings, lang)]
            send(dispatcher, Reply(text="\n".join(lines), buttons=_cancel_buttons(bookings, lang)))
        return []

    async def _cancel(
        self, bookings: Bookings, chosen_id: str | None, phone: str, lang: Language
    ) -> Reply:
        if chosen_id is None:
            if len(bookings) == 1:
                reservation, resource = bookings[0]
                question = text(
                    "cancel_this",
                    lang,
                    place=place_name(resource, lang),
                    when=when_text(reservation.starts_at, reservation.ends_at, lang),
                )
                keep = Button(title=text("button_keep", lang), payload=payload("deny"))
                return Reply(text=question, buttons=[*_cancel_buttons(bookings, lang), keep])
            lines = [text("cancel_which", lang), *_listing(bookings, lang)]
            return Reply(text="\n".join(lines), buttons=_cancel_buttons(bookings, lang))
        try:
            cancelled = await self.deps.booking.cancel(chosen_id, phone=phone, reason="resident")
        except BookingRefused as refusal:
            return Reply(text=refusal.text(lang))
        resource = next(res for r, res in bookings if r.id == cancelled.id)
        when = when_text(cancelled.starts_at, cancelled.ends_at, lang)
        return Reply(text=text("cancelled", lang, place=place_name(resource, lang), when=when))

    async def _change(
        self, bookings: Bookings, chosen_id: str | None, phone: str, words: str, lang: Language
    ) -> Reply:
        target = next((pair for pair in bookings if pair[0].id == chosen_id), None)
        if target is None:
            target = bookings[0] if len(bookings) == 1 else None
        if target is None:
            return Reply(text="\n".join([text("cancel_which", lang), *_listing(bookings, lang)]))
        reservation, resource = target
        asked = parse_when(without_phone(words), lang, now())
        current = reservation.starts_at.astimezone(HELSINKI)
        if asked.date is None and asked.time is None:
            return Reply(text=text("change_how", lang))
        start = dt.datetime.combine(
            asked.date or current.date(), asked.time or current.time(), HELSINKI
        )
        try:
            moved = await self.deps.booking.change(
                reservation.id, start, asked.duration_minutes, phone=phone
            )
        except BookingRefused as refusal:
            # The alternatives are said, not offered as buttons: a button would book anew.
            return refusal_reply(refusal, lang, buttons=False)
        when = when_text(moved.starts_at, moved.ends_at, lang)
        return Reply(text=text("changed", lang, place=place_name(resource, lang), when=when))
