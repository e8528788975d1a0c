"""The booking dialogue's actions over a real database (SQLite and PostgreSQL), with the
real clock: the form's extraction from natural messages, the read-back, the booking,
alternatives, and my bookings / cancel / move."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from actions import booking as actions
from actions import booking_form as form_actions
from actions import booking_manage as manage_actions
from actions import identity as identity_actions
from actions.booking_slots import FORM_SLOTS
from actions.deps import Dependencies
from assistant.settings import Settings
from booking.engine import BookingEngine, BookingRequest
from booking.rules import is_public_holiday
from privacy.identity import Identities
from store.db import sessions
from store.models import HELSINKI, OutboxMessage
from tests.actions.deps import dependencies
from tests.booking.conftest import SECRET

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
PHONE = "+358401234567"
SENDER = "api-test"


@pytest.fixture
async def ids(redis: Redis) -> Any:
    await redis.flushdb()
    yield Identities(redis, SECRET)
    await redis.flushdb()


@pytest.fixture
async def deps(booking_engine: AsyncEngine, ids: Identities, settings: Settings) -> Dependencies:
    """The actions' dependencies: the test database and the test Redis."""
    engine = BookingEngine(booking_engine, secret=SECRET)
    return dependencies(settings, booking=engine, identities=ids)


@pytest.fixture
async def live(deps: Dependencies, ids: Identities) -> Any:
    """The actions over the test database, in a conversation that has proved PHONE."""
    await ids.prove(SENDER, PHONE, "sms-code")
    return deps.booking


def next_weekday(weekday: int) -> dt.date:
    """The next `weekday` (0 Monday) at least two days away that is not a holiday."""
    day = dt.datetime.now(HELSINKI).date() + dt.timedelta(days=2)
    while day.weekday() != weekday or is_public_holiday(day):
        day += dt.timedelta(days=1)
    return day


def tracker(
    text: str,
    intent: str = "inform",
    lang: str = "fi",
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    loop: str | None = None,
    sender: str = SENDER,
) -> Tracker:
    return Tracker(
        sender_id=sender,
        slots={"language": lang, **(slots or {})},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities or [],
        },
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": loop} if loop else {},
        latest_action_name="action_listen",
    )


async def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, DOMAIN)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return dispatcher.messages, slots


async def test_the_form_takes_place_day_and_time_from_the_first_message(
    deps: Dependencies, live: Any
) -> None:
    t = tracker(
        "voinko varata sählyvuoron Itäkeskuksen liikuntahallista ensi tiistaina klo 18",
        "book_facility",
        loop="booking_form",
    )
    _, slots = await run(form_actions.ValidateBookingForm(deps), t)
    assert slots["booking_resource"] == "liikuntamylly-hall-1"
    assert dt.date.fromisoformat(slots["booking_date"]).weekday() == 1
    assert slots["booking_time"] == "18:00"
    assert "booking_phone" not in slots


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("på fredag kl 17 i två timmar", "sv", ("17:00", 120.0, 4)),
        ("next Tuesday at 6 pm for an hour", "en", ("18:00", 60.0, 1)),
        ("huomenna klo 18 kahdeksi tunniksi", "fi", ("18:00", 120.0, None)),
    ],
)
async def test_the_form_understands_times_in_each_language(
    deps: Dependencies, live: Any, text: str, lang: str, expected: tuple[str, float, int | None]
) -> None:
    t = tracker(text, lang=lang, slots={"booking_resource": "liikuntamylly-hall-1"},
                loop="booking_form")  # fmt: skip
    _, slots = await run(form_actions.ValidateBookingForm(deps), t)
    time_, minutes, weekday = expected
    assert slots["booking_time"] == time_
    assert slots["booking_minutes"] == minutes
    if weekday is not None:
        assert dt.date.fromisoformat(slots["booking_date"]).weekday() == weekday


async def test_several_places_are_offered_as_buttons(deps: Dependencies, live: Any) -> None:
    t = tracker("haluan varata saunavuoron", "book_facility", loop="booking_form")
    _, slots = await run(form_actions.ValidateBookingForm(deps), t)
    assert "booking_resource" not in slots
    assert sorted(slots["booking_candidates"]) == [
        "kamppi-service-centre-sauna",
        "kinapori-senior-centre-sauna",
    ]
    asked = tracker("haluan varata saunavuoron", slots=slots)
    (message,), _ = await run(form_actions.ActionAskBookingResource(deps), asked)
    assert message["text"] == "Mikä näistä sopii?"
    assert [b["title"] for b in message["buttons"]] == [
        "Kampin palvelukeskus, Sauna",
        "Kinaporin seniorikeskus, Sauna",
    ]
    chosen = tracker(
        "/inform",
        entities=[{"entity": "booking_resource", "value": "kinapori-senior-centre-sauna"}],
        slots=slots,
        loop="booking_form",
    )
    _, picked = await run(form_actions.ValidateBookingForm(deps), chosen)
    assert picked["booking_resource"] == "kinapori-senior-centre-sauna"


async def test_a_phone_number_is_checked(deps: Dependencies, live: Any) -> None:
    asked = {"requested_slot": "booking_phone", "booking_resource": "oodi-group-room-1"}
    messages, slots = await run(
        form_actions.ValidateBookingForm(deps),
        tracker("09 310 11111", slots=asked, loop="booking_form"),
    )
    assert "booking_phone" not in slots
    assert messages[0]["text"].startswith("Tarvitsen matkapuhelinnumeron")
    _, slots = await run(
        form_actions.ValidateBookingForm(deps),
        tracker("040 123 4567", slots=asked, loop="booking_form"),
    )
    assert slots["booking_phone"] == PHONE


def filled(day: dt.date, hour: int, resource: str = "tali-football-hall-half") -> dict[str, Any]:
    return {
        "booking_resource": resource,
        "booking_date": day.isoformat(),
        "booking_time": f"{hour:02d}:00",
        "booking_minutes": 60.0,
        "booking_phone": PHONE,
    }


async def test_read_back_then_booking_then_confirmation(
    deps: Dependencies, live: BookingEngine
) -> None:
    day = next_weekday(2)
    (summary,), _ = await run(
        actions.ActionBookingSummary(deps), tracker("/x", slots=filled(day, 18))
    )
    assert summary["text"].startswith(
        "Varataanko Talin jalkapallohalli, Puolikas kenttä, keskiviikko"
    )
    assert "klo 18.00-19.00? Hinta 42,00 euroa." in summary["text"]
    assert "+358 40 *** **67" in summary["text"]
    assert [b["payload"] for b in summary["buttons"]] == ["/affirm", "/deny"]

    (done,), reset = await run(
        actions.ActionBook(deps), tracker("kyllä", "affirm", slots=filled(day, 18))
    )
    assert done["text"].startswith("Varaus on tehty: Talin jalkapallohalli, Puolikas kenttä")
    card = done["custom"]["card"]
    assert card["kind"] == "booking"
    assert card["links"][0]["url"].startswith(f"/api/reservations/{card['id']}.ics?token=")
    assert reset["booking_resource"] is None and "booking_phone" not in reset
    assert len(await live.reservations_of(PHONE)) == 1


async def test_a_taken_time_is_explained_with_alternatives_to_press(
    deps: Dependencies, live: BookingEngine
) -> None:
    day = next_weekday(3)
    start = dt.datetime.combine(day, dt.time(18), HELSINKI)
    await live.book(
        BookingRequest("tali-football-hall-half", start, 60, "+358409999999", "fi", "t")
    )
    (message,), _ = await run(
        actions.ActionBookingSummary(deps), tracker("/x", lang="en", slots=filled(day, 18))
    )
    assert message["text"].startswith("That time is already booked.\nThese times are free:")
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads and all(p.startswith('/inform{"booking_alt":"') for p in payloads)
    # Pressing one fills the slots from it and reads it back.
    alt = payloads[0].split('"booking_alt":"')[1].rstrip('"}')
    chosen = tracker(
        "/inform", lang="en", slots=filled(day, 18),
        entities=[{"entity": "booking_alt", "value": alt}],
    )  # fmt: skip
    (again,), slots = await run(actions.ActionBookingSummary(deps), chosen)
    assert again["text"].startswith("Shall I book ")
    assert slots["booking_time"] != "18:00" or slots["booking_date"] != day.isoformat()


async def test_my_bookings_cancel_and_move(deps: Dependencies, live: BookingEngine) -> None:
    day = next_weekday(4)
    start = dt.datetime.combine(day, dt.time(10), HELSINKI)
    booked = await live.book(BookingRequest("oodi-group-room-1", start, 60, PHONE, "sv", "t"))
    code = booked.reservation.id[:6].upper()
    ask = [{"event": "user", "text": "mina bokningar",
            "parse_data": {"intent": {"name": "my_bookings"}}}]  # fmt: skip
    t = tracker("040 123 4567", lang="sv", slots={"booking_phone": PHONE}, events=ask)
    (listing,), _ = await run(manage_actions.ActionBookingManage(deps), t)
    assert listing["text"].startswith("Dina aktiva bokningar:\n" + code)
    assert listing["buttons"][0]["payload"] == (
        f'/cancel_booking{{"booking_id":"{booked.reservation.id}"}}'
    )

    move = [{"event": "user", "text": "flytta bokningen till kl 12",
             "parse_data": {"intent": {"name": "change_booking"}}}]  # fmt: skip
    t = tracker("flytta bokningen till kl 12", "change_booking", "sv",
                slots={"booking_phone": PHONE}, events=move)  # fmt: skip
    (moved,), _ = await run(manage_actions.ActionBookingManage(deps), t)
    assert moved["text"].startswith("Bokningen är flyttad: Helsingfors centrumbibliotek Ode")
    assert "kl. 12.00-13.00" in moved["text"]

    cancel = [{"event": "user", "text": "/cancel_booking",
               "parse_data": {"intent": {"name": "cancel_booking"}}}]  # fmt: skip
    t = tracker("/cancel_booking", "cancel_booking", "sv", slots={"booking_phone": PHONE},
                entities=[{"entity": "booking_id", "value": booked.reservation.id}],
                events=cancel)  # fmt: skip
    (cancelled,), _ = await run(manage_actions.ActionBookingManage(deps), t)
    assert cancelled["text"].startswith("Bokningen är avbokad:")
    assert await live.reservations_of(PHONE) == []


async def test_a_place_and_time_said_outside_a_booking_start_one(
    deps: Dependencies, live: Any
) -> None:
    day = next_weekday(2)
    t = tracker(
        f"I want to book the Maunula sports hall on {day:%B} {day.day} at 6 pm for an hour",
        lang="en",
    )
    dispatcher = CollectingDispatcher()
    events = await actions.ActionBookingSummary(deps).run(dispatcher, t, DOMAIN)
    assert {"event": "followup", "name": "booking_form", "timestamp": None} in events
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["booking_resource"] == "maunula-sports-hall"
    assert (slots["booking_date"], slots["booking_time"]) == (day.isoformat(), "18:00")
    assert dispatcher.messages == []


# -- whose bookings: the number is proved before anything touches them -------------------


async def sent_codes(engine: BookingEngine) -> list[str]:
    async with sessions(engine.engine)() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "code"))
        return [m.body for m in rows]


async def test_a_typed_number_gets_a_code_before_the_form_goes_on(
    deps: Dependencies, live: BookingEngine, ids: Identities
) -> None:
    stranger = "web-stranger"
    other = "+358409876543"
    slots = {"requested_slot": "booking_phone", **filled(next_weekday(2), 18)}
    slots.pop("booking_phone")
    t = tracker("040 987 6543", slots=slots, loop="booking_form", sender=stranger)
    dispatcher = CollectingDispatcher()
    events = await form_actions.ValidateBookingForm(deps).run(dispatcher, t, DOMAIN)
    set_ = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert set_["booking_phone"] == other
    # Every other slot is filled: Rasa's form asks for the code next.
    required = await form_actions.ValidateBookingForm(deps).required_slots(
        [], dispatcher, t, DOMAIN
    )
    assert required == [*FORM_SLOTS, "verification_code"]
    assert t.get_slot("verification_code") is None

    asked = tracker("040 987 6543", slots={**slots, **set_}, sender=stranger)
    (question,), _ = await run(identity_actions.ActionAskVerificationCode(deps), asked)
    assert question["text"].startswith("Lähetin 6-numeroisen koodin")
    assert "päättyy 43" in question["text"]
    (body,) = await sent_codes(live)
    code = body.split("koodisi on ")[1][:6]
    # Asking again (a wrong answer) does not send a second code.
    await run(identity_actions.ActionAskVerificationCode(deps), asked)
    assert len(await sent_codes(live)) == 1

    waiting = {**slots, **set_, "requested_slot": "verification_code"}
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    messages, got = await run(
        form_actions.ValidateBookingForm(deps),
        tracker(wrong, slots=waiting, loop="booking_form", sender=stranger),
    )
    assert messages[0]["text"] == "Koodi ei ole oikein. Yrityksiä on jäljellä 4."
    assert got["verification_code"] is None and "booking_time" not in got
    assert not await ids.proves(stranger, other)

    messages, got = await run(
        form_actions.ValidateBookingForm(deps),
        tracker(f"{code[:3]} {code[3:]}", slots=waiting, loop="booking_form", sender=stranger),
    )
    assert messages == []
    assert got["verification_code"] == "verified", "reported, so Rasa goes on with the form"
    assert got["requested_slot"] is None, "the number is proved: the form is complete"
    assert got.get("booking_time") is None, "the code is not read as a time"
    assert await ids.proves(stranger, other)


async def test_the_senders_own_number_needs_no_code(
    deps: Dependencies, live: BookingEngine, ids: Identities
) -> None:
    await ids.prove("sms-own", "+358409876543", "channel")
    slots = {"requested_slot": "booking_phone", **filled(next_weekday(2), 18)}
    slots.pop("booking_phone")
    _, got = await run(
        form_actions.ValidateBookingForm(deps),
        tracker("040 987 6543", slots=slots, loop="booking_form", sender="sms-own"),
    )
    assert got["booking_phone"] == "+358409876543"
    assert got["requested_slot"] is None
    assert await sent_codes(live) == []


async def test_no_booking_for_a_number_nobody_proved(
    deps: Dependencies, live: BookingEngine
) -> None:
    day = next_weekday(2)
    slots = {**filled(day, 18), "booking_phone": "+358409876543"}
    (message,), got = await run(
        actions.ActionBook(deps), tracker("kyllä", "affirm", slots=slots, sender="web-x")
    )
    assert message["text"].startswith("Varmistan ensin")
    assert got["booking_phone"] is None
    assert await live.reservations_of("+358409876543") == []


async def test_a_confirmation_retried_after_a_crash_books_once(
    deps: Dependencies, live: BookingEngine
) -> None:
    day = next_weekday(2)
    slots = {**filled(day, 19), "booking_attempt": "a1b2c3d4e5f60718"}
    (first,), _ = await run(actions.ActionBook(deps), tracker("kyllä", "affirm", slots=slots))
    (again,), _ = await run(actions.ActionBook(deps), tracker("kyllä", "affirm", slots=slots))
    assert first["text"].startswith("Varaus on tehty")
    assert again["text"] == first["text"], "the retry answers with the booking already made"
    assert len(await live.reservations_of(PHONE)) == 1


async def test_someone_elses_number_lists_nothing(
    deps: Dependencies, live: BookingEngine, ids: Identities
) -> None:
    """The probe: typing a resident's number in a new conversation used to list, cancel and
    move their bookings. Now the number must be proved by a code sent to it."""
    day = next_weekday(4)
    start = dt.datetime.combine(day, dt.time(10), HELSINKI)
    booked = await live.book(BookingRequest("oodi-group-room-1", start, 60, PHONE, "fi", "t"))
    attacker = "web-attacker"
    ask = [{"event": "user", "text": "näytä varaukseni",
            "parse_data": {"intent": {"name": "my_bookings"}}}]  # fmt: skip
    form = form_actions.ValidateContactForm(deps)
    t = tracker("040 123 4567", "inform", slots={"requested_slot": "booking_phone"},
                events=ask, loop="contact_form", sender=attacker)  # fmt: skip
    _, got = await run(form, t)
    assert got["booking_phone"] == PHONE
    required = await form.required_slots([], CollectingDispatcher(), t, DOMAIN)
    assert required == ["booking_phone", "verification_code"], "a code is needed"
    # Guessing codes: five wrong tries lock the code; the bookings are never shown.
    waiting = {"booking_phone": PHONE, "requested_slot": "verification_code"}
    await run(identity_actions.ActionAskVerificationCode(deps), tracker("x", slots=waiting,
              sender=attacker))  # fmt: skip
    texts: list[str] = []
    for guess in ("000000", "111111", "222222", "333333", "444444"):
        messages, got = await run(
            form, tracker(guess, slots=waiting, loop="contact_form", sender=attacker)
        )
        texts.extend(m["text"] for m in messages)
    assert texts[-1].startswith("Koodi kirjoitettiin väärin liian monta kertaa")
    assert got["booking_phone"] is None
    cancel = [{"event": "user", "text": "/cancel_booking",
               "parse_data": {"intent": {"name": "cancel_booking"}}}]  # fmt: skip
    t = tracker("/cancel_booking", "cancel_booking", slots={"booking_phone": PHONE},
                entities=[{"entity": "booking_id", "value": booked.reservation.id}],
                events=cancel, sender=attacker)  # fmt: skip
    (refused,), _ = await run(manage_actions.ActionBookingManage(deps), t)
    assert refused["text"].startswith("Varmistan ensin")
    assert len(await live.reservations_of(PHONE)) == 1, "the booking is still there"
