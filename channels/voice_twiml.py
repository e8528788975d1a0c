"""TwiML for the phone channel: speech in the language's neural voice, listening, transfer."""

from __future__ import annotations

from aiohttp import web
from twilio.twiml.voice_response import Gather, VoiceResponse

from channels.phone_texts import text
from privacy.phones import dialable
from texts import Language

GATHER_TIMEOUT_S = 6
VOICES: dict[Language, tuple[str, str]] = {
    "fi": ("Polly.Suvi-Neural", "fi-FI"),
    "sv": ("Polly.Elin-Neural", "sv-SE"),
    "en": ("Polly.Amy-Neural", "en-GB"),
}


def say(target: VoiceResponse | Gather, words: str, lang: Language) -> None:
    voice, language = VOICES[lang]
    target.say(words, voice=voice, language=language)


def gather(lang: Language, action: str, *, speech: bool = True) -> Gather:
    return Gather(
        input="speech dtmf" if speech else "dtmf",
        action=action,
        method="POST",
        language=VOICES[lang][1],
        timeout=GATHER_TIMEOUT_S,
        speech_timeout="auto",
        num_digits=1,
        action_on_empty_result=False,
    )


def listen(response: VoiceResponse, lang: Language, prompt: str, *, step: str = "turn") -> None:
    """Says `prompt` (interruptible) and waits for the caller; silence goes to /silence."""
    listening = gather(lang, "/twilio/voice/turn" if step == "turn" else f"/twilio/voice/{step}")
    say(listening, prompt, lang)
    response.append(listening)
    response.redirect(f"/twilio/voice/silence?step={step}", method="POST")


def language_menu() -> VoiceResponse:
    """The greeting in each language, waiting for a key or a language's name."""
    response = VoiceResponse()
    choosing = gather("fi", "/twilio/voice/language")
    for lang in VOICES:
        say(choosing, text("greeting", lang), lang)
    response.append(choosing)
    response.redirect("/twilio/voice/silence?step=language", method="POST")
    return response


def transfer(response: VoiceResponse, lang: Language, helpline: str) -> VoiceResponse:
    say(response, text("transfer", lang), lang)
    response.dial(dialable(helpline))
    return response


def xml(response: VoiceResponse) -> web.Response:
    return web.Response(text=str(response), content_type="application/xml")
