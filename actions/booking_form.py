"""The booking and contact forms: a form that fills space, day, time, length and phone
number from natural fi/sv/en messages, in any order, and the questions it asks; the
contact form proves whose bookings "my bookings", "cancel" and "move" are about.

Both prove their phone number with a code (`actions.identity`) before they complete.
"""

from __future__ import annotations

import datetime as dt
from abc import abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking_slots import (
    CANDIDATES,
    DATE,
    FORM_SLOTS,
    MINUTES,
    PHONE,
    RESOURCE,
    TIME,
    alternative_slots,
    entity,
    is_code_answer,
    lang_of,
    looks_like_phone,
    message_text,
    now,
    phone_in,
    resource_slots,
    when_slots,
    without_phone,
)
from actions.booking_texts import KIND_BUTTONS, length_label, text
from actions.deps import WithDependencies
from actions.identity import CODE, VERIFIED, extract_code, looks_like_code, proved
from assistant.replies import Button, Reply, payload, send
from booking.engine import BookingRefused
from booking.notifications import place_name


class _ProvingForm(WithDependencies, FormValidationAction):
    """A form whose phone number is proved with a code before it completes.

    Abstract, so that only the forms built on it are served.
    """

    @abstractmethod
    def name(self) -> str: ...

    def more_events(self, tracker: Tracker, events: list[EventType]) -> list[EventType]:
        """Events this form adds to rasa-sdk's validation events."""
        return []

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = list(await super().get_validation_events(dispatcher, tracker, domain))
        events.extend(self.more_events(tracker, events))
        return [*events, *await self._code_events(tracker, events)]

    async def _code_events(self, tracker: Tracker, events: list[EventType]) -> list[EventType]:
        """The code slot's event for this turn.

        A code accepted now is reported (once proved, the form no longer requires the slot
        and rasa-sdk would drop it, and Rasa would take the turn as the form's rejection);
        a "verified" left from another number does not prove this one.
        """
        if any(e.get("name") == CODE for e in events):
            return []
        if tracker.slots_to_validate().get(CODE) == VERIFIED:
            return [SlotSet(CODE, VERIFIED)]
        if tracker.get_slot(CODE) == VERIFIED and not await proved(
            self.deps.identities, tracker, tracker.get_slot(PHONE)
        ):
            tracker.slots[CODE] = None
            return [SlotSet(CODE, None)]
        return []

    async def extract_verification_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = message_text(tracker)
        return await extract_code(
            self.deps.identities, dispatcher, tracker, message, other_number=bool(phone_in(message))
        )


class ValidateBookingForm(_ProvingForm):
    """Fills the booking form from whatever the resident says, in any order."""

    def name(self) -> str:
        return "validate_booking_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # The confirmation goes only to a number proved in this conversation.
        if await proved(self.deps.identities, tracker, tracker.get_slot(PHONE)):
            return list(FORM_SLOTS)
        return [*FORM_SLOTS, CODE]

    def more_events(self, tracker: Tracker, events: list[EventType]) -> list[EventType]:
        # rasa-sdk keeps only the form's own slots; the places to choose from ride along.
        extracted = tracker.slots_to_validate()
        if CANDIDATES in extracted and not any(e.get("name") == CANDIDATES for e in events):
            return [SlotSet(CANDIDATES, extracted[CANDIDATES])]
        return []

    async def extract_booking_resource(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if is_code_answer(tracker):
            return {}
        alt = alternative_slots(tracker)
        if alt:
            return alt
        if tracker.get_slot(RESOURCE) and not entity(tracker, RESOURCE):
            return {}
        return await resource_slots(self.deps.booking, tracker, message_text(tracker))

    async def extract_booking_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {k: v for k, v in self._when(tracker).items() if k == DATE}

    async def extract_booking_time(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {k: v for k, v in self._when(tracker).items() if k == TIME}

    async def extract_booking_minutes(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if is_code_answer(tracker):
            return {}
        chosen = entity(tracker, MINUTES)
        if chosen and chosen.isdigit():
            return {MINUTES: float(chosen)}
        return {k: v for k, v in self._when(tracker).items() if k == MINUTES}

    async def extract_booking_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = message_text(tracker)
        if looks_like_code(message):
            return {}
        phone = phone_in(message)
        if phone:
            # A new number (also while a code is awaited) is proved afresh.
            return {PHONE: phone, CODE: None}
        if tracker.get_slot("requested_slot") == PHONE and looks_like_phone(message):
            send(dispatcher, Reply(text=text("bad_phone", lang_of(tracker))))
        return {}

    @staticmethod
    def _when(tracker: Tracker) -> dict[str, Any]:
        if is_code_answer(tracker):
            return {}
        message = without_phone(message_text(tracker))
        if not message.strip():
            return {}
        return when_slots(message, lang_of(tracker))

    async def validate_booking_date(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        if dt.date.fromisoformat(str(value)) < now().date():
            send(dispatcher, Reply(text=text("past_date", lang_of(tracker))))
            return {DATE: None}
        return {DATE: value}

    async def validate_booking_minutes(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        resource_id = tracker.get_slot(RESOURCE)
        if not resource_id:
            return {MINUTES: value}
        try:
            resource = await self.deps.booking.resource(str(resource_id))
        except BookingRefused:
            return {MINUTES: value}
        rules = resource.rules
        minutes = int(float(value))
        if not rules["min_minutes"] <= minutes <= rules["max_minutes"]:
            lang = lang_of(tracker)
            how_long = text("how_long", lang, min=rules["min_minutes"], max=rules["max_minutes"])
            send(dispatcher, Reply(text=how_long))
            return {MINUTES: None}
        return {MINUTES: float(minutes)}


class ValidateContactForm(_ProvingForm):
    """Proves whose bookings these are (for my bookings, cancel, move).

    On SMS and the phone the gateway has proved the sender's number: nothing is asked.
    On the web the resident gives the number and types back the code sent to it.
    """

    def name(self) -> str:
        return "validate_contact_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if await self.deps.identities.of_conversation(tracker.sender_id) is not None:
            return []
        return [PHONE, CODE]

    async def extract_booking_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = message_text(tracker)
        phone = None if looks_like_code(message) else phone_in(message)
        return {PHONE: phone, CODE: None} if phone else {}


class ActionAskBookingResource(WithDependencies, Action):
    """Asks which space: the candidates as buttons, or the kinds of space."""

    def name(self) -> str:
        return "action_ask_booking_resource"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = lang_of(tracker)
        candidates = tracker.get_slot(CANDIDATES) or []
        if candidates:
            resources = {r.id: r for r in await self.deps.booking.resources()}
            buttons = [
                Button(
                    title=place_name(resources[rid], lang),
                    payload=payload("inform", booking_resource=rid),
                )
                for rid in candidates
                if rid in resources
            ]
            send(dispatcher, Reply(text=text("which_of", lang), buttons=buttons))
            return []
        kinds = [
            Button(title=titles[lang], payload=payload("inform", booking_kind=kind))
            for kind, titles in KIND_BUTTONS.items()
        ]
        send(dispatcher, Reply(text=text("which_space", lang), buttons=kinds))
        return []


class ActionAskBookingMinutes(WithDependencies, Action):
    """Asks how long, with the space's allowed lengths as buttons."""

    def name(self) -> str:
        return "action_ask_booking_minutes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = lang_of(tracker)
        resource = await self.deps.booking.resource(str(tracker.get_slot(RESOURCE)))
        rules = resource.rules
        step = int(rules["slot_minutes"])
        lengths = list(range(int(rules["min_minutes"]), int(rules["max_minutes"]) + 1, step))
        if len(lengths) > 4:
            lengths = [lengths[0], *lengths[1:-1:2], lengths[-1]][:4]
        buttons = [
            Button(title=length_label(n, lang), payload=payload("inform", booking_minutes=str(n)))
            for n in lengths
        ]
        how_long = text("how_long", lang, min=rules["min_minutes"], max=rules["max_minutes"])
        send(dispatcher, Reply(text=how_long, buttons=buttons))
        return []


class _AskText(Action):
    """Asks for one slot with a fixed text in the conversation's language."""

    slot = ""
    key = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        send(dispatcher, Reply(text=text(self.key, lang_of(tracker))))
        return []


class ActionAskBookingDate(_AskText):
    slot, key = DATE, "ask_date"


class ActionAskBookingTime(_AskText):
    slot, key = TIME, "ask_time"


class ActionAskBookingPhone(_AskText):
    slot, key = PHONE, "ask_phone"
