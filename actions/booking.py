"""The booking dialogue: a form that fills space, day, time, length and phone number from
natural fi/sv/en messages, a read-back before anything is booked, and "my bookings",
"cancel my booking", "move it to 19".

Everything is decided by the booking engine (`booking/`), the same one the REST API uses;
these actions only turn messages into its requests and its answers into messages.
Slots hold plain values (a resource id, an ISO date, "18:00", minutes, an E.164 number).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from abc import abstractmethod
from typing import Any, cast

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking_texts import KIND_BUTTONS, euros, length_label, text
from actions.deps import client_of, dependencies
from actions.identity import CODE, VERIFIED, awaiting_code, extract_code, looks_like_code, proved
from booking.engine import Alternative, BookingEngine, BookingRefused, BookingRequest, rules_of
from booking.matching import match_resources
from booking.messages import Reason, when_text
from booking.models import Reservation, Resource
from booking.notifications import booking_code, place_name
from booking.when import parse_when
from privacy.phones import InvalidPhone, masked, normalise_phone
from store.models import HELSINKI
from texts import LANGUAGES, Language

log = logging.getLogger(__name__)

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
TASK_INTENTS = ("my_bookings", "cancel_booking", "change_booking")
_PHONE_LIKE = re.compile(r"\+?\d[\d\s()-]{5,}\d")
MAX_LISTED = 5


def booking() -> BookingEngine:
    """The action server's booking engine over the configured database."""
    return dependencies().booking


def lang_of(tracker: Tracker) -> Language:
    value = tracker.get_slot("language")
    return cast(Language, value) if value in LANGUAGES else "fi"


def _message_text(tracker: Tracker) -> str:
    text_ = str((tracker.latest_message or {}).get("text") or "")
    return "" if text_.startswith("/") else text_


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


def _now() -> dt.datetime:
    return dt.datetime.now(HELSINKI)


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


def _start(tracker: Tracker) -> dt.datetime | None:
    day, time_ = tracker.get_slot(DATE), tracker.get_slot(TIME)
    if not day or not time_:
        return None
    return dt.datetime.combine(
        dt.date.fromisoformat(str(day)), dt.time.fromisoformat(str(time_)), HELSINKI
    )


def _alt_payload(alternative: Alternative) -> str:
    value = f"{alternative.resource.id}|{alternative.start.isoformat()}|{alternative.minutes}"
    return f'/inform{{"booking_alt":"{value}"}}'


def alternatives_message(
    refusal: BookingRefused, lang: Language
) -> tuple[str, list[dict[str, str]]]:
    """The refusal's reason, and the alternatives as buttons."""
    lines = [refusal.text(lang)]
    buttons = []
    if refusal.alternatives:
        lines.append(text("alternatives", lang))
        for alternative in refusal.alternatives:
            end = alternative.start + dt.timedelta(minutes=alternative.minutes)
            title = (
                f"{place_name(alternative.resource, lang)}, "
                f"{when_text(alternative.start, end, lang)}"
            )
            buttons.append({"title": title, "payload": _alt_payload(alternative)})
    else:
        lines.append(text("no_alternatives", lang))
    return "\n".join(lines), buttons


def _when_slots(message: str, lang: Language) -> dict[str, Any]:
    """Day, start time and length named in `message`, as slot values."""
    found = parse_when(message, lang, _now())
    slots: dict[str, Any] = {}
    if found.date is not None:
        slots[DATE] = found.date.isoformat()
    if found.time is not None:
        slots[TIME] = f"{found.time:%H:%M}"
    if found.duration_minutes:
        slots[MINUTES] = float(found.duration_minutes)
    return slots


async def _resource_slots(tracker: Tracker, message: str) -> dict[str, Any]:
    """The space named by a button (entity) or in words; several: candidates to choose from."""
    chosen = _entity(tracker, RESOURCE)
    if chosen:
        return {RESOURCE: chosen, CANDIDATES: None}
    resources = await booking().resources(_entity(tracker, "booking_kind"))
    if _entity(tracker, "booking_kind"):
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


def _alt_slots(tracker: Tracker) -> dict[str, Any]:
    """Slots from an alternative's button: "resource|start|minutes"."""
    value = _entity(tracker, "booking_alt")
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


def _is_code_answer(tracker: Tracker) -> bool:
    """The message answers the code question: nothing else is read from it."""
    return awaiting_code(tracker) or looks_like_code(_message_text(tracker))


async def _code_events(tracker: Tracker, events: list[EventType]) -> list[EventType]:
    """The code slot's event for this turn.

    A code accepted now is reported (once proved, the form no longer requires the slot and
    rasa-sdk would drop it, and Rasa would take the turn as the form's rejection); a
    "verified" left from another number does not prove this one.
    """
    if any(e.get("name") == CODE for e in events):
        return []
    if tracker.slots_to_validate().get(CODE) == VERIFIED:
        return [SlotSet(CODE, VERIFIED)]
    if tracker.get_slot(CODE) == VERIFIED and not await proved(tracker, tracker.get_slot(PHONE)):
        tracker.slots[CODE] = None
        return [SlotSet(CODE, None)]
    return []


class _ProvingForm(FormValidationAction):
    """A form whose phone number is proved with a code before it completes.

    Abstract, so that rasa-sdk registers only the forms built on it.
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
        return [*events, *await _code_events(tracker, events)]

    async def extract_verification_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = _message_text(tracker)
        return await extract_code(
            dispatcher, tracker, message, other_number=bool(phone_in(message))
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
        if await proved(tracker, tracker.get_slot(PHONE)):
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
        if _is_code_answer(tracker):
            return {}
        alt = _alt_slots(tracker)
        if alt:
            return alt
        if tracker.get_slot(RESOURCE) and not _entity(tracker, RESOURCE):
            return {}
        return await _resource_slots(tracker, _message_text(tracker))

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
        if _is_code_answer(tracker):
            return {}
        chosen = _entity(tracker, MINUTES)
        if chosen and chosen.isdigit():
            return {MINUTES: float(chosen)}
        return {k: v for k, v in self._when(tracker).items() if k == MINUTES}

    async def extract_booking_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = _message_text(tracker)
        if looks_like_code(message):
            return {}
        phone = phone_in(message)
        if phone:
            # A new number (also while a code is awaited) is proved afresh.
            return {PHONE: phone, CODE: None}
        if tracker.get_slot("requested_slot") == PHONE and _PHONE_LIKE.search(message):
            dispatcher.utter_message(text=text("bad_phone", lang_of(tracker)))
        return {}

    @staticmethod
    def _when(tracker: Tracker) -> dict[str, Any]:
        if _is_code_answer(tracker):
            return {}
        message = without_phone(_message_text(tracker))
        if not message.strip():
            return {}
        return _when_slots(message, lang_of(tracker))

    async def validate_booking_date(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        if dt.date.fromisoformat(str(value)) < _now().date():
            dispatcher.utter_message(text=text("past_date", lang_of(tracker)))
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
            resource = await booking().resource(str(resource_id))
        except BookingRefused:
            return {MINUTES: value}
        rules = resource.rules
        minutes = int(float(value))
        if not rules["min_minutes"] <= minutes <= rules["max_minutes"]:
            lang = lang_of(tracker)
            dispatcher.utter_message(
                text=text("how_long", lang, min=rules["min_minutes"], max=rules["max_minutes"])
            )
            return {MINUTES: None}
        return {MINUTES: float(minutes)}


class ActionAskBookingResource(Action):
    """Asks which space: the candidates as buttons, or the kinds of space."""

    def name(self) -> str:
        return "action_ask_booking_resource"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = lang_of(tracker)
        candidates = tracker.get_slot(CANDIDATES) or []
        if candidates:
            resources = {r.id: r for r in await booking().resources()}
            buttons = [
                {
                    "title": place_name(resources[rid], lang),
                    "payload": f'/inform{{"booking_resource":"{rid}"}}',
                }
                for rid in candidates
                if rid in resources
            ]
            dispatcher.utter_message(text=text("which_of", lang), buttons=buttons)
            return []
        buttons = [
            {"title": titles[lang], "payload": f'/inform{{"booking_kind":"{kind}"}}'}
            for kind, titles in KIND_BUTTONS.items()
        ]
        dispatcher.utter_message(text=text("which_space", lang), buttons=buttons)
        return []


class ActionAskBookingMinutes(Action):
    """Asks how long, with the space's allowed lengths as buttons."""

    def name(self) -> str:
        return "action_ask_booking_minutes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = lang_of(tracker)
        resource = await booking().resource(str(tracker.get_slot(RESOURCE)))
        rules = resource.rules
        step = int(rules["slot_minutes"])
        lengths = list(range(int(rules["min_minutes"]), int(rules["max_minutes"]) + 1, step))
        if len(lengths) > 4:
            lengths = [lengths[0], *lengths[1:-1:2], lengths[-1]][:4]
        dispatcher.utter_message(
            text=text("how_long", lang, min=rules["min_minutes"], max=rules["max_minutes"]),
            buttons=[
                {
                    "title": length_label(n, lang),
                    "payload": f'/inform{{"booking_minutes":"{n}"}}',
                }
                for n in lengths
            ],
        )
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
        dispatcher.utter_message(text=text(self.key, lang_of(tracker)))
        return []


class ActionAskBookingDate(_AskText):
    slot, key = DATE, "ask_date"


class ActionAskBookingTime(_AskText):
    slot, key = TIME, "ask_time"


class ActionAskBookingPhone(_AskText):
    slot, key = PHONE, "ask_phone"


def _reset() -> list[EventType]:
    names = (RESOURCE, DATE, TIME, MINUTES, CANDIDATES, CODE, ATTEMPT)
    return [SlotSet(name, None) for name in names]


class ActionBookingSummary(Action):
    """Reads the booking back for confirmation, or explains why that time cannot be booked."""

    def name(self) -> str:
        return "action_booking_summary"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = lang_of(tracker)
        updates = _alt_slots(tracker)
        message = _message_text(tracker)
        if not updates and message:
            updates = _when_slots(message, lang)
            updates.update(
                {k: v for k, v in (await _resource_slots(tracker, message)).items() if v}
            )
        events: list[EventType] = [SlotSet(k, v) for k, v in updates.items()]
        values = {name: updates.get(name, tracker.get_slot(name)) for name in FORM_SLOTS}
        if not all(values.values()):
            if updates and not tracker.active_loop_name:
                # A place or a time said outside a booking: that starts one.
                return [*events, FollowupAction("booking_form")]
            dispatcher.utter_message(text=text("no_alternatives", lang))
            return events
        engine = booking()
        try:
            resource = await engine.resource(str(values[RESOURCE]))
        except BookingRefused as refusal:
            dispatcher.utter_message(text=refusal.text(lang))
            return [*events, SlotSet(RESOURCE, None)]
        start = dt.datetime.combine(
            dt.date.fromisoformat(str(values[DATE])),
            dt.time.fromisoformat(str(values[TIME])),
            HELSINKI,
        )
        minutes = int(float(values[MINUTES]))
        try:
            engine.check_rules(resource, start, minutes, lang)
            free = await engine.availability(resource.id, start.date())
            if not any(s.start == start and s.max_minutes >= minutes for s in free.slots):
                raise BookingRefused(Reason.TAKEN)
        except BookingRefused as refusal:
            if refusal.reason in (Reason.TAKEN, Reason.CLOSED):
                refusal.alternatives = await engine.alternatives(resource, start, minutes)
            body, buttons = alternatives_message(refusal, lang)
            dispatcher.utter_message(text=body, buttons=buttons)
            return events
        end = start + dt.timedelta(minutes=minutes)
        cents = rules_of(resource).price_cents(minutes)
        price = text("price", lang, euros=euros(cents, lang)) if cents else text("free", lang)
        dispatcher.utter_message(
            text=text(
                "summary",
                lang,
                place=place_name(resource, lang),
                when=when_text(start, end, lang),
                price=price,
                phone=masked(str(values[PHONE])),
            ),
            buttons=[
                {"title": text("yes", lang), "payload": "/affirm"},
                {"title": text("no", lang), "payload": "/deny"},
            ],
        )
        return [*events, SlotSet(ATTEMPT, secrets.token_hex(8))]


class ActionBook(Action):
    """Makes the booking the resident confirmed."""

    def name(self) -> str:
        return "action_book"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = lang_of(tracker)
        start = _start(tracker)
        if start is None or not tracker.get_slot(RESOURCE) or not tracker.get_slot(PHONE):
            dispatcher.utter_message(text=text("no_alternatives", lang))
            return []
        phone = str(tracker.get_slot(PHONE))
        if not await proved(tracker, phone):
            # No confirmation goes to a number nobody proved here (the proof may have expired).
            dispatcher.utter_message(text=text("verify_needed", lang))
            return [SlotSet(CODE, None), SlotSet(PHONE, None), FollowupAction("booking_form")]
        channel = str(((tracker.latest_message or {}).get("metadata") or {}).get("channel", "chat"))
        attempt = tracker.get_slot(ATTEMPT)
        try:
            booked = await booking().book(
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
            body, buttons = alternatives_message(refusal, lang)
            dispatcher.utter_message(text=body, buttons=buttons)
            return []
        reservation, resource = booked.reservation, booked.resource
        place = place_name(resource, lang)
        when = when_text(reservation.starts_at, reservation.ends_at, lang)
        code = booking_code(reservation)
        log.info("booking.made resource=%s reservation=%s", resource.id, reservation.id)
        dispatcher.utter_message(
            text=text("booked", lang, place=place, when=when, code=code),
            json_message={"card": _booking_card(reservation, resource, lang, booked.token)},
        )
        return _reset()


def _booking_card(
    reservation: Reservation, resource: Resource, lang: Language, token: str | None
) -> dict[str, Any]:
    address = (resource.address or {}).get(lang) or (resource.address or {}).get("fi")
    fields = [
        {"label": {"fi": "Aika", "sv": "Tid", "en": "Time"}[lang],
         "value": when_text(reservation.starts_at, reservation.ends_at, lang)},
        {"label": {"fi": "Varaustunnus", "sv": "Bokningskod", "en": "Booking code"}[lang],
         "value": booking_code(reservation)},
    ]  # fmt: skip
    if address:
        label = {"fi": "Osoite", "sv": "Adress", "en": "Address"}[lang]
        fields.append({"label": label, "value": address})
    links = []
    if token:
        title = {"fi": "Lisää kalenteriin", "sv": "Lägg till i kalendern", "en": "Add to calendar"}
        links.append(
            {"title": title[lang], "url": f"/api/reservations/{reservation.id}.ics?token={token}"}
        )
    if resource.unit_id and not address:
        links.append(
            {
                "title": {"fi": "Sijainti", "sv": "Läge", "en": "Location"}[lang],
                "url": f"https://palvelukartta.hel.fi/{lang}/unit/{resource.unit_id}",
            }
        )
    return {
        "kind": "booking",
        "id": reservation.id,
        "lang": lang,
        "title": place_name(resource, lang),
        "fields": fields,
        "links": links,
    }


class ActionBookingStop(Action):
    """The resident does not want to book after all."""

    def name(self) -> str:
        return "action_booking_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=text("stopped", lang_of(tracker)))
        return _reset()


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
        if await dependencies().identities.of_conversation(tracker.sender_id) is not None:
            return []
        return [PHONE, CODE]

    async def extract_booking_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = _message_text(tracker)
        phone = None if looks_like_code(message) else phone_in(message)
        return {PHONE: phone, CODE: None} if phone else {}


def _task(tracker: Tracker) -> tuple[str | None, str]:
    """The booking task the resident asked for last, and the words they asked it in."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent in TASK_INTENTS:
                return intent, str(event.get("text") or "")
    return None, ""


def _listing(bookings: list[tuple[Reservation, Resource]], lang: Language) -> list[str]:
    return [
        f"{booking_code(r)}: {place_name(res, lang)}, {when_text(r.starts_at, r.ends_at, lang)}"
        for r, res in bookings[:MAX_LISTED]
    ]


class ActionBookingManage(Action):
    """My bookings, cancel a booking, move a booking: for the resident's phone number."""

    def name(self) -> str:
        return "action_booking_manage"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = lang_of(tracker)
        session = await dependencies().identities.of_conversation(tracker.sender_id)
        if session is None:
            # The proof has expired since the form: prove the number again.
            dispatcher.utter_message(text=text("verify_needed", lang))
            return [SlotSet(CODE, None), SlotSet(PHONE, None), FollowupAction("contact_form")]
        phone = session.phone
        task, words = _task(tracker)
        engine = booking()
        bookings = await engine.reservations_of(phone)
        chosen_id = _entity(tracker, "booking_id")
        if not bookings:
            dispatcher.utter_message(text=text("no_bookings", lang))
            return []
        if task == "cancel_booking":
            return await self._cancel(dispatcher, bookings, chosen_id, phone, lang)
        if task == "change_booking":
            return await self._change(
                dispatcher, bookings, chosen_id, phone, words=words, lang=lang
            )
        lines = [text("your_bookings", lang), *_listing(bookings, lang)]
        dispatcher.utter_message(
            text="\n".join(lines), buttons=self._cancel_buttons(bookings, lang)
        )
        return []

    @staticmethod
    def _cancel_buttons(
        bookings: list[tuple[Reservation, Resource]], lang: Language
    ) -> list[dict[str, str]]:
        return [
            {
                "title": text("button_cancel", lang, code=booking_code(r)),
                "payload": f'/cancel_booking{{"booking_id":"{r.id}"}}',
            }
            for r, _ in bookings[:MAX_LISTED]
        ]

    async def _cancel(
        self,
        dispatcher: CollectingDispatcher,
        bookings: list[tuple[Reservation, Resource]],
        chosen_id: str | None,
        phone: str,
        lang: Language,
    ) -> list[EventType]:
        if chosen_id is None:
            if len(bookings) == 1:
                reservation, resource = bookings[0]
                dispatcher.utter_message(
                    text=text(
                        "cancel_this",
                        lang,
                        place=place_name(resource, lang),
                        when=when_text(reservation.starts_at, reservation.ends_at, lang),
                    ),
                    buttons=[
                        *self._cancel_buttons(bookings, lang),
                        {"title": text("button_keep", lang), "payload": "/deny"},
                    ],
                )
            else:
                lines = [text("cancel_which", lang), *_listing(bookings, lang)]
                dispatcher.utter_message(
                    text="\n".join(lines), buttons=self._cancel_buttons(bookings, lang)
                )
            return []
        try:
            cancelled = await booking().cancel(chosen_id, phone=phone, reason="resident")
        except BookingRefused as refusal:
            dispatcher.utter_message(text=refusal.text(lang))
            return []
        resource = next(res for r, res in bookings if r.id == cancelled.id)
        dispatcher.utter_message(
            text=text(
                "cancelled",
                lang,
                place=place_name(resource, lang),
                when=when_text(cancelled.starts_at, cancelled.ends_at, lang),
            )
        )
        return []

    async def _change(
        self,
        dispatcher: CollectingDispatcher,
        bookings: list[tuple[Reservation, Resource]],
        chosen_id: str | None,
        phone: str,
        *,
        words: str,
        lang: Language,
    ) -> list[EventType]:
        target = next((pair for pair in bookings if pair[0].id == chosen_id), None)
        if target is None:
            target = bookings[0] if len(bookings) == 1 else None
        if target is None:
            lines = [text("cancel_which", lang), *_listing(bookings, lang)]
            dispatcher.utter_message(text="\n".join(lines))
            return []
        reservation, resource = target
        asked = parse_when(without_phone(words), lang, _now())
        current = reservation.starts_at.astimezone(HELSINKI)
        if asked.date is None and asked.time is None:
            dispatcher.utter_message(text=text("change_how", lang))
            return []
        start = dt.datetime.combine(
            asked.date or current.date(), asked.time or current.time(), HELSINKI
        )
        try:
            moved = await booking().change(
                reservation.id, start, asked.duration_minutes, phone=phone
            )
        except BookingRefused as refusal:
            body, _ = alternatives_message(refusal, lang)
            dispatcher.utter_message(text=body)
            return []
        dispatcher.utter_message(
            text=text(
                "changed",
                lang,
                place=place_name(resource, lang),
                when=when_text(moved.starts_at, moved.ends_at, lang),
            )
        )
        return []
