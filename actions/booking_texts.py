"""What the booking dialogue says, in Finnish, Swedish and English.

Plain sentences (they are also sent as SMS and read aloud on the phone), hyphens, no
markdown. Dynamic parts (places, times, prices) are filled in by `actions.booking`.
"""

from __future__ import annotations

from texts import Language

TEXTS: dict[str, dict[Language, str]] = {
    "ask_date": {
        "fi": "Minä päivänä? Esimerkiksi 'huomenna' tai 'ensi tiistaina'.",
        "sv": "Vilken dag? Till exempel 'i morgon' eller 'nästa tisdag'.",
        "en": "Which day? For example 'tomorrow' or 'next Tuesday'.",
    },
    "ask_time": {
        "fi": "Mihin aikaan? Esimerkiksi 'klo 18'.",
        "sv": "Vilken tid? Till exempel 'kl 18'.",
        "en": "At what time? For example '6 pm'.",
    },
    "ask_phone": {
        "fi": "Mihin matkapuhelinnumeroon lähetän vahvistuksen? Numerolla voit myös perua "
        "tai siirtää varauksen.",
        "sv": "Till vilket mobilnummer ska jag skicka bekräftelsen? Med numret kan du också "
        "avboka eller flytta bokningen.",
        "en": "Which mobile number should I send the confirmation to? With it you can also "
        "cancel or move the booking.",
    },
    "ask_code": {
        "fi": "Lähetin 6-numeroisen koodin tekstiviestinä numeroon, joka päättyy {last}. "
        "Kirjoita koodi tähän. Näin varmistan, että numero on sinun.",
        "sv": "Jag skickade en sexsiffrig kod i ett sms till numret som slutar på {last}. "
        "Skriv koden här. Så vet jag att numret är ditt.",
        "en": "I sent a 6-digit code by text message to the number ending {last}. "
        "Type the code here. That way I know the number is yours.",
    },
    "code_format": {
        "fi": "Koodissa on 6 numeroa, esimerkiksi 123456.",
        "sv": "Koden har 6 siffror, till exempel 123456.",
        "en": "The code has 6 digits, for example 123456.",
    },
    "code_wrong": {
        "fi": "Koodi ei ole oikein. Yrityksiä on jäljellä {left}.",
        "sv": "Koden stämmer inte. Du har {left} försök kvar.",
        "en": "That code is not right. You have {left} tries left.",
    },
    "code_expired": {
        "fi": "Koodi ei ole enää voimassa. Mihin numeroon lähetän uuden koodin?",
        "sv": "Koden gäller inte längre. Till vilket nummer ska jag skicka en ny kod?",
        "en": "That code is no longer valid. Which number should I send a new code to?",
    },
    "code_locked": {
        "fi": "Koodi kirjoitettiin väärin liian monta kertaa. Mihin numeroon lähetän uuden koodin?",
        "sv": "Koden skrevs fel för många gånger. Till vilket nummer ska jag skicka en ny kod?",
        "en": "The code was typed wrong too many times. Which number should I send a new code to?",
    },
    "code_rate_limited": {
        "fi": "Tähän numeroon on lähetetty juuri useita koodeja. Yritä hetken päästä uudelleen.",
        "sv": "Flera koder har nyss skickats till det här numret. Försök igen om en stund.",
        "en": "Several codes were just sent to this number. Please try again in a while.",
    },
    "verify_needed": {
        "fi": "Varmistan ensin, että puhelinnumero on sinun. Mikä on matkapuhelinnumerosi?",
        "sv": "Jag kontrollerar först att telefonnumret är ditt. Vilket är ditt mobilnummer?",
        "en": "First I need to check that the phone number is yours. What is your mobile number?",
    },
    "which_space": {
        "fi": "Mitä tilaa haluat varata? Voit kirjoittaa paikan nimen, esimerkiksi "
        "'Liikuntamylly' tai 'Oodin ryhmätila', tai valita tilatyypin.",
        "sv": "Vilken lokal vill du boka? Du kan skriva platsens namn, till exempel "
        "'Motionsmyllan' eller 'Odes grupprum', eller välja typ av lokal.",
        "en": "Which space would you like to book? You can write the place, for example "
        "'Liikuntamylly' or 'the group room at Oodi', or choose a kind of space.",
    },
    "which_of": {
        "fi": "Mikä näistä sopii?",
        "sv": "Vilken av de här passar?",
        "en": "Which of these suits you?",
    },
    "how_long": {
        "fi": "Kuinka pitkäksi aikaa? Tilan voi varata {min}-{max} minuutiksi.",
        "sv": "Hur länge? Lokalen kan bokas för {min}-{max} minuter.",
        "en": "For how long? The space can be booked for {min}-{max} minutes.",
    },
    "bad_phone": {
        "fi": "Tarvitsen matkapuhelinnumeron vahvistusviestiä varten, esimerkiksi 040 123 4567.",
        "sv": "Jag behöver ett mobilnummer för bekräftelsen, till exempel 040 123 4567.",
        "en": "I need a mobile number for the confirmation, for example 040 123 4567.",
    },
    "past_date": {
        "fi": "Se päivä on jo mennyt. Minä päivänä haluat varata?",
        "sv": "Den dagen har redan varit. Vilken dag vill du boka?",
        "en": "That day has already passed. Which day would you like?",
    },
    "summary": {
        "fi": "Varataanko {place}, {when}? {price} Vahvistus lähetetään tekstiviestinä "
        "numeroon {phone}.",
        "sv": "Ska jag boka {place}, {when}? {price} Bekräftelsen skickas som sms till {phone}.",
        "en": "Shall I book {place}, {when}? {price} The confirmation is sent by text "
        "message to {phone}.",
    },
    "price": {
        "fi": "Hinta {euros} euroa.",
        "sv": "Pris {euros} euro.",
        "en": "Price {euros} euros.",
    },
    "free": {
        "fi": "Varaus on maksuton.",
        "sv": "Bokningen är avgiftsfri.",
        "en": "The booking is free of charge.",
    },
    "booked": {
        "fi": "Varaus on tehty: {place}, {when}. Varaustunnus {code}. "
        "Lähetimme vahvistuksen tekstiviestinä.",
        "sv": "Bokningen är gjord: {place}, {when}. Bokningskod {code}. "
        "Vi skickade en bekräftelse som sms.",
        "en": "Your booking is made: {place}, {when}. Booking code {code}. "
        "We sent a confirmation by text message.",
    },
    "alternatives": {
        "fi": "Nämä ajat ovat vapaina:",
        "sv": "De här tiderna är lediga:",
        "en": "These times are free:",
    },
    "no_alternatives": {
        "fi": "Kerro toinen aika tai paikka.",
        "sv": "Säg en annan tid eller plats.",
        "en": "Tell me another time or place.",
    },
    "stopped": {
        "fi": "Selvä, varausta ei tehty.",
        "sv": "Okej, ingen bokning gjordes.",
        "en": "All right, no booking was made.",
    },
    "no_bookings": {
        "fi": "Numerollasi ei ole voimassa olevia varauksia.",
        "sv": "Det finns inga aktiva bokningar med ditt nummer.",
        "en": "There are no active bookings under your number.",
    },
    "your_bookings": {
        "fi": "Voimassa olevat varauksesi:",
        "sv": "Dina aktiva bokningar:",
        "en": "Your active bookings:",
    },
    "cancel_which": {
        "fi": "Minkä varauksen haluat perua?",
        "sv": "Vilken bokning vill du avboka?",
        "en": "Which booking would you like to cancel?",
    },
    "cancel_this": {
        "fi": "Perutaanko varaus {place}, {when}?",
        "sv": "Ska bokningen {place}, {when} avbokas?",
        "en": "Shall I cancel the booking {place}, {when}?",
    },
    "cancelled": {
        "fi": "Varaus on peruttu: {place}, {when}. Lähetimme vahvistuksen tekstiviestinä.",
        "sv": "Bokningen är avbokad: {place}, {when}. Vi skickade en bekräftelse som sms.",
        "en": "The booking is cancelled: {place}, {when}. We sent a confirmation by text.",
    },
    "change_how": {
        "fi": "Kerro uusi aika, esimerkiksi 'siirrä varaus huomiselle klo 19'.",
        "sv": "Säg den nya tiden, till exempel 'flytta bokningen till i morgon kl 19'.",
        "en": "Tell me the new time, for example 'move my booking to tomorrow at 7 pm'.",
    },
    "changed": {
        "fi": "Varaus on siirretty: {place}, {when}. Lähetimme vahvistuksen tekstiviestinä.",
        "sv": "Bokningen är flyttad: {place}, {when}. Vi skickade en bekräftelse som sms.",
        "en": "Your booking is moved: {place}, {when}. We sent a confirmation by text.",
    },
    "button_cancel": {"fi": "Peru {code}", "sv": "Avboka {code}", "en": "Cancel {code}"},
    "button_keep": {"fi": "Älä peru", "sv": "Avboka inte", "en": "Keep it"},
    "yes": {"fi": "Kyllä", "sv": "Ja", "en": "Yes"},
    "no": {"fi": "Ei", "sv": "Nej", "en": "No"},
    "unavailable": {
        "fi": "Varausjärjestelmä ei vastaa juuri nyt. Yritä hetken päästä uudelleen.",
        "sv": "Bokningssystemet svarar inte just nu. Försök igen om en stund.",
        "en": "The booking system is not answering right now. Please try again shortly.",
    },
}

KIND_BUTTONS: dict[str, dict[Language, str]] = {
    "sports_hall": {"fi": "Liikuntasali", "sv": "Idrottssal", "en": "Sports hall"},
    "sauna": {"fi": "Sauna", "sv": "Bastu", "en": "Sauna"},
    "meeting_room": {"fi": "Kokoushuone", "sv": "Mötesrum", "en": "Meeting room"},
    "music_studio": {"fi": "Musiikkistudio", "sv": "Musikstudio", "en": "Music studio"},
}

MINUTES: dict[Language, str] = {"fi": "{n} min", "sv": "{n} min", "en": "{n} min"}
HOURS: dict[Language, tuple[str, str]] = {
    "fi": ("1 tunti", "{h} tuntia"),
    "sv": ("1 timme", "{h} timmar"),
    "en": ("1 hour", "{h} hours"),
}


def text(key: str, lang: Language, **values: object) -> str:
    return TEXTS[key][lang].format(**values)


def length_label(minutes: int, lang: Language) -> str:
    """ "1 tunti", "2 tuntia", "1,5 tuntia", "90 min" as a button title."""
    if minutes % 60 == 0:
        one, many = HOURS[lang]
        return one if minutes == 60 else many.format(h=minutes // 60)
    if minutes % 30 == 0 and minutes > 60:
        hours = f"{minutes / 60:.1f}"
        return HOURS[lang][1].format(h=hours if lang == "en" else hours.replace(".", ","))
    return MINUTES[lang].format(n=minutes)


def euros(cents: int, lang: Language) -> str:
    value = f"{cents / 100:.2f}"
    return value if lang == "en" else value.replace(".", ",")
