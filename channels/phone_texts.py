"""What the SMS and phone channels themselves say, in Finnish, Swedish and English.

The dialogue's own answers come from Rasa; these are only the channel's frame around them:
the keywords' confirmations, numbered choices, the voice menu and its fallbacks.
"""

from __future__ import annotations

from texts import Language

TEXTS: dict[str, dict[Language, str]] = {
    # --- SMS keywords -------------------------------------------------------------------
    "stopped": {
        "fi": "Apuri ei lähetä sinulle enää viestejä. Voit aloittaa uudelleen vastaamalla ALOITA.",
        "sv": "Apuri skickar inga fler meddelanden till dig. Svara START för att börja igen.",
        "en": "Apuri will send you no more messages. Reply START to start again.",
    },
    "started": {
        "fi": "Tervetuloa takaisin Apuriin! Kysy Helsingin kaupungin palveluista. Ohjeet: APUA.",
        "sv": "Välkommen tillbaka till Apuri! Fråga om Helsingfors stads tjänster. Hjälp: HJÄLP.",
        "en": "Welcome back to Apuri! Ask about City of Helsinki services. Help: HELP.",
    },
    "help": {
        "fi": (
            "Apuri vastaa kysymyksiin Helsingin kaupungin palveluista ja varaa tiloja. "
            "Kirjoita kysymyksesi omin sanoin. Ihmisen tavoitat Helsinki-infosta {phone}. "
            "Lopeta viestit: LOPETA."
        ),
        "sv": (
            "Apuri svarar på frågor om Helsingfors stads tjänster och bokar lokaler. "
            "Skriv din fråga med egna ord. En människa når du på Helsingfors-info {phone}. "
            "Avsluta meddelanden: STOPP."
        ),
        "en": (
            "Apuri answers questions about City of Helsinki services and books facilities. "
            "Write your question in your own words. A person answers at Helsinki-info "
            "{phone}. Stop messages: STOP."
        ),
    },
    "slow_down": {
        "fi": "Sait juuri monta viestiä. Odota hetki ja lähetä sitten kysymyksesi uudelleen.",
        "sv": "Du har skickat många meddelanden. Vänta en stund och skicka frågan igen.",
        "en": "You have sent many messages. Please wait a moment, then send your question again.",
    },
    "reply_choice": {
        "fi": "Vastaa {numbers}.",
        "sv": "Svara {numbers}.",
        "en": "Reply {numbers}.",
    },
    "or": {"fi": "tai", "sv": "eller", "en": "or"},
    "more": {
        "fi": " Koko vastaus: {url}",
        "sv": " Hela svaret: {url}",
        "en": " Full answer: {url}",
    },
    # --- voice --------------------------------------------------------------------------
    "greeting": {
        "fi": "Hei, tämä on Helsingin kaupungin Apuri. Suomeksi, paina 1 tai sano suomi.",
        "sv": "På svenska, tryck 2 eller säg svenska.",
        "en": "For English, press 3 or say English.",
    },
    "how_can_i_help": {
        "fi": (
            "Miten voin auttaa? Voit kysyä kaupungin palveluista tai varata tilan. "
            "Ihmiselle pääset painamalla nolla."
        ),
        "sv": (
            "Hur kan jag hjälpa? Du kan fråga om stadens tjänster eller boka en lokal. "
            "Till en människa kommer du genom att trycka noll."
        ),
        "en": (
            "How can I help? You can ask about city services or book a facility. "
            "To talk to a person, press zero."
        ),
    },
    "choices": {
        "fi": "Valitse: {items}. Sano vaihtoehto tai paina sen numero.",
        "sv": "Välj: {items}. Säg ditt val eller tryck dess nummer.",
        "en": "Choose: {items}. Say your choice or press its number.",
    },
    "press": {"fi": "{n}, {title}", "sv": "{n}, {title}", "en": "{n}, {title}"},
    "offer_text": {
        "fi": "Saat tämän tekstiviestinä painamalla {digit}.",
        "sv": "Du får detta som textmeddelande genom att trycka {digit}.",
        "en": "To get this as a text message, press {digit}.",
    },
    "link_in_text": {
        "fi": "linkki on tekstiviestissä",
        "sv": "länken finns i textmeddelandet",
        "en": "the link is in the text message",
    },
    "number_ending": {
        "fi": "numeroosi, joka päättyy {digits}",
        "sv": "ditt nummer som slutar på {digits}",
        "en": "your number ending in {digits}",
    },
    "text_sent": {
        "fi": "Lähetin vastauksen tekstiviestinä. Voinko auttaa vielä jossain?",
        "sv": "Jag skickade svaret som textmeddelande. Kan jag hjälpa med något annat?",
        "en": "I have sent the answer as a text message. Can I help with anything else?",
    },
    "no_text": {
        "fi": "Tähän numeroon en voi lähettää tekstiviestiä.",
        "sv": "Jag kan inte skicka textmeddelanden till det här numret.",
        "en": "I cannot send a text message to this number.",
    },
    "text_invitation": {
        "fi": (
            "Hei, tämä on Apuri. Voit kysyä Helsingin kaupungin palveluista vastaamalla "
            "tähän viestiin."
        ),
        "sv": (
            "Hej, det här är Apuri. Du kan fråga om Helsingfors stads tjänster genom att "
            "svara på detta meddelande."
        ),
        "en": (
            "Hello, this is Apuri. You can ask about City of Helsinki services by replying "
            "to this message."
        ),
    },
    "silence_1": {
        "fi": "En kuullut mitään. Voitko sanoa asiasi uudelleen?",
        "sv": "Jag hörde ingenting. Kan du säga det igen?",
        "en": "I did not hear anything. Could you say that again?",
    },
    "silence_2": {
        "fi": (
            "En vieläkään kuullut. Paina 1, niin lähetän sinulle tekstiviestin, johon voit "
            "vastata kirjoittamalla, tai paina nolla, niin yhdistän sinut ihmiselle."
        ),
        "sv": (
            "Jag hör fortfarande ingenting. Tryck 1 så skickar jag ett textmeddelande som du "
            "kan svara på, eller tryck noll så kopplar jag dig till en människa."
        ),
        "en": (
            "I still cannot hear you. Press 1 and I will send you a text message you can "
            "reply to, or press zero to talk to a person."
        ),
    },
    "goodbye": {
        "fi": "Kiitos soitosta. Näkemiin!",
        "sv": "Tack för samtalet. Hej då!",
        "en": "Thank you for calling. Goodbye!",
    },
    "transfer": {
        "fi": "Yhdistän sinut Helsinki-infoon. Hetkinen.",
        "sv": "Jag kopplar dig till Helsingfors-info. Ett ögonblick.",
        "en": "I am connecting you to Helsinki-info. One moment.",
    },
}


def text(key: str, lang: Language, **values: str) -> str:
    """The channel text `key` in `lang`, with `values` filled in."""
    return TEXTS[key][lang].format(**values)


def numbers_list(count: int, lang: Language) -> str:
    """ "1, 2 tai 3" for `count` choices."""
    numbers = [str(n) for n in range(1, count + 1)]
    if len(numbers) == 1:
        return numbers[0]
    return f"{', '.join(numbers[:-1])} {TEXTS['or'][lang]} {numbers[-1]}"
