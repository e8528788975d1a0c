"""The booking REST API on the real gateway, on SQLite and on PostgreSQL.

The gateway migrates and seeds its database at start-up. Times are taken a few days from
the real today (the API books with the real clock), on a day that is not a holiday.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar
from redis.asyncio import Redis

from assistant import booking_api
from assistant.gateway import create_app
from assistant.keys import IDENTITIES
from assistant.settings import Settings
from booking.rules import is_public_holiday
from privacy.phones import InvalidPhone, normalise_phone
from store.models import HELSINKI
from tests.booking.conftest import _reset_postgresql

PITCH = "tali-football-hall-half"
ROOM = "kallio-library-meeting-room"
PHONE = "040 123 4567"

Client = TestClient[Any, Any]


def open_day(days_ahead: int = 3) -> dt.date:
    """A weekday at least `days_ahead` days from now that is not a public holiday."""
    day = dt.datetime.now(HELSINKI).date() + dt.timedelta(days=days_ahead)
    while is_public_holiday(day) or day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, hour: int, minute: int = 0) -> str:
    return dt.datetime.combine(day, dt.time(hour, minute), HELSINKI).isoformat()


@pytest.fixture
async def client(settings: Settings, database_url: str, redis: Redis) -> AsyncIterator[Client]:
    await redis.flushdb()  # rate-limit windows and sessions from earlier tests
    if database_url.startswith("postgres"):
        await _reset_postgresql(database_url)
    app = create_app(settings.with_(database_url=database_url))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


def reservation(start: str, phone: str = PHONE, **extra: Any) -> dict[str, Any]:
    return {"resource_id": PITCH, "start": start, "minutes": 60, "phone": phone, **extra}


async def proved(client: Client, phone: str) -> dict[str, str]:
    """The header of a resident session that has proved `phone` (as a code would)."""
    try:
        e164 = normalise_phone(phone)
    except InvalidPhone:
        return {}
    token = await client.app[IDENTITIES].open_session(e164, "sms-code")
    return {"X-Resident-Session": token}


async def book(client: Client, body: dict[str, Any], **headers: str) -> Any:
    """POST /api/reservations by a client that proved the body's phone number."""
    proof = await proved(client, str(body.get("phone", "")))
    return await client.post("/api/reservations", json=body, headers={**proof, **headers})


async def test_resources_and_availability(client: Client) -> None:
    body = await (await client.get("/api/resources", params={"kind": "sauna"})).json()
    assert {r["kind"] for r in body["resources"]} == {"sauna"}
    assert len(body["resources"]) == 2
    day = open_day()
    free = await (
        await client.get(f"/api/resources/{PITCH}/availability", params={"date": day.isoformat()})
    ).json()
    assert free["open"] == [{"start": at(day, 7), "end": at(day, 23 if day.weekday() < 4 else 22)}]
    assert free["slots"][0] == {"start": at(day, 7), "max_minutes": 120}
    bad = await client.get(f"/api/resources/{PITCH}/availability", params={"date": "tomorrow"})
    assert bad.status == 422
    missing = await client.get("/api/resources/nowhere/availability", params={"date": "2026-12-01"})
    assert missing.status == 404


async def test_book_read_calendar_and_cancel(client: Client) -> None:
    day = open_day()
    response = await book(
        client, reservation(at(day, 18), lang="sv"), **{"Idempotency-Key": "booking-test-0001"}
    )
    assert response.status == 201, await response.text()
    booked = await response.json()
    assert booked["start"] == at(day, 18) and booked["end"] == at(day, 19)
    assert booked["place"] == "Tal fotbollshall, Halv plan"
    assert booked["price_cents"] == 4200
    token = booked["token"]
    auth = {"Authorization": f"Bearer {token}"}

    read = await client.get(f"/api/reservations/{booked['id']}", headers=auth)
    assert (await read.json())["status"] == "active"
    assert (await client.get(f"/api/reservations/{booked['id']}")).status == 403

    ics = await client.get(booked["ics_url"], params={"token": token})
    assert ics.content_type == "text/calendar"
    event = Calendar.from_ical(await ics.read()).walk("VEVENT")[0]
    assert str(event["summary"]) == "Tal fotbollshall, Halv plan"
    assert str(event["location"]) == "Bäckvägen 8, 00380 Helsingfors"
    assert event.decoded("dtstart") == dt.datetime.fromisoformat(at(day, 18))

    # The same request again (a client retry) returns the same booking, not a second one.
    again = await book(
        client, reservation(at(day, 18), lang="sv"), **{"Idempotency-Key": "booking-test-0001"}
    )
    assert again.status == 200
    assert (await again.json())["id"] == booked["id"]

    wrong = await client.delete(
        f"/api/reservations/{booked['id']}", headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status == 403
    assert (await client.delete(f"/api/reservations/{booked['id']}")).status == 401
    # The pitch's deadline is 48 hours; three days ahead it can still be cancelled.
    cancelled = await client.delete(f"/api/reservations/{booked['id']}", headers=auth)
    assert cancelled.status == 200
    assert (await cancelled.json())["status"] == "cancelled"
    twice = await client.delete(f"/api/reservations/{booked['id']}", headers=auth)
    assert twice.status == 409
    assert (await twice.json())["error"] == "already_cancelled"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"phone": "12345"}, 422, "phone"),
        ({"phone": "09 310 11111"}, 422, "phone"),
        ({"start": "2026-12-01T18:00:00"}, 422, "start"),
        ({"minutes": 0}, 422, "minutes"),
        ({"resource_id": "nowhere"}, 404, None),
        ({"lang": "de"}, 422, "lang"),
        ({"extra": 1}, 422, "extra"),
    ],
)
async def test_bad_reservations_get_clear_errors(
    client: Client, change: dict[str, Any], status: int, field: str | None
) -> None:
    body = reservation(at(open_day(), 18)) | change
    response = await book(client, body)
    assert response.status == status, await response.text()
    problem = await response.json()
    if field:
        assert field in str(problem["fields"]), problem
    assert "12345" not in str(problem), "errors never echo the input"


async def test_a_rule_refusal_explains_itself_in_the_asked_language(client: Client) -> None:
    response = await book(client, reservation(at(open_day(), 23), lang="en"))
    assert response.status == 422
    problem = await response.json()
    assert problem["error"] == "closed"
    assert problem["detail"].startswith("The space is closed then.")
    assert problem["alternatives"], "open times are offered instead"
    malformed = await client.post(
        "/api/reservations", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert malformed.status == 400


async def concurrent_attempts(client: Client, starts: list[str]) -> list[int]:
    phones = [f"+35840{n:07d}" for n in range(len(starts))]
    responses = await asyncio.gather(
        *(
            book(client, reservation(start, phone))
            for start, phone in zip(starts, phones, strict=True)
        )
    )
    statuses = [r.status for r in responses]
    for response in responses:
        body = await response.json()
        if response.status != 201:
            assert body["error"] == "taken", body
    return statuses


@pytest.fixture
def no_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The concurrency tests come from one address; the per-address limit is tested apart."""
    monkeypatch.setattr(booking_api, "PER_MINUTE", 10_000)


@pytest.mark.usefixtures("no_rate_limit")
async def test_200_concurrent_attempts_at_one_slot_book_it_once(client: Client) -> None:
    statuses = await concurrent_attempts(client, [at(open_day(), 18)] * 200)
    assert statuses.count(201) == 1
    assert statuses.count(409) == 199


@pytest.mark.usefixtures("no_rate_limit")
async def test_200_concurrent_overlapping_attempts_book_one(client: Client) -> None:
    day = open_day(4)
    # Two-hour bookings from 17:00 and from 18:00 overlap without being equal: whichever
    # wins, every other attempt, at either start, is refused.
    starts = [at(day, 17), at(day, 18)] * 100
    phones = [f"+35850{n:07d}" for n in range(200)]
    responses = await asyncio.gather(
        *(
            book(client, reservation(start, phone, minutes=120))
            for start, phone in zip(starts, phones, strict=True)
        )
    )
    statuses = [r.status for r in responses]
    assert statuses.count(201) == 1
    assert statuses.count(409) == 199


# -- whose number: the confirmation goes only to a number the client proved ---------------


async def test_a_booking_needs_a_proved_number(client: Client) -> None:
    body = reservation(at(open_day(), 18))
    anonymous = await client.post("/api/reservations", json=body)
    assert anonymous.status == 401
    assert (await anonymous.json())["error"] == "session_required"
    other = await proved(client, "040 765 4321")
    stranger = await client.post("/api/reservations", json=body, headers=other)
    assert stranger.status == 403, "a session for another number cannot text this one"
    forged = await client.post(
        "/api/reservations", json=body, headers={"X-Resident-Session": "x" * 20 + ".forged"}
    )
    assert forged.status == 401
    without_phone = {k: v for k, v in body.items() if k != "phone"}
    own = await client.post("/api/reservations", json=without_phone, headers=other)
    assert own.status == 201, "without a phone the session's number is used"


async def test_the_code_flow_proves_a_number_and_opens_a_session(client: Client) -> None:
    from sqlalchemy import select

    from assistant.keys import DATABASE
    from store.db import sessions
    from store.models import OutboxMessage

    sent = await client.post("/api/identity/codes", json={"phone": PHONE, "lang": "en"})
    assert sent.status == 202, await sent.text()
    assert (await sent.json())["sent_to"] == "+358 40 *** **67"
    async with sessions(client.app[DATABASE])() as session:
        body = await session.scalar(select(OutboxMessage.body).where(OutboxMessage.kind == "code"))
    assert body is not None and body.startswith("Apuri: your verification code is ")
    code = body.split(" is ")[1][:6]
    wrong = await client.post(
        "/api/identity/sessions", json={"phone": PHONE, "code": f"{(int(code) + 1) % 10**6:06d}"}
    )
    assert wrong.status == 401
    assert (await wrong.json())["tries_left"] == 4
    opened = await client.post("/api/identity/sessions", json={"phone": PHONE, "code": code})
    assert opened.status == 201
    token = (await opened.json())["session"]
    booked = await client.post(
        "/api/reservations",
        json=reservation(at(open_day(), 19)),
        headers={"X-Resident-Session": token},
    )
    assert booked.status == 201
    ended = await client.delete(
        "/api/identity/sessions/current", headers={"X-Resident-Session": token}
    )
    assert ended.status == 204
    again = await client.post(
        "/api/reservations",
        json=reservation(at(open_day(), 20)),
        headers={"X-Resident-Session": token},
    )
    assert again.status == 401


async def test_codes_and_booking_attempts_are_rate_limited(client: Client) -> None:
    statuses = [
        (await client.post("/api/identity/codes", json={"phone": "040 222 3344"})).status
        for _ in range(4)
    ]
    assert statuses == [202, 202, 202, 429]
    proof = await proved(client, PHONE)
    day = open_day()
    attempts = [
        (
            await client.post("/api/reservations", json=reservation(at(day, 23)), headers=proof)
        ).status
        for _ in range(booking_api.PER_MINUTE + 1)
    ]
    assert attempts[:-1] == [422] * booking_api.PER_MINUTE, "closed at 23: refused, counted"
    assert attempts[-1] == 429
