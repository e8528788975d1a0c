"""Actions that answer questions about city services from the knowledge base.

`action_search_services` runs for `ask_service` and for messages the NLU could not
classify: it searches every Helsinki errand service and answers with the best one's
card, or, below the calibrated confidence, says it does not know and names a person to
ask. The results are remembered in slots (`service_results`, `service_current`), so
follow-ups such as "what does it cost?", "the second one", "other matches" or "in
Swedish, please" are answered about the same services (`action_service_followup`,
`action_language_switched`).

The knowledge base is the action server's one (`actions.deps`): it loads in a worker
thread when the server starts, and searches run in threads too, so the action server
keeps answering other conversations meanwhile.
"""

from __future__ import annotations

import logging
import re
from typing import Any, cast

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import service_replies as replies
from actions.deps import WithDependencies
from actions.language import LANGUAGE_SWITCHED
from assistant.replies import Reply, send
from assistant.service_search import ServiceSearchProvider, ServiceSearchUnavailable
from knowledge_base.models import AnswerCard
from texts import LANGUAGES, Language

log = logging.getLogger(__name__)

RESULTS_SLOT = "service_results"
CURRENT_SLOT = "service_current"
RESULTS_K = 5
# The city's general advice line in the service data (Helsinki-info): the person to ask.
HELPLINE_SERVICE_ID = 4203
# Below the answer threshold but at least this confident: offer the near matches.
NEAR_MATCH_CONFIDENCE = 0.2
NEAR_MATCHES = 3
# Follow-up intents whose message may itself name the service ("what does X cost?").
QUESTIONS_THAT_NAME_A_SERVICE = frozenset({"ask_cost", "ask_how_to_apply", "ask_contact"})


def conversation_lang(tracker: Tracker) -> Language:
    value = tracker.get_slot("language")
    return cast(Language, value) if value in LANGUAGES else "fi"


def remembered_results(tracker: Tracker) -> list[int]:
    value = tracker.get_slot(RESULTS_SLOT)
    if not isinstance(value, list):
        return []
    return [int(item) for item in value if str(item).isdigit()]


def remembered_current(tracker: Tracker) -> int | None:
    value = tracker.get_slot(CURRENT_SLOT)
    return int(value) if value is not None and str(value).isdigit() else None


def _question(tracker: Tracker) -> str:
    """What the resident wrote; empty when the message was a button's payload."""
    text = str((tracker.latest_message or {}).get("text") or "").strip()
    return "" if text.startswith("/") else text


async def _cards(
    search: ServiceSearchProvider, ids: list[int], lang: Language
) -> list[tuple[int, AnswerCard]]:
    """(position from 1, card) for each remembered service that still exists."""
    found = []
    for position, service_id in enumerate(ids, start=1):
        card = await search.card(service_id, lang)
        if card is not None:
            found.append((position, card))
    return found


class _ServiceAction(WithDependencies, Action):
    """An action over the action server's knowledge base."""

    @property
    def search(self) -> ServiceSearchProvider:
        return self.deps.search

    @property
    def fallback_phone(self) -> str:
        return self.deps.settings.helpline_phone

    async def helpline(self, lang: Language) -> AnswerCard | None:
        try:
            return await self.search.card(HELPLINE_SERVICE_ID, lang)
        except ServiceSearchUnavailable:
            return None

    def unavailable(self, dispatcher: CollectingDispatcher, lang: Language) -> list[dict[str, Any]]:
        person = replies.person_text(lang, None, self.fallback_phone)
        send(dispatcher, Reply(text=f"{replies.text('unavailable', lang)}\n{person}"))
        return []

    async def search_and_answer(
        self, dispatcher: CollectingDispatcher, question: str, lang: Language
    ) -> list[dict[str, Any]]:
        """Searches for `question` and answers with a card, or honestly without one."""
        try:
            result = await self.search.search(question, lang, k=RESULTS_K)
        except ServiceSearchUnavailable:
            return self.unavailable(dispatcher, lang)
        ids = [str(hit.service_id) for hit in result.results]
        log.info(
            "service search answered=%s confidence=%.2f top=%s",
            result.answered,
            result.confidence,
            ids[:1],
        )
        if result.answered and result.results:
            top = result.results[0]
            send(dispatcher, replies.service_message(top.card, lang, others=len(ids) > 1))
            return [SlotSet(RESULTS_SLOT, ids), SlotSet(CURRENT_SLOT, ids[0])]
        near = (
            [(position, hit.card) for position, hit in enumerate(result.results[:NEAR_MATCHES], 1)]
            if result.confidence >= NEAR_MATCH_CONFIDENCE
            else []
        )
        helpline = await self.helpline(lang)
        nurse = replies.about_home_care(question)
        send(
            dispatcher,
            replies.not_found_message(lang, helpline, self.fallback_phone, near, offer_nurse=nurse),
        )
        return [SlotSet(RESULTS_SLOT, ids if near else None), SlotSet(CURRENT_SLOT, None)]


class ActionSearchServices(_ServiceAction):
    """Answers a question about city services with the best-matching service's card."""

    def name(self) -> str:
        return "action_search_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        question = _question(tracker)
        if not question:
            send(dispatcher, Reply(text=replies.text("which_service", lang)))
            return []
        return await self.search_and_answer(dispatcher, question, lang)


# "the second one", "toinen", "den andra", "2": a position in the listed results.
_ORDINALS: tuple[tuple[str, int], ...] = (
    ("ensimm", 1),
    ("eka", 1),
    ("ykkö", 1),
    ("first", 1),
    ("först", 1),
    ("toin", 2),
    ("tois", 2),
    ("toka", 2),
    ("kakko", 2),
    ("second", 2),
    ("andra", 2),
    ("kolma", 3),
    ("kolmo", 3),
    ("third", 3),
    ("tredje", 3),
    ("nelj", 4),
    ("fourth", 4),
    ("fjärde", 4),
    ("viid", 5),
    ("fifth", 5),
    ("femte", 5),
)
_LAST = ("viimei", "last", "sista")


def result_position(text: str, count: int) -> int | None:
    """The position (from 1) that `text` names among `count` results, if it names one."""
    words = re.findall(r"\w+", text.lower())
    for word in words:
        if word.isdigit():
            return int(word)
    for word in words:
        if word.startswith(_LAST):
            return count
        for prefix, position in _ORDINALS:
            if word.startswith(prefix):
                return position
    return None


class ActionServiceFollowup(_ServiceAction):
    """Follow-ups about the services found last: more, others, a choice, cost, how, contact."""

    def name(self) -> str:
        return "action_service_followup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        results = remembered_results(tracker)
        current = remembered_current(tracker)
        try:
            if intent == "choose_result":
                return await self._choose(dispatcher, tracker, results, lang)
            if intent == "service_others" and results:
                found = await _cards(self.search, results, lang)
                others = [(p, c) for p, c in found if c.service_id != current]
                send(dispatcher, replies.others_message(others[: replies.MAX_ALTERNATIVES], lang))
                return []
            card = await self.search.card(current, lang) if current is not None else None
            if intent == "talk_to_person":
                helpline = await self.helpline(lang)
                send(dispatcher, replies.person_message(lang, card, helpline, self.fallback_phone))
            elif card is not None:
                send(dispatcher, await self._about(card, intent, lang))
            elif (question := _question(tracker)) and intent in QUESTIONS_THAT_NAME_A_SERVICE:
                # A cost or contact question with no service discussed yet names one itself.
                return await self.search_and_answer(dispatcher, question, lang)
            else:
                send(dispatcher, Reply(text=replies.text("which_service", lang)))
        except ServiceSearchUnavailable:
            return self.unavailable(dispatcher, lang)
        return []

    async def _about(self, card: AnswerCard, intent: str | None, lang: Language) -> Reply:
        """The answer to a follow-up question about the service being discussed."""
        if intent == "ask_cost":
            return replies.cost_message(card, lang)
        if intent == "ask_how_to_apply":
            return replies.how_to_message(card, lang)
        if intent == "ask_contact":
            return replies.contact_message(card, lang)
        doc = await self.search.document(card.service_id, lang)
        assert doc is not None
        return replies.details_message(card, doc, lang)

    async def _choose(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        results: list[int],
        lang: Language,
    ) -> list[dict[str, Any]]:
        if not results:
            send(dispatcher, Reply(text=replies.text("which_service", lang)))
            return []
        named = next(tracker.get_latest_entity_values("result_index"), None)
        position = (
            int(named)
            if named is not None and str(named).isdigit()
            else result_position(
                str((tracker.latest_message or {}).get("text") or ""), len(results)
            )
        )
        if position is None or not 1 <= position <= len(results):
            send(
                dispatcher, Reply(text=replies.text("choose_number", lang, count=str(len(results))))
            )
            return []
        card = await self.search.card(results[position - 1], lang)
        if card is None:
            send(dispatcher, Reply(text=replies.text("which_service", lang)))
            return []
        send(dispatcher, replies.service_message(card, lang, others=len(results) > 1))
        return [SlotSet(CURRENT_SLOT, str(card.service_id))]


SERVICE_PAYLOADS = frozenset({"/service_more", "/service_others", "/talk_to_person"})


def last_turn_was_about_a_service(tracker: Tracker) -> bool:
    """Whether Apuri's messages just before the resident's latest one presented a service."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            data = event.get("data") or {}
            custom = data.get("custom") if isinstance(data.get("custom"), dict) else {}
            card = custom.get("card") if custom else None
            if isinstance(card, dict) and card.get("kind") == "service":
                return True
            payloads = {b.get("payload") for b in data.get("buttons") or [] if isinstance(b, dict)}
            if payloads & SERVICE_PAYLOADS:
                return True
    return False


class ActionLanguageSwitched(_ServiceAction):
    """Confirms a language switch, or repeats the service just discussed in the new language.

    "entä ruotsiksi?" right after an answer card means "that, in Swedish": the card is
    shown again in the new language instead of a bare confirmation.
    """

    def name(self) -> str:
        return "action_language_switched"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        current = remembered_current(tracker)
        if current is None or not last_turn_was_about_a_service(tracker):
            send(dispatcher, Reply(text=LANGUAGE_SWITCHED[lang]))
            return []
        try:
            card = await self.search.card(current, lang)
        except ServiceSearchUnavailable:
            card = None
        if card is None:
            send(dispatcher, Reply(text=LANGUAGE_SWITCHED[lang]))
            return []
        send(
            dispatcher,
            replies.service_message(card, lang, others=len(remembered_results(tracker)) > 1),
        )
        return []
