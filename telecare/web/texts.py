"""What the telecare pages say, in Finnish, Swedish and English."""

from __future__ import annotations

from typing import Final

LANGS: Final = ("fi", "sv", "en")

TEXTS: Final[dict[str, dict[str, str]]] = {
    "call_title": {
        "fi": "Videopuhelu kotihoitajan kanssa",
        "sv": "Videosamtal med hemvårdens skötare",
        "en": "Video call with your home-care nurse",
    },
    "call_intro": {
        "fi": "Paina vihreää painiketta. Hoitaja tulee puheluun pian.",
        "sv": "Tryck på den gröna knappen. Skötaren kommer snart med i samtalet.",
        "en": "Press the green button. The nurse will join the call soon.",
    },
    "join": {"fi": "Liity puheluun", "sv": "Gå med i samtalet", "en": "Join the call"},
    "mute": {"fi": "Mikrofoni pois", "sv": "Mikrofonen av", "en": "Mute"},
    "unmute": {"fi": "Mikrofoni päälle", "sv": "Mikrofonen på", "en": "Unmute"},
    "camera_off": {"fi": "Kamera pois", "sv": "Kameran av", "en": "Camera off"},
    "camera_on": {"fi": "Kamera päälle", "sv": "Kameran på", "en": "Camera on"},
    "hang_up": {"fi": "Lopeta puhelu", "sv": "Avsluta samtalet", "en": "End the call"},
    "test_first": {
        "fi": "Kokeile kameraa ja mikrofonia ensin",
        "sv": "Testa kameran och mikrofonen först",
        "en": "Test your camera and microphone first",
    },
    "waiting": {
        "fi": "Odotetaan hoitajaa…",
        "sv": "Väntar på skötaren…",
        "en": "Waiting for the nurse…",
    },
    "waiting_client": {
        "fi": "Odotetaan asiakasta…",
        "sv": "Väntar på klienten…",
        "en": "Waiting for the client…",
    },
    "connecting": {"fi": "Yhdistetään…", "sv": "Ansluter…", "en": "Connecting…"},
    "connected": {"fi": "Puhelu on käynnissä", "sv": "Samtalet pågår", "en": "You are connected"},
    "reconnecting": {
        "fi": "Yhteys katkesi, yhdistetään uudelleen…",
        "sv": "Förbindelsen bröts, ansluter igen…",
        "en": "Connection lost, reconnecting…",
    },
    "audio_only": {
        "fi": "Yhteys on hidas: vain ääni on käytössä.",
        "sv": "Förbindelsen är långsam: bara ljud används.",
        "en": "The connection is slow: audio only.",
    },
    "ended": {
        "fi": "Puhelu päättyi. Kiitos!",
        "sv": "Samtalet har avslutats. Tack!",
        "en": "The call has ended. Thank you!",
    },
    "refused": {
        "fi": "Puheluun ei voi liittyä tällä linkillä. Pyydä uusi linkki.",
        "sv": "Du kan inte gå med i samtalet med den här länken. Be om en ny länk.",
        "en": "This link cannot join the call. Please ask for a new link.",
    },
    "no_camera": {
        "fi": "Kameraa tai mikrofonia ei saatu käyttöön. Salli ne selaimen asetuksista.",
        "sv": "Kameran eller mikrofonen kunde inte användas. "
        "Tillåt dem i webbläsarens inställningar.",
        "en": "The camera or microphone could not be used. Allow them in the browser settings.",
    },
    "you": {"fi": "Sinä", "sv": "Du", "en": "You"},
    "nurse": {"fi": "Hoitaja", "sv": "Skötaren", "en": "Nurse"},
    "client": {"fi": "Asiakas", "sv": "Klienten", "en": "Client"},
    "precall_title": {
        "fi": "Laitteiden testi ennen puhelua",
        "sv": "Test av utrustningen före samtalet",
        "en": "Check your device before the call",
    },
    "precall_intro": {
        "fi": "Testi kokeilee kameran, mikrofonin ja verkkoyhteyden. Se kestää noin 10 sekuntia.",
        "sv": "Testet prövar kameran, mikrofonen och nätverket. Det tar ungefär 10 sekunder.",
        "en": "The test checks your camera, microphone and network. It takes about 10 seconds.",
    },
    "precall_start": {"fi": "Aloita testi", "sv": "Starta testet", "en": "Start the test"},
    "camera": {"fi": "Kamera", "sv": "Kamera", "en": "Camera"},
    "microphone": {"fi": "Mikrofoni", "sv": "Mikrofon", "en": "Microphone"},
    "network": {"fi": "Verkkoyhteys", "sv": "Nätverk", "en": "Network"},
    "ok": {"fi": "Toimii", "sv": "Fungerar", "en": "Works"},
    "fail": {"fi": "Ei toimi", "sv": "Fungerar inte", "en": "Does not work"},
    "pending": {"fi": "Ei testattu", "sv": "Inte testat", "en": "Not tested"},
    "echo_label": {
        "fi": "Näin kuva kulkee palvelimen kautta takaisin",
        "sv": "Så här kommer bilden tillbaka via servern",
        "en": "Your picture, sent back by the server",
    },
    "busy": {
        "fi": "Testi on nyt varattu. Yritä hetken päästä uudelleen.",
        "sv": "Testet är upptaget. Försök igen om en stund.",
        "en": "The test is busy. Please try again in a moment.",
    },
    "back_to_call": {
        "fi": "Takaisin puheluun",
        "sv": "Tillbaka till samtalet",
        "en": "Back to the call",
    },
    # The nurse console.
    "console_title": {
        "fi": "Kotihoidon etävastaanotto",
        "sv": "Hemvårdens distansmottagning",
        "en": "Home-care telecare console",
    },
    "sign_in": {"fi": "Kirjaudu sisään", "sv": "Logga in", "en": "Sign in"},
    "sign_out": {"fi": "Kirjaudu ulos", "sv": "Logga ut", "en": "Sign out"},
    "username": {"fi": "Käyttäjätunnus", "sv": "Användarnamn", "en": "User name"},
    "password": {"fi": "Salasana", "sv": "Lösenord", "en": "Password"},
    "bad_login": {
        "fi": "Käyttäjätunnus tai salasana on väärin.",
        "sv": "Fel användarnamn eller lösenord.",
        "en": "Wrong user name or password.",
    },
    "too_many_logins": {
        "fi": "Liian monta epäonnistunutta kirjautumista. Yritä uudelleen 15 minuutin kuluttua.",
        "sv": "För många misslyckade inloggningar. Försök igen om 15 minuter.",
        "en": "Too many failed sign-ins. Try again in 15 minutes.",
    },
    "queue": {"fi": "Jono", "sv": "Kö", "en": "Queue"},
    "queue_empty": {"fi": "Kukaan ei odota.", "sv": "Ingen väntar.", "en": "Nobody is waiting."},
    "accept_next": {
        "fi": "Ota seuraava puhelu",
        "sv": "Ta nästa samtal",
        "en": "Accept the next call",
    },
    "waited": {"fi": "Odottanut", "sv": "Väntat", "en": "Waiting"},
    "language": {"fi": "Kieli", "sv": "Språk", "en": "Language"},
    "reason": {"fi": "Syy", "sv": "Orsak", "en": "Reason"},
    "urgency": {"fi": "Kiireellisyys", "sv": "Brådska", "en": "Urgency"},
    "urgent": {"fi": "Kiireellinen", "sv": "Brådskande", "en": "Urgent"},
    "soon": {"fi": "Pian", "sv": "Snart", "en": "Soon"},
    "normal": {"fi": "Tavallinen", "sv": "Normal", "en": "Normal"},
    "channel": {"fi": "Kanava", "sv": "Kanal", "en": "Channel"},
    "my_calls": {"fi": "Omat avoimet puhelut", "sv": "Mina öppna samtal", "en": "My open calls"},
    "open_call": {"fi": "Avaa puhelu", "sv": "Öppna samtalet", "en": "Open the call"},
    "today": {
        "fi": "Tämän päivän videokäynnit",
        "sv": "Dagens videobesök",
        "en": "Today's video visits",
    },
    "no_visits": {"fi": "Ei käyntejä tänään.", "sv": "Inga besök i dag.", "en": "No visits today."},
    "missed": {"fi": "Väliin jäänyt", "sv": "Missat", "en": "Missed"},
    "schedule": {
        "fi": "Varaa videokäynti",
        "sv": "Boka ett videobesök",
        "en": "Book a video visit",
    },
    "client_label": {
        "fi": "Asiakas (nimikirjaimet tai asiakasnumero)",
        "sv": "Klient (initialer eller klientnummer)",
        "en": "Client (initials or client number)",
    },
    "client_phone": {
        "fi": "Asiakkaan matkapuhelin",
        "sv": "Klientens mobilnummer",
        "en": "Client's mobile number",
    },
    "carer_phone": {
        "fi": "Omaisen matkapuhelin",
        "sv": "Anhörigs mobilnummer",
        "en": "Carer's mobile number",
    },
    "carer_consent": {
        "fi": "Asiakas on suostunut, että omainen saa muistutuksen",
        "sv": "Klienten har samtyckt till att den anhöriga får påminnelsen",
        "en": "The client agreed that the carer gets the reminder",
    },
    "starts_at": {"fi": "Alkaa", "sv": "Börjar", "en": "Starts"},
    "minutes": {"fi": "Kesto (min)", "sv": "Längd (min)", "en": "Length (min)"},
    "book": {
        "fi": "Varaa ja lähetä muistutus",
        "sv": "Boka och skicka påminnelse",
        "en": "Book and send a reminder",
    },
    "booked": {"fi": "Käynti varattu.", "sv": "Besöket är bokat.", "en": "The visit is booked."},
    "bad_visit": {
        "fi": "Tarkista käynnin tiedot.",
        "sv": "Kontrollera besökets uppgifter.",
        "en": "Check the visit's details.",
    },
    "note_title": {"fi": "Käyntikirjaus", "sv": "Besöksanteckning", "en": "Visit note"},
    "outcome": {"fi": "Lopputulos", "sv": "Resultat", "en": "Outcome"},
    "resolved": {"fi": "Asia hoidettu", "sv": "Ärendet är klart", "en": "Resolved"},
    "visit_needed": {
        "fi": "Kotikäynti tarvitaan",
        "sv": "Hembesök behövs",
        "en": "Home visit needed",
    },
    "follow_up": {"fi": "Uusi yhteydenotto", "sv": "Ny kontakt", "en": "Follow-up call"},
    "no_answer": {
        "fi": "Asiakas ei vastannut",
        "sv": "Klienten svarade inte",
        "en": "Client did not answer",
    },
    "other": {"fi": "Muu", "sv": "Annat", "en": "Other"},
    "note": {"fi": "Kirjaus", "sv": "Anteckning", "en": "Note"},
    "save_note": {"fi": "Tallenna ja sulje", "sv": "Spara och stäng", "en": "Save and close"},
    "summary": {
        "fi": "Keskustelun yhteenveto",
        "sv": "Sammanfattning av samtalet",
        "en": "Conversation summary",
    },
    "precall_link": {"fi": "Laitetesti", "sv": "Utrustningstest", "en": "Device check"},
    "live": {"fi": "Päivittyy", "sv": "Uppdateras", "en": "Live"},
    "offline": {
        "fi": "Ei yhteyttä – yritetään uudelleen",
        "sv": "Ingen förbindelse – försöker igen",
        "en": "Offline – retrying",
    },
}


def text(key: str, lang: str) -> str:
    entry = TEXTS[key]
    return entry.get(lang, entry["fi"])


def pick_lang(query: str | None, accept_language: str | None, default: str = "fi") -> str:
    """?lang= first, then the browser's Accept-Language, then the default."""
    if query in LANGS:
        return query
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return code
    return default
