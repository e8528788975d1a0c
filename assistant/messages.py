"""What the gateway itself says to a resident when the dialogue engine cannot answer."""

from __future__ import annotations

from texts import Language

MESSAGES: dict[str, dict[Language, str]] = {
    "unavailable": {
        "fi": (
            "Apuri käynnistyy juuri uudelleen, eikä viestiäsi käsitelty. "
            "Lähetä se hetken kuluttua uudestaan. Kiireellisissä asioissa soita "
            "Helsinki-infoon {phone}."
        ),
        "sv": (
            "Apuri startar om just nu och ditt meddelande behandlades inte. "
            "Skicka det igen om en stund. I brådskande ärenden ring "
            "Helsingfors-info {phone}."
        ),
        "en": (
            "Apuri is restarting and your message was not processed. "
            "Please send it again in a moment. For urgent matters call "
            "Helsinki-info {phone}."
        ),
    },
    "failed": {
        "fi": (
            "Pahoittelut, viestisi käsittelyssä tapahtui virhe. Kokeile uudelleen "
            "tai soita Helsinki-infoon {phone}."
        ),
        "sv": (
            "Tyvärr uppstod ett fel när ditt meddelande behandlades. Försök igen "
            "eller ring Helsingfors-info {phone}."
        ),
        "en": (
            "Sorry, something went wrong while handling your message. Please try "
            "again or call Helsinki-info {phone}."
        ),
    },
    "no_answer": {
        "fi": (
            "En valitettavasti osaa vastata tähän juuri nyt. Voit kysyä toisin "
            "sanoin tai soittaa Helsinki-infoon {phone}."
        ),
        "sv": (
            "Tyvärr kan jag inte svara på det just nu. Du kan fråga på ett annat "
            "sätt eller ringa Helsingfors-info {phone}."
        ),
        "en": (
            "Sorry, I cannot answer that right now. You can ask in other words "
            "or call Helsinki-info {phone}."
        ),
    },
}


def message(key: str, lang: Language, phone: str) -> str:
    """The gateway's own message `key` in `lang`."""
    return MESSAGES[key][lang].format(phone=phone)
