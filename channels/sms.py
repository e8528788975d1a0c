"""The SMS channel (Twilio Programmable Messaging): `POST /twilio/sms`.

A transport: it proves the request came from Twilio, honours STOP / START / HELP and their
Finnish and Swedish forms, limits how fast one number may write, turns a digit answer into
the button it numbers, calls the assistant, and renders the reply as one short plain text
message (GSM-7 where the language allows, at most three segments, the rest behind a link)
in TwiML. The phone number is never the conversation id nor in a log: a keyed hash is.
"""

from __future__ import annotations

import html
import logging
import unicodedata
from dataclasses import dataclass

from aiohttp import web
from twilio.twiml.messaging_response import MessagingResponse

from assistant.core import AssistantFailed, AssistantUnavailable, Inbound, InvalidMessage
from assistant.keys import ASSISTANT, DATABASE, REDIS, SETTINGS
from assistant.logs import event, pseudonym
from assistant.messages import message
from assistant.openapi import Operation, Parameter, Response
from assistant.replies import AssistantResponse
from channels.gsm import fit, segments, to_gsm7
from channels.phone_state import PhoneState, conversation_of
from channels.phone_texts import numbers_list, text
from channels.twilio_auth import verified_form
from channels.twilio_form import webhook
from privacy.consent import is_sms_stopped, record_sms_consent
from privacy.phones import format_phone
from texts import Language

logger = logging.getLogger(__name__)

CHANNEL = "sms"
MAX_SEGMENTS = 3
MAX_CHOICES = 9
PER_MINUTE, PER_HOUR = 6, 40

# Keyword -> the language it is written in (None: the conversation's own). Twilio's own
# opt-out words are all here, so Apuri's record agrees with what Twilio itself blocks;
# YES, which Twilio counts as an opt-in, is not: residents answer "yes" to Apuri's
# questions, and a number that sent STOP stays stopped until it says START.
STOP_WORDS: dict[str, Language | None] = {
    "STOP": None, "STOPALL": None, "UNSUBSCRIBE": "en", "CANCEL": "en", "END": "en",
    "QUIT": "en", "OPTOUT": "en", "REVOKE": "en",
    "LOPETA": "fi", "LOPPU": "fi", "STOPP": "sv", "AVSLUTA": "sv",
}  # fmt: skip
START_WORDS: dict[str, Language | None] = {
    "START": None, "UNSTOP": "en", "ALOITA": "fi", "BÖRJA": "sv",
}  # fmt: skip
HELP_WORDS: dict[str, Language | None] = {
    "HELP": "en", "INFO": None, "APUA": "fi", "OHJE": "fi", "HJÄLP": "sv", "HJALP": "sv",
}  # fmt: skip

# Capital letters of other scripts that look like the Latin ones of the keywords.
_LOOKALIKES = str.maketrans("АВЕЅІЈКМНОРСТХΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABESIJKMHOPCTXABEZHIKMNOPTYX")
# A keyword message is short; anything longer is an ordinary message, unread here.
_KEYWORD_MAX_CHARS = 64


def _letters(text: str) -> str:
    """`text` reduced to what a keyword is compared on: its letters and digits, capital,
    without accents, after compatibility normalisation (full-width and styled letters
    become plain ones). Spaces, punctuation, symbols and emoji, format characters (zero
    width spaces and joiners, Unicode category Cf) and control characters go."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch)[0] in "LN")
    return kept.upper().translate(_LOOKALIKES)


def _keyword_table() -> dict[str, tuple[str, str]]:
    """Each keyword's letters -> (its kind, the keyword); HJÄLP before its HJALP."""
    table: dict[str, tuple[str, str]] = {}
    for kind, words in (("stop", STOP_WORDS), ("start", START_WORDS), ("help", HELP_WORDS)):
        for word in words:
            table.setdefault(_letters(word), (kind, word))
    return table


_KEYWORDS = _keyword_table()


@dataclass(frozen=True)
class SmsReply:
    """A reply rendered for SMS: the message text and the payloads its numbers stand for."""

    text: str
    choices: list[str]


def keyword(body: str) -> tuple[str, str] | None:
    """("stop" | "start" | "help", the keyword as listed above) when the whole message is
    a keyword, written in any case, spacing, width or accents, with or without punctuation
    and emoji ("ＳＴＯＰ", "S T O P", "stop.", "Stop all 🙏", "borja"). A message with any
    other word in it ("stop the booking") is an ordinary message."""
    if len(body) > _KEYWORD_MAX_CHARS:
        return None
    return _KEYWORDS.get(_letters(body))


def keyword_language(word: str, remembered: Language | None, default: Language) -> Language:
    for words in (STOP_WORDS, START_WORDS, HELP_WORDS):
        written_in = words.get(word)
        if written_in is not None:
            return written_in
    return remembered or default


def compose(response: AssistantResponse) -> tuple[str, list[tuple[str, str]]]:
    """The replies as one plain text, and the (title, payload) of their buttons."""
    parts: list[str] = []
    buttons: list[tuple[str, str]] = []
    for reply in response.replies:
        if reply.text:
            parts.append(reply.text.strip())
        elif reply.card is not None:
            parts.append(" ".join(p for p in (reply.card.title, reply.card.summary) if p))
        buttons.extend((b.title, b.payload) for b in reply.buttons)
    return "\n\n".join(p for p in parts if p), buttons[:MAX_CHOICES]


def choices_block(buttons: list[tuple[str, str]], lang: Language) -> str:
    if not buttons:
        return ""
    lines = [f"{n}) {title}" for n, (title, _) in enumerate(buttons, start=1)]
    lines.append(text("reply_choice", lang, numbers=numbers_list(len(buttons), lang)))
    return "\n" + "\n".join(lines)


def plain(body: str, buttons: list[tuple[str, str]], lang: Language) -> str:
    """The whole message before any cut: GSM-7 look-alikes replaced, choices numbered."""
    return to_gsm7(body + choices_block(buttons, lang))


def render(body: str, buttons: list[tuple[str, str]], lang: Language, more_url: str | None) -> str:
    """The message as sent, within three segments: when the whole does not fit, the body is
    cut at a word and the link to the full answer and the choices follow it."""
    whole = plain(body, buttons, lang)
    if segments(whole) <= MAX_SEGMENTS:
        return whole
    tail = to_gsm7(text("more", lang, url=more_url)) if more_url else ""
    return fit(to_gsm7(body), MAX_SEGMENTS, tail + to_gsm7(choices_block(buttons, lang)))


def twiml(body: str | None) -> web.Response:
    response = MessagingResponse()
    if body:
        response.message(body)
    return web.Response(text=str(response), content_type="application/xml")


async def _keyword_reply(
    request: web.Request, phone: str, said: tuple[str, str], lang: Language, helpline: str
) -> str:
    """STOP and START are recorded before they are confirmed; HELP says what Apuri is."""
    kind, word = said
    if kind == "help":
        return to_gsm7(text("help", lang, phone=helpline))
    stopped = kind == "stop"
    settings = request.app[SETTINGS]
    await record_sms_consent(
        request.app[DATABASE], phone, settings.secret, stopped=stopped, keyword=word
    )
    return to_gsm7(text("stopped" if stopped else "started", lang))


async def sms_webhook(request: web.Request) -> web.Response:
    """POST /twilio/sms"""
    params = await verified_form(request)
    phone, sid = params.get("From", ""), params.get("MessageSid", "")
    if not phone or not sid:
        raise web.HTTPBadRequest(text="From and MessageSid are required")
    settings = request.app[SETTINGS]
    assistant = request.app[ASSISTANT]
    state = PhoneState(request.app[REDIS], CHANNEL)
    conversation = conversation_of(phone, settings.secret)
    sender = assistant.sender_id(CHANNEL, conversation)
    default: Language = settings.default_language  # type: ignore[assignment]
    remembered = await assistant.remembered_language(sender)
    body = params.get("Body", "")
    helpline = format_phone(settings.helpline_phone)

    said = keyword(body)
    if said is not None:
        lang = keyword_language(said[1], remembered, default)
        event(logger, "sms.keyword", conversation=pseudonym(sender), keyword=said[0])
        return twiml(await _keyword_reply(request, phone, said, lang, helpline))

    if await is_sms_stopped(request.app[DATABASE], phone, settings.secret):
        event(logger, "sms.ignored_stopped", conversation=pseudonym(sender))
        return twiml(None)
    if await state.over_limit(conversation, PER_MINUTE, PER_HOUR):
        event(logger, "sms.rate_limited", logging.WARNING, conversation=pseudonym(sender))
        warn = await state.first_warning(conversation)
        return twiml(to_gsm7(text("slow_down", remembered or default)) if warn else None)

    payload = await state.choice(conversation, body)
    inbound = Inbound(
        channel=CHANNEL,
        conversation_id=conversation,
        text=None if payload else body,
        payload=payload,
        message_id=sid,
        verified_phone=phone,
    )
    try:
        response = await assistant.handle(inbound)
    except (AssistantUnavailable, AssistantFailed) as error:
        return twiml(to_gsm7(error.text))
    except InvalidMessage:
        lang = remembered or default
        return twiml(to_gsm7(message("no_answer", lang, helpline)))

    composed, buttons = compose(response)
    await state.remember_choices(conversation, [payload for _, payload in buttons])
    more_url = None
    if segments(plain(composed, buttons, response.lang)) > MAX_SEGMENTS:
        token = await state.store_full_text(response.lang, composed)
        more_url = f"{(settings.public_base_url or '').rstrip('/')}/m/{token}"
    return twiml(render(composed, buttons, response.lang, more_url))


_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font:1.125rem/1.5 system-ui,sans-serif;max-width:40rem;margin:1rem auto;
padding:0 1rem;color:#1a1a1a}}h1{{font-size:1.4rem;color:#0000bf}}
p{{white-space:pre-wrap}}</style></head>
<body><main><h1>{title}</h1><p>{body}</p></main></body></html>
"""
_PAGE_TITLES = {"fi": "Apurin vastaus", "sv": "Apuris svar", "en": "Apuri's answer"}


async def full_answer(request: web.Request) -> web.Response:
    """GET /m/{token}: the whole of an answer an SMS could only begin."""
    stored = await PhoneState.full_text(request.app[REDIS], request.match_info["token"])
    if stored is None:
        raise web.HTTPNotFound(text="This answer has expired.")
    lang = stored["lang"] if stored["lang"] in _PAGE_TITLES else "fi"
    page = _PAGE.format(lang=lang, title=_PAGE_TITLES[lang], body=html.escape(str(stored["text"])))
    return web.Response(text=page, content_type="text/html")


OPERATIONS = (
    webhook("/twilio/sms", "A text message from a resident", 200, "TwiML with one <Message>"),
    Operation(
        "GET",
        "/m/{token}",
        "The whole of an answer a text message could only begin (7 days)",
        parameters=(
            Parameter("token", "path", {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,32}$"}),
        ),
        responses={200: Response("An HTML page"), 404: Response("Expired, or no such answer")},
    ),
)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/twilio/sms", sms_webhook)
    app.router.add_get(r"/m/{token:[A-Za-z0-9_-]{8,32}}", full_answer)
