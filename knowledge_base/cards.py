"""Answer cards: the short, reply-ready view of one service document."""

from __future__ import annotations

from knowledge_base.models import AnswerCard, Channel, Link, PhoneContact, ServiceDocument
from knowledge_base.text import first_sentences, shorten
from texts import Language

MAX_PHONES = 3
HOW_TO_CHARS = 400
COST_CHARS = 240


def _first_link(channels: list[Channel], kinds: tuple[str, ...]) -> Link | None:
    for channel in channels:
        if channel.kind in kinds and channel.links:
            link = channel.links[0]
            return Link(title=channel.name or link.title, url=link.url)
    return None


def answer_card(
    doc: ServiceDocument, fallback_lang: Language | None = None, translated_name: str = ""
) -> AnswerCard:
    """The card for `doc`; `fallback_lang` is set when `doc` is not in the asked language,
    and `translated_name` may then give the name in the asked language."""
    channels = list(doc.channels)
    phones = tuple(
        PhoneContact(number=c.phone, name=c.name, hours=c.hours, call_charge=c.call_charge)
        for c in channels
        if c.phone
    )[:MAX_PHONES]
    summary = first_sentences(doc.description) or first_sentences(doc.information)
    more_info = doc.links[0] if doc.links else _first_link(channels, ("WEBPAGE",))
    return AnswerCard(
        service_id=doc.service_id,
        lang=doc.lang,
        fallback_lang=fallback_lang,
        name=doc.name,
        translated_name=translated_name if fallback_lang else "",
        summary=summary,
        how_to_apply=first_sentences(doc.how_to_apply, count=3, max_chars=HOW_TO_CHARS),
        cost=shorten(doc.cost, COST_CHARS),
        eservice=_first_link(channels, ("ESERVICE", "CHAT", "PRINTABLE_FORM")),
        phones=phones,
        visiting_address=next((c.address for c in channels if c.kind == "LOCAL" and c.address), ""),
        email=next((c.email for c in channels if c.email), ""),
        more_info=more_info,
    )
