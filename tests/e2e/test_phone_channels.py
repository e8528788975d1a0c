"""SMS and phone calls through the real stack, as Twilio delivers them: a service question
and a facility booking by text message and by voice, in Finnish, Swedish and English.

Each request is signed with the stack's Twilio auth token over its public URL, exactly as
Twilio signs it; what comes back is the TwiML Twilio would act on. The replies are read
as a resident would receive them: the text message's body, the words the voice speaks.
"""

from __future__ import annotations

import itertools
import re
import uuid
from html import unescape

import pytest

from channels.gsm import segments
from tests.e2e.codes import code_sent_to
from tests.e2e.conftest import Stack, open_weekday, twilio_post

pytestmark = pytest.mark.e2e

_numbers = itertools.count(1)


twilio = twilio_post


class Texter:
    """A resident with a mobile phone, texting Apuri."""

    def __init__(self, stack: Stack, phone: str) -> None:
        self.stack, self.phone = stack, phone

    def send(self, body: str) -> str:
        twiml = twilio(
            self.stack,
            "/twilio/sms",
            {"MessageSid": f"SM{uuid.uuid4().hex}", "From": self.phone, "Body": body},
        )
        found = re.search(r"<Message>(.*)</Message>", twiml, re.DOTALL)
        assert found, f"no text message in {twiml}"
        received = unescape(found.group(1))
        assert segments(received) <= 3, received
        return received


class Caller:
    """A resident calling Apuri: picks a language, then speaks."""

    def __init__(self, stack: Stack, phone: str, key: str) -> None:
        self.stack, self.phone = stack, phone
        self.sid = f"CA{uuid.uuid4().hex}"
        greeting = self.post("/twilio/voice", {})
        assert "Polly.Suvi-Neural" in greeting
        self.post("/twilio/voice/language", {"Digits": key})

    def post(self, path: str, extra: dict[str, str]) -> str:
        return twilio(self.stack, path, {"CallSid": self.sid, "From": self.phone, **extra})

    def say(self, words: str) -> str:
        """What Apuri says back: the words of the TwiML's <Say> elements."""
        twiml = self.post("/twilio/voice/turn", {"SpeechResult": words, "Confidence": "0.9"})
        assert "<Gather" in twiml, twiml
        return " ".join(unescape(s) for s in re.findall(r"<Say[^>]*>(.*?)</Say>", twiml, re.S))


def new_phone() -> str:
    return f"+3584012{next(_numbers):05d}"


# --- service questions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expect", "reply_hint"),
    [
        ("mistä voin ostaa asukaspysäköintitunnuksen?", "pysäköintitun", "Vastaa 1, 2 tai 3."),
        ("var kan jag köpa boendeparkeringstillstånd?", "parkering", "Svara 1, 2 eller 3."),
        ("where can I buy a resident parking permit?", "parking", "Reply 1, 2 or 3."),
    ],
)
def test_a_service_question_by_text_message(
    stack: Stack, question: str, expect: str, reply_hint: str
) -> None:
    resident = Texter(stack, new_phone())
    answer = resident.send(question)
    assert expect in answer.lower(), answer
    assert answer.endswith(reply_hint), answer
    more = resident.send("1")  # the first numbered choice: more about the service
    assert more and more != answer


@pytest.mark.parametrize(
    ("key", "question", "expect"),
    [
        ("1", "mistä voin ostaa asukaspysäköintitunnuksen", "pysäköintitun"),
        ("2", "var kan jag köpa boendeparkeringstillstånd", "parkering"),
        ("3", "where can I buy a resident parking permit", "parking"),
    ],
)
def test_a_service_question_by_phone(stack: Stack, key: str, question: str, expect: str) -> None:
    caller = Caller(stack, new_phone(), key)
    spoken = caller.say(question)
    assert expect in spoken.lower(), spoken
    assert "http" not in spoken, "links are never read out"
    assert re.search(r"\b1, ", spoken), spoken  # the choices are read with their numbers


def test_a_caller_asking_for_a_person_is_transferred(stack: Stack) -> None:
    caller = Caller(stack, new_phone(), "1")
    twiml = caller.post("/twilio/voice/turn", {"SpeechResult": "haluan puhua ihmisen kanssa"})
    assert "<Dial>+358931011111</Dial>" in twiml, twiml


# --- bookings -------------------------------------------------------------------------------


def test_a_booking_by_text_message_in_finnish(stack: Stack) -> None:
    day = open_weekday(6)
    # The sender's own number, which Twilio verified: no code is needed.
    resident = Texter(stack, "+358402223344")
    first = resident.send(
        f"haluan varata Kallion kirjaston kokoushuoneen {day.day}.{day.month}. klo 10 tunniksi"
    )
    assert first.startswith("Mihin matkapuhelinnumeroon"), first
    summary = resident.send("040 222 3344")
    assert summary.startswith("Varataanko Kallion kirjasto, Kokoushuone"), summary
    assert "1) " in summary, "yes and no are numbered choices"
    booked = resident.send("1")
    assert booked.startswith("Varaus on tehty: Kallion kirjasto, Kokoushuone"), booked


def test_a_booking_by_text_message_in_swedish(stack: Stack) -> None:
    day = open_weekday(7)
    resident = Texter(stack, "+358407651111")
    summary = resident.send(
        f"jag vill boka mötesrummet i Berghälls bibliotek den {day.day}.{day.month} kl 12 "
        "i en timme, mitt nummer är 040 765 1111"
    )
    assert summary.startswith("Ska jag boka Berghälls bibliotek, Mötesrum"), summary
    booked = resident.send("ja")
    assert booked.startswith("Bokningen är gjord: Berghälls bibliotek, Mötesrum"), booked


def test_a_booking_by_text_message_in_english(stack: Stack) -> None:
    day = open_weekday(8)
    resident = Texter(stack, new_phone())
    first = resident.send(
        f"I'd like to book group room 1 at Oodi on {day:%B} {day.day} at 3 pm for an hour"
    )
    assert first.startswith("Which mobile number"), first
    # Another number than the sender's is proved by a code texted to it.
    asked = resident.send("+358 40 111 4455")
    assert asked.startswith("I sent a 6-digit code by text message to the number ending 55"), asked
    summary = resident.send(code_sent_to(stack, "+358401114455"))
    assert summary.startswith("Shall I book Helsinki Central Library Oodi, Group room 1"), summary
    assert resident.send("yes").startswith("Your booking is made")


@pytest.mark.parametrize(
    ("key", "days", "words", "phone", "summary", "yes", "booked"),
    [
        ("1", 9, "haluan varata Talin jalkapallohallin kentän {d}. {month_fi} kello 19 tunniksi",
         "040 123 4001", "Varataanko Talin jalkapallohalli", "kyllä",
         "Varaus on tehty"),
        ("2", 10, "jag vill boka Ladugårdens idrottshall den {d} {month_sv} klockan 18 "
         "i en timme", "040 123 4002", "Ska jag boka Ladugårdens idrottshall", "ja",
         "Bokningen är gjord"),
        ("3", 11, "I want to book the Maunula sports hall on {month_en} {d} at 6 pm for an hour",
         "040 123 4003", "Shall I book Maunula sports hall", "yes", "Your booking is made"),
    ],
)  # fmt: skip
def test_a_booking_by_phone(
    stack: Stack,
    key: str,
    days: int,
    words: str,
    phone: str,
    summary: str,
    yes: str,
    booked: str,
) -> None:
    day = open_weekday(days)
    months = {
        "month_fi": ["tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta",
                     "kesäkuuta", "heinäkuuta", "elokuuta", "syyskuuta", "lokakuuta",
                     "marraskuuta", "joulukuuta"][day.month - 1],
        "month_sv": ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                     "september", "oktober", "november", "december"][day.month - 1],
        "month_en": f"{day:%B}",
    }  # fmt: skip
    # Calling from the number the confirmation goes to (Twilio verified it): no code.
    caller = Caller(stack, "+358" + phone[1:].replace(" ", ""), key)
    asked = caller.say(words.format(d=day.day, **months))
    read_back = caller.say(phone)  # asked for the mobile number for the confirmation
    assert summary in read_back, (asked, read_back)
    assert booked in caller.say(yes)
