"""What telecare says to residents by text message, in Finnish, Swedish and English.

Plain sentences under 300 characters, no names: the link carries what the page needs.
"""

from __future__ import annotations

REMINDER = {
    "fi": "Helsingin kotihoito: videokäyntisi hoitajan kanssa alkaa klo {time}. "
    "Avaa linkki tabletilla tai puhelimella: {link}",
    "sv": "Helsingfors hemvård: ditt videobesök med skötaren börjar kl. {time}. "
    "Öppna länken på en surfplatta eller telefon: {link}",
    "en": "Helsinki home care: your video visit with the nurse starts at {time}. "
    "Open the link on a tablet or phone: {link}",
}

JOIN_LINK = {
    "fi": "Helsingin kotihoito: hoitaja soittaa sinulle videopuhelun. Avaa linkki: {link}",
    "sv": "Helsingfors hemvård: skötaren ringer dig ett videosamtal. Öppna länken: {link}",
    "en": "Helsinki home care: the nurse will call you by video. Open the link: {link}",
}


def reminder(lang: str, time: str, link: str) -> str:
    return REMINDER.get(lang, REMINDER["fi"]).format(time=time, link=link)


def join_link(lang: str, link: str) -> str:
    return JOIN_LINK.get(lang, JOIN_LINK["fi"]).format(link=link)
