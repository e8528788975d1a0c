"""Proving that a phone number belongs to the person writing, inside a form.

On SMS and the phone the gateway has already proved the sender's own number (the number
Twilio verified). Any other number — every number typed on the web — gets a six-digit
code by SMS, which the resident types back before the form goes on. What is proved lives
in the conversation's resident session (`privacy.identity`), never in a slot the dialogue
could fill from what someone typed.
"""

from __future__ import annotations

import logging
import re
from typing import Any, cast

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking_texts import text
from actions.deps import WithDependencies, client_of
from assistant.replies import Reply, send
from privacy.identity import CodeRefused, Identities, Refusal, code_sms
from store.outbox import enqueue
from texts import LANGUAGES, Language

log = logging.getLogger(__name__)

PHONE = "booking_phone"
CODE = "verification_code"
VERIFIED = "verified"
_CODE_LIKE = re.compile(r"^\s*(\d[\s-]?){5}\d\s*$")


def _lang(tracker: Tracker) -> Language:
    value = tracker.get_slot("language")
    return cast(Language, value) if value in LANGUAGES else "fi"


def looks_like_code(message: str) -> bool:
    """Six digits, perhaps spaced ("123 456"): a code, never a time or a phone number."""
    return bool(_CODE_LIKE.match(message))


def awaiting_code(tracker: Tracker) -> bool:
    return bool(tracker.get_slot("requested_slot") == CODE)


async def proved(identities: Identities, tracker: Tracker, phone: str | None) -> bool:
    """Whether `phone` is proved in this conversation's resident session."""
    if not phone:
        return False
    return await identities.proves(tracker.sender_id, str(phone))


def _last_digits(phone: str) -> str:
    return phone[-2:]


async def extract_code(
    identities: Identities,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    message: str,
    *,
    other_number: bool,
) -> dict[str, Any]:
    """The form's code slot from the resident's answer: checked, and the number proved.

    `other_number`: the answer gives another phone number instead (a code goes to it).
    """
    if not awaiting_code(tracker) or (other_number and not looks_like_code(message)):
        return {}
    phone = str(tracker.get_slot(PHONE) or "")
    lang = _lang(tracker)
    if not phone:
        return {}
    if not looks_like_code(message):
        if message.strip():
            send(dispatcher, Reply(text=text("code_format", lang)))
        return {}
    try:
        await identities.check_code(tracker.sender_id, phone, message)
    except CodeRefused as refused:
        log.info("identity.code_refused reason=%s", refused.reason.value)
        if refused.reason is Refusal.WRONG:
            send(dispatcher, Reply(text=text("code_wrong", lang, left=refused.tries_left)))
            # A slot event keeps the form going: it asks for the code again.
            return {CODE: None}
        key = "code_locked" if refused.reason is Refusal.LOCKED else "code_expired"
        send(dispatcher, Reply(text=text(key, lang)))
        return {PHONE: None, CODE: None}
    await identities.prove(tracker.sender_id, phone, "sms-code")
    log.info("identity.proved method=sms-code")
    return {CODE: VERIFIED}


class ActionAskVerificationCode(WithDependencies, Action):
    """Sends a code to the number (unless a live one waits) and asks for it."""

    def name(self) -> str:
        return "action_ask_verification_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = _lang(tracker)
        phone = str(tracker.get_slot(PHONE) or "")
        if not phone:
            send(dispatcher, Reply(text=text("verify_needed", lang)))
            return [SlotSet("requested_slot", PHONE)]
        deps = self.deps
        if not await deps.identities.pending(tracker.sender_id, phone):
            try:
                code = await deps.identities.issue_code(
                    tracker.sender_id, phone, client=client_of(tracker.latest_message)
                )
            except CodeRefused:
                log.info("identity.code_rate_limited")
                send(dispatcher, Reply(text=text("code_rate_limited", lang)))
                return [SlotSet(PHONE, None), SlotSet("requested_slot", PHONE)]
            await enqueue(
                deps.booking.engine,
                to_phone=phone,
                body=code_sms(code, lang),
                lang=lang,
                kind="code",
            )
            log.info("identity.code_sent")
        send(dispatcher, Reply(text=text("ask_code", lang, last=_last_digits(phone))))
        return []
