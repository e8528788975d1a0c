"""What the web chat channel itself says when it cannot pass a message on, per language.

The dialogue's own words come from Rasa; these are only the channel's error frames. None of
them repeats what the resident wrote.
"""

from __future__ import annotations

from texts import Language

ERROR_TEXTS: dict[str, dict[Language, str]] = {
    "invalid_request": {
        "fi": "Viestiä ei voitu lukea. Lataa sivu uudelleen ja yritä uudestaan.",
        "sv": "Meddelandet kunde inte läsas. Ladda om sidan och försök igen.",
        "en": "The message could not be read. Please reload the page and try again.",
    },
    "unknown_type": {
        "fi": "Tätä viestin tyyppiä ei tunneta. Lataa sivu uudelleen.",
        "sv": "Den här typen av meddelande är okänd. Ladda om sidan.",
        "en": "This kind of message is not known. Please reload the page.",
    },
    "invalid_message": {
        "fi": "Viestiä ei voitu käsitellä: se oli tyhjä tai liian pitkä. "
        "Kirjoita enintään {max_chars} merkkiä.",
        "sv": "Meddelandet kunde inte behandlas: det var tomt eller för långt. "
        "Skriv högst {max_chars} tecken.",
        "en": "The message could not be handled: it was empty or too long. "
        "Please write at most {max_chars} characters.",
    },
    "rate_limited": {
        "fi": "Liian monta viestiä lyhyessä ajassa. Odota hetki ennen kuin jatkat.",
        "sv": "För många meddelanden på kort tid. Vänta en stund innan du fortsätter.",
        "en": "Too many messages in a short time. Please wait a moment before going on.",
    },
    "internal_error": {
        "fi": "Pahoittelut, jokin meni vikaan. Yritä hetken kuluttua uudelleen.",
        "sv": "Tyvärr gick något fel. Försök igen om en stund.",
        "en": "Sorry, something went wrong. Please try again in a moment.",
    },
}


def error_text(code: str, lang: Language, *, max_chars: int) -> str:
    """The channel's own error text for `code` in `lang`."""
    texts = ERROR_TEXTS.get(code, ERROR_TEXTS["internal_error"])
    return texts[lang].format(max_chars=max_chars)
