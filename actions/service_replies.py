"""How a found city service is said to a resident, in Finnish, Swedish and English.

Pure functions from the knowledge base's answer cards and documents to replies
(`assistant.replies.Reply`: text, buttons, card, hand-off). The text of a reply always
stands on its own, so a channel that cannot show a card (SMS, voice) still says
everything essential; the card carries the same content in fields a widget can lay out.
"""

from __future__ import annotations

import re

from assistant.replies import Button, Card, CardField, CardLink, Handoff, Reply, payload
from knowledge_base.models import AnswerCard, PhoneContact, ServiceDocument
from knowledge_base.text import first_sentences, shorten
from privacy.phones import format_phone
from texts import Language

# How many alternatives "other matches" lists.
MAX_ALTERNATIVES = 4

LANGUAGE_NAMES: dict[Language, dict[Language, str]] = {
    "fi": {"fi": "suomeksi", "sv": "ruotsiksi", "en": "englanniksi"},
    "sv": {"fi": "på finska", "sv": "på svenska", "en": "på engelska"},
    "en": {"fi": "in Finnish", "sv": "in Swedish", "en": "in English"},
}

TEXTS: dict[str, dict[Language, str]] = {
    "how_to_apply": {"fi": "Näin haet", "sv": "Så här ansöker du", "en": "How to apply"},
    "cost": {"fi": "Hinta", "sv": "Pris", "en": "Cost"},
    "phone": {"fi": "Puhelin", "sv": "Telefon", "en": "Phone"},
    "address": {"fi": "Käyntiosoite", "sv": "Besöksadress", "en": "Visiting address"},
    "email": {"fi": "Sähköposti", "sv": "E-post", "en": "Email"},
    "processing_time": {"fi": "Käsittelyaika", "sv": "Handläggningstid", "en": "Processing time"},
    "eservice": {"fi": "Asioi verkossa", "sv": "Uträtta ärenden på nätet", "en": "Online service"},
    "more_info": {"fi": "Lisätietoja", "sv": "Mer information", "en": "More information"},
    "button_more": {"fi": "Kerro lisää", "sv": "Berätta mer", "en": "Tell me more"},
    "button_others": {"fi": "Muut vaihtoehdot", "sv": "Andra alternativ", "en": "Other matches"},
    "button_person": {
        "fi": "Puhu ihmisen kanssa",
        "sv": "Tala med en människa",
        "en": "Talk to a person",
    },
    "button_nurse": {
        "fi": "Puhu kotihoidon hoitajan kanssa",
        "sv": "Tala med en skötare i hemvården",
        "en": "Talk to a home-care nurse",
    },
    "fallback_note": {
        "fi": "Tästä palvelusta ei ole tietoja suomeksi, joten tiedot ovat {language}.",
        "sv": "Den här tjänsten är inte beskriven på svenska, så uppgifterna är {language}.",
        "en": "This service is not described in English, so the details are {language}.",
    },
    "translated_name": {
        "fi": "Suomeksi palvelun nimi on suunnilleen: {name}.",
        "sv": "På svenska heter tjänsten ungefär: {name}.",
        "en": "In English, the service is roughly: {name}.",
    },
    "not_found": {
        "fi": "En löytänyt tähän varmaa vastausta, enkä halua arvata.",
        "sv": "Jag hittade inget säkert svar på det, och jag vill inte gissa.",
        "en": "I couldn't find a reliable answer to that, and I don't want to guess.",
    },
    "maybe": {
        "fi": "Tarkoititko jotakin näistä?",
        "sv": "Menade du någon av de här?",
        "en": "Did you mean one of these?",
    },
    "person": {
        "fi": "Voit kysyä neuvoa ihmiseltä: {name}, puhelin {phone}.",
        "sv": "Du kan fråga en människa: {name}, telefon {phone}.",
        "en": "You can ask a person: {name}, phone {phone}.",
    },
    "service_phone": {
        "fi": "Tämän palvelun puhelin: {phone}.",
        "sv": "Den här tjänstens telefon: {phone}.",
        "en": "This service's phone: {phone}.",
    },
    "others_intro": {
        "fi": "Nämä palvelut sopivat myös kysymykseesi:",
        "sv": "De här tjänsterna passar också din fråga:",
        "en": "These services also match your question:",
    },
    "no_others": {
        "fi": "Muita sopivia palveluja ei löytynyt. Voit kysyä toisin sanoin.",
        "sv": "Jag hittade inga andra passande tjänster. Du kan fråga med andra ord.",
        "en": "I found no other matching services. You can ask in other words.",
    },
    "no_cost": {
        "fi": "Palvelun tiedoissa ei mainita hintaa.",
        "sv": "Tjänstens uppgifter nämner inget pris.",
        "en": "The service's details do not mention a cost.",
    },
    "no_how_to": {
        "fi": "Palvelun tiedoissa ei kerrota, miten sitä haetaan.",
        "sv": "Tjänstens uppgifter säger inte hur man ansöker.",
        "en": "The service's details do not say how to apply.",
    },
    "no_contact": {
        "fi": "Palvelulle ei ole ilmoitettu puhelinta eikä käyntiosoitetta.",
        "sv": "Tjänsten har ingen telefon eller besöksadress angiven.",
        "en": "The service has no phone or visiting address listed.",
    },
    "which_service": {
        "fi": "Mistä palvelusta haluat tietää? Kysy omin sanoin, esimerkiksi "
        "'Miten haen asukaspysäköintitunnusta?'",
        "sv": "Vilken tjänst vill du veta mer om? Fråga med egna ord, till exempel "
        "'Hur ansöker jag om dagvård?'",
        "en": "Which service would you like to know about? Ask in your own words, for "
        "example 'How do I get a residential parking permit?'",
    },
    "choose_number": {
        "fi": "Valitse numero 1-{count}.",
        "sv": "Välj ett nummer 1-{count}.",
        "en": "Choose a number 1-{count}.",
    },
    "unavailable": {
        "fi": "Palveluhaku ei juuri nyt toimi. Yritä hetken päästä uudelleen.",
        "sv": "Tjänstesökningen fungerar inte just nu. Försök igen om en stund.",
        "en": "Service search is not working right now. Please try again in a moment.",
    },
}


def text(key: str, lang: Language, **values: str) -> str:
    """One of the texts above in `lang`, with `values` filled in."""
    return TEXTS[key][lang].format(**values)


def phone_line(phone: PhoneContact) -> str:
    """ "09 310 11111 (Open Mon-Thu 09-16; Open Fri 10-15)"."""
    hours = f" ({'; '.join(phone.hours)})" if phone.hours else ""
    return f"{format_phone(phone.number)}{hours}"


def _buttons(lang: Language, *, more: bool = True, others: bool = True) -> list[Button]:
    buttons = []
    if more:
        buttons.append(Button(title=text("button_more", lang), payload=payload("service_more")))
    if others:
        buttons.append(Button(title=text("button_others", lang), payload=payload("service_others")))
    buttons.append(Button(title=text("button_person", lang), payload=payload("talk_to_person")))
    return buttons


def _note(card: AnswerCard, lang: Language) -> str:
    if card.fallback_lang is None:
        return ""
    note = text("fallback_note", lang, language=LANGUAGE_NAMES[lang][card.fallback_lang])
    if card.translated_name:
        note += " " + text("translated_name", lang, name=card.translated_name)
    return note


def card_fields(card: AnswerCard, lang: Language) -> list[CardField]:
    """The card's labelled facts, in the order a resident needs them."""
    fields = []
    if card.how_to_apply:
        fields.append(CardField(label=text("how_to_apply", lang), value=card.how_to_apply))
    if card.cost:
        fields.append(CardField(label=text("cost", lang), value=card.cost))
    if card.phones:
        fields.append(CardField(label=text("phone", lang), value=phone_line(card.phones[0])))
    if card.visiting_address:
        fields.append(CardField(label=text("address", lang), value=card.visiting_address))
    return fields


def card_links(card: AnswerCard, lang: Language) -> list[CardLink]:
    links = []
    if card.eservice:
        links.append(CardLink(title=text("eservice", lang), url=card.eservice.url))
    if card.more_info and (not card.eservice or card.more_info.url != card.eservice.url):
        links.append(CardLink(title=text("more_info", lang), url=card.more_info.url))
    return links


def service_message(card: AnswerCard, lang: Language, *, others: bool = True) -> Reply:
    """The answer card for one service: a short text, the card, and what to do next."""
    note = _note(card, lang)
    # The note first: a caller hears why Finnish follows before it does.
    lines = [note] if note else []
    lines.append(f"{card.name}: {card.summary}" if card.summary else card.name)
    if card.eservice:
        lines.append(f"{text('eservice', lang)}: {card.eservice.url}")
    elif card.phones:
        lines.append(f"{text('phone', lang)}: {phone_line(card.phones[0])}")
    return Reply(
        text="\n".join(lines),
        buttons=_buttons(lang, others=others),
        card=Card(
            kind="service",
            id=str(card.service_id),
            lang=card.lang,
            title=card.name,
            summary=card.summary or None,
            note=note or None,
            fields=card_fields(card, lang),
            links=card_links(card, lang),
        ),
    )


def details_message(card: AnswerCard, doc: ServiceDocument, lang: Language) -> Reply:
    """ "Tell me more": the description beyond the summary, how to apply, contacts, links."""
    lines = [doc.name]
    description = first_sentences(doc.description, count=5, max_chars=600)
    if description:
        lines.append(description)
    if doc.how_to_apply:
        how_to = first_sentences(doc.how_to_apply, count=5, max_chars=600)
        lines.append(f"{text('how_to_apply', lang)}: {how_to}")
    if doc.processing_time:
        lines.append(f"{text('processing_time', lang)}: {shorten(doc.processing_time, 200)}")
    lines.extend(_contact_lines(card, lang, all_phones=True))
    return Reply(text="\n".join(lines), buttons=_buttons(lang, more=False))


def _contact_lines(card: AnswerCard, lang: Language, *, all_phones: bool) -> list[str]:
    lines = []
    for phone in card.phones if all_phones else card.phones[:1]:
        name = f"{phone.name}: " if phone.name and all_phones else ""
        lines.append(f"{text('phone', lang)}: {name}{phone_line(phone)}")
    if card.visiting_address:
        lines.append(f"{text('address', lang)}: {card.visiting_address}")
    if card.email:
        lines.append(f"{text('email', lang)}: {card.email}")
    for link in card_links(card, lang):
        lines.append(f"{link.title}: {link.url}")
    return lines


def cost_message(card: AnswerCard, lang: Language) -> Reply:
    """ "What does it cost?" about the service being discussed."""
    answer = f"{text('cost', lang)}: {card.cost}" if card.cost else text("no_cost", lang)
    lines = [f"{card.name}. {answer}"]
    if not card.cost and card.phones:
        lines.append(text("service_phone", lang, phone=phone_line(card.phones[0])))
    return Reply(text="\n".join(lines), buttons=_buttons(lang, others=False))


def how_to_message(card: AnswerCard, lang: Language) -> Reply:
    """ "How do I apply?" about the service being discussed."""
    if card.how_to_apply:
        lines = [f"{card.name}. {text('how_to_apply', lang)}: {card.how_to_apply}"]
    else:
        lines = [f"{card.name}. {text('no_how_to', lang)}"]
    if card.eservice:
        lines.append(f"{text('eservice', lang)}: {card.eservice.url}")
    return Reply(text="\n".join(lines), buttons=_buttons(lang, others=False))


def contact_message(card: AnswerCard, lang: Language) -> Reply:
    """ "What's the phone number? Where do I go?" about the service being discussed."""
    lines = _contact_lines(card, lang, all_phones=True)
    body = "\n".join(lines) if lines else text("no_contact", lang)
    return Reply(text=f"{card.name}\n{body}", buttons=_buttons(lang, others=False))


def choice_buttons(cards: list[tuple[int, AnswerCard]]) -> list[Button]:
    """One button per (position, card): the payload chooses that position of the results."""
    return [
        Button(
            title=shorten(card.name, 60),
            payload=payload("choose_result", result_index=str(position)),
        )
        for position, card in cards
    ]


def others_message(cards: list[tuple[int, AnswerCard]], lang: Language) -> Reply:
    """ "Other matches": the remembered results, numbered, each a button."""
    if not cards:
        return Reply(text=text("no_others", lang), buttons=_buttons(lang, more=False, others=False))
    lines = [text("others_intro", lang)]
    lines.extend(f"{position}. {card.name}" for position, card in cards)
    return Reply(text="\n".join(lines), buttons=choice_buttons(cards))


# Words of a home-care client or carer: when Apuri cannot help them, a nurse is offered.
_HOME_CARE = re.compile(
    r"kotihoi|hoitaja|sairaanhoitaja|lääk|hemvård|hemtjänst|skötare|sjukskötare|medicin|"
    r"home.?care|nurse|carer|medication|medicine",
    re.IGNORECASE,
)


def about_home_care(question: str) -> bool:
    return bool(_HOME_CARE.search(question))


def not_found_message(
    lang: Language,
    helpline: AnswerCard | None,
    fallback_phone: str,
    maybe: list[tuple[int, AnswerCard]],
    *,
    offer_nurse: bool = False,
) -> Reply:
    """Below the confidence threshold: say so, name a person to ask, offer near matches
    (and, to a home-care client, a nurse)."""
    lines = [text("not_found", lang), person_text(lang, helpline, fallback_phone)]
    buttons: list[Button] = []
    if maybe:
        lines.append(text("maybe", lang))
        buttons = choice_buttons(maybe)
    if offer_nurse:
        buttons.append(Button(title=text("button_nurse", lang), payload=payload("request_nurse")))
    return Reply(
        text="\n".join(lines),
        buttons=buttons,
        handoff=Handoff(kind="helpline", reason="not_found"),
    )


def person_text(lang: Language, helpline: AnswerCard | None, fallback_phone: str) -> str:
    """Where a person answers: the city's advice line from the service data."""
    if helpline is not None and helpline.phones:
        return text("person", lang, name=helpline.name, phone=phone_line(helpline.phones[0]))
    name = {"fi": "Helsinki-info", "sv": "Helsingfors-info", "en": "Helsinki-info"}[lang]
    return text("person", lang, name=name, phone=format_phone(fallback_phone))


def person_message(
    lang: Language, current: AnswerCard | None, helpline: AnswerCard | None, fallback_phone: str
) -> Reply:
    """ "Talk to a person": the discussed service's own phone first, then the advice line."""
    lines = []
    if (
        current is not None
        and current.phones
        and current.service_id != (helpline.service_id if helpline else None)
    ):
        lines.append(
            f"{current.name}. " + text("service_phone", lang, phone=phone_line(current.phones[0]))
        )
    lines.append(person_text(lang, helpline, fallback_phone))
    if helpline is not None and helpline.eservice:
        lines.append(f"{helpline.eservice.title}: {helpline.eservice.url}")
    return Reply(text="\n".join(lines), handoff=Handoff(kind="helpline", reason="resident_asked"))
