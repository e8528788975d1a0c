"""The booking engine's rules, on SQLite and on PostgreSQL (every test runs on both)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.engine import BookingEngine, BookingRefused, BookingRequest
from booking.messages import Reason
from booking.models import Reservation
from booking.seed import load_specs, seed
from store.models import OutboxMessage
from tests.booking.conftest import OTHER_PHONE, PHONE, Clock, at, local

HALL = "liikuntamylly-hall-1"
SAUNA = "kamppi-service-centre-sauna"
ROOM = "kallio-library-meeting-room"
PITCH = "tali-football-hall-half"


def ask(
    resource: str, start: dt.datetime, minutes: int = 60, phone: str = PHONE, **extra: str
) -> BookingRequest:
    return BookingRequest(
        resource_id=resource, start=start, minutes=minutes, phone=phone, lang="fi",
        channel="test", **extra,
    )  # fmt: skip


async def refused(engine: BookingEngine, request: BookingRequest) -> BookingRefused:
    with pytest.raises(BookingRefused) as caught:
        await engine.book(request)
    return caught.value


async def test_seed_loads_every_resource_and_is_idempotent(
    engine: BookingEngine, booking_engine: AsyncEngine
) -> None:
    resources = await engine.resources()
    assert {r.id for r in resources} == {spec.id for spec in load_specs()}
    assert {r.kind for r in resources} == {"sports_hall", "sauna", "meeting_room", "music_studio"}
    assert await seed(booking_engine) == (0, len(resources), 0)


async def test_a_booking_is_made_and_confirmed_through_the_outbox(
    engine: BookingEngine, booking_engine: AsyncEngine
) -> None:
    booked = await engine.book(ask(HALL, at(1, 18)))
    reservation = booked.reservation
    assert (local(reservation.starts_at), local(reservation.ends_at)) == (
        "01.12 18:00",
        "01.12 19:00",
    )
    assert reservation.price_cents == 2600
    assert booked.token and len(booked.token) >= 20
    assert PHONE not in reservation.resident_key
    async with booking_engine.connect() as connection:
        rows = (await connection.execute(select(OutboxMessage.kind, OutboxMessage.body))).all()
    kinds = {kind: body for kind, body in rows}
    assert set(kinds) == {"confirmation", "reminder"}
    assert kinds["confirmation"].startswith(
        "Apuri: Varaus vahvistettu. Liikuntamylly, Palloilusali 1"
    )
    assert "tiistai 1.12. klo 18.00-19.00" in kinds["confirmation"]


@pytest.mark.parametrize(
    ("resource", "start", "minutes", "reason", "words"),
    [
        (HALL, at(30, 8, month=11), 60, Reason.PAST, "Aika on jo mennyt."),
        (HALL, at(20, 18), 60, Reason.TOO_FAR_AHEAD, "enintään 14 päivää"),
        (HALL, at(1, 18), 30, Reason.TOO_SHORT, "Lyhin varaus on 60 minuuttia."),
        (HALL, at(1, 17), 180, Reason.TOO_LONG, "Pisin varaus on 120 minuuttia."),
        (HALL, at(1, 18, 30), 60, Reason.OFF_GRID, "60 minuutin välein"),
        (HALL, at(1, 22), 60, Reason.CLOSED, "Aukioloaika sinä päivänä: 07.00-22.00"),
        (HALL, at(1, 21, 0), 120, Reason.CLOSED, "suljettu"),
        (ROOM, at(6, 12), 60, Reason.CLOSED, "(Itsenäisyyspäivä)"),
        (
            PITCH,
            at(31, 16),
            60,
            Reason.CLOSED,
            "(uudenvuodenaatto). Aukioloaika sinä päivänä: 07.00-15.00",
        ),
        ("no-such-space", at(1, 18), 60, Reason.UNKNOWN_RESOURCE, "Tilaa ei löytynyt."),
    ],
)
async def test_each_rule_refuses_with_a_reason(
    engine: BookingEngine,
    resource: str,
    start: dt.datetime,
    minutes: int,
    reason: Reason,
    words: str,
) -> None:
    refusal = await refused(engine, ask(resource, start, minutes))
    assert refusal.reason is reason
    assert words in refusal.text("fi"), refusal.text("fi")
    assert refusal.text("sv") != refusal.text("fi") != refusal.text("en")


async def test_a_closed_time_offers_open_alternatives(engine: BookingEngine) -> None:
    refusal = await refused(engine, ask(HALL, at(1, 22)))
    assert refusal.alternatives
    assert all(at(1, 7) <= alt.start <= at(8, 22) for alt in refusal.alternatives)


async def test_a_taken_time_is_refused_with_the_nearest_free_times(engine: BookingEngine) -> None:
    await engine.book(ask(HALL, at(1, 18)))
    refusal = await refused(engine, ask(HALL, at(1, 18), phone=OTHER_PHONE))
    assert refusal.reason is Reason.TAKEN
    assert refusal.text("en") == "That time is already booked."
    alternatives = [(a.resource.id, local(a.start)) for a in refusal.alternatives]
    assert alternatives[:2] == [(HALL, "01.12 17:00"), (HALL, "01.12 19:00")]
    # The third is the same kind of space elsewhere, free at the asked time.
    assert alternatives[2] == ("liikuntamylly-hall-2", "01.12 18:00")


async def test_asking_before_booking_refuses_as_booking_would(engine: BookingEngine) -> None:
    """`check_bookable` (the chat's read-back) refuses what `book` would, with the same
    alternatives, and lets a free time through without booking it."""
    hall = await engine.resource(HALL)
    await engine.check_bookable(hall, at(1, 18), 60, "fi")
    assert await engine.reservations_of(PHONE) == []
    await engine.book(ask(HALL, at(1, 18)))
    with pytest.raises(BookingRefused) as taken:
        await engine.check_bookable(hall, at(1, 18), 60, "en")
    assert taken.value.reason is Reason.TAKEN
    booking_refusal = await refused(engine, ask(HALL, at(1, 18), phone=OTHER_PHONE))
    offered = [(a.resource.id, a.start, a.minutes) for a in taken.value.alternatives]
    assert offered == [(a.resource.id, a.start, a.minutes) for a in booking_refusal.alternatives]
    with pytest.raises(BookingRefused) as closed:
        await engine.check_bookable(hall, at(1, 22), 60, "fi")
    assert closed.value.reason is Reason.CLOSED and closed.value.alternatives
    with pytest.raises(BookingRefused) as short:
        await engine.check_bookable(hall, at(2, 18), 15, "fi")
    assert short.value.reason is Reason.TOO_SHORT and short.value.alternatives == []


async def test_overlapping_but_not_equal_times_are_taken(engine: BookingEngine) -> None:
    await engine.book(ask(ROOM, at(1, 12), minutes=60))
    # 12:30-13:30 overlaps; 13:00 is inside the 15-minute buffer; 13:15 is free.
    for start in (at(1, 12, 30), at(1, 11, 30)):
        assert (await refused(engine, ask(ROOM, start, phone=OTHER_PHONE))).reason is Reason.TAKEN
    assert (await refused(engine, ask(ROOM, at(1, 13), phone=OTHER_PHONE))).reason is Reason.TAKEN
    booked = await engine.book(ask(ROOM, at(1, 13, 30), phone=OTHER_PHONE))
    assert local(booked.reservation.starts_at) == "01.12 13:30"


async def test_the_buffer_after_a_sauna_turn_is_kept_free(engine: BookingEngine) -> None:
    await engine.book(ask(SAUNA, at(1, 14)))
    assert (await refused(engine, ask(SAUNA, at(1, 15), phone=OTHER_PHONE))).reason is Reason.TAKEN
    free = await engine.availability(SAUNA, at(1, 0).date())
    starts = [local(slot.start) for slot in free.slots]
    assert "01.12 15:00" not in starts
    assert "01.12 16:00" in starts
    assert "01.12 13:00" not in starts, "13-14 and its 30-minute buffer run into the 14:00 turn"


async def test_a_resident_may_hold_only_so_many_bookings(engine: BookingEngine) -> None:
    await engine.book(ask(HALL, at(1, 10)))
    await engine.book(ask(HALL, at(2, 10)))
    refusal = await refused(engine, ask(HALL, at(3, 10)))
    assert refusal.reason is Reason.OVER_LIMIT
    assert "enintään 2" in refusal.text("fi")
    # Another resident, and another space, are not affected.
    await engine.book(ask(HALL, at(3, 10), phone=OTHER_PHONE))
    await engine.book(ask(SAUNA, at(3, 12)))


async def test_availability_lists_free_starts_and_taken_ranges(engine: BookingEngine) -> None:
    await engine.book(ask(HALL, at(1, 18), minutes=120))
    free = await engine.availability(HALL, at(1, 0).date())
    assert [local(s) for s in free.open[0]] == ["01.12 07:00", "01.12 22:00"]
    starts = {local(slot.start): slot.max_minutes for slot in free.slots}
    assert "01.12 18:00" not in starts and "01.12 19:00" not in starts
    assert starts["01.12 17:00"] == 60, "17:00 can last until the 18:00 booking"
    assert starts["01.12 20:00"] == 120
    assert [(local(s), local(e)) for s, e in free.taken] == [("01.12 18:00", "01.12 20:00")]
    holiday = await engine.availability(ROOM, at(6, 0).date())
    assert holiday.slots == [] and holiday.closed_reason == "holiday"


async def test_cancel_and_change_follow_the_rules(
    engine: BookingEngine, clock: Clock, booking_engine: AsyncEngine
) -> None:
    booked = await engine.book(ask(HALL, at(2, 18)))
    reservation_id = booked.reservation.id
    with pytest.raises(BookingRefused) as wrong:
        await engine.cancel(reservation_id, token="not-the-token")
    assert wrong.value.reason is Reason.FORBIDDEN
    with pytest.raises(BookingRefused) as other:
        await engine.cancel(reservation_id, phone=OTHER_PHONE)
    assert other.value.reason is Reason.FORBIDDEN

    moved = await engine.change(reservation_id, at(2, 19), phone=PHONE)
    assert local(moved.starts_at) == "02.12 19:00"
    await engine.book(ask(HALL, at(2, 20), phone=OTHER_PHONE))
    with pytest.raises(BookingRefused) as taken:
        await engine.change(reservation_id, at(2, 20), token=booked.token)
    assert taken.value.reason is Reason.TAKEN

    clock.now = at(2, 0)  # 19 hours before: past the 24-hour deadline
    with pytest.raises(BookingRefused) as late:
        await engine.cancel(reservation_id, token=booked.token)
    assert late.value.reason is Reason.TOO_LATE_TO_CANCEL
    assert "24 tuntia" in late.value.text("fi")

    clock.now = at(1, 9)
    cancelled = await engine.cancel(reservation_id, token=booked.token)
    assert cancelled.status == "cancelled"
    with pytest.raises(BookingRefused) as again:
        await engine.cancel(reservation_id, token=booked.token)
    assert again.value.reason is Reason.ALREADY_CANCELLED
    with pytest.raises(BookingRefused) as missing:
        await engine.cancel("0000000000000000", token=booked.token)
    assert missing.value.reason is Reason.NOT_FOUND

    async with booking_engine.connect() as connection:
        rows = (
            await connection.execute(
                select(OutboxMessage.kind, OutboxMessage.status)
                .where(OutboxMessage.reservation_id == reservation_id)
                .order_by(OutboxMessage.id)
            )
        ).all()
    kinds = [tuple(row) for row in rows]
    assert ("cancellation", "pending") in kinds
    assert ("reminder", "pending") not in kinds, "no reminder for a cancelled booking"
    # The freed time can be booked again.
    await engine.book(ask(HALL, at(2, 18), phone=OTHER_PHONE))


async def test_an_idempotency_key_never_books_twice(engine: BookingEngine) -> None:
    first = await engine.book(ask(HALL, at(1, 10), idempotency_key="key-1"))
    again = await engine.book(ask(HALL, at(1, 10), idempotency_key="key-1"))
    assert again.replayed and again.reservation.id == first.reservation.id
    assert again.token is None, "the token is shown only once"
    mismatch = await refused(engine, ask(HALL, at(1, 12), idempotency_key="key-1"))
    assert mismatch.reason is Reason.IDEMPOTENCY_MISMATCH


async def test_the_database_itself_refuses_an_overlapping_insert(
    engine: BookingEngine, booking_engine: AsyncEngine
) -> None:
    booked = (await engine.book(ask(HALL, at(1, 18)))).reservation
    columns = {c.name: getattr(booked, c.name) for c in Reservation.__table__.columns}
    copy = Reservation(**{**columns, "id": "f" * 16, "idempotency_key": None})
    copy.starts_at = booked.starts_at + dt.timedelta(minutes=30)
    copy.ends_at = copy.blocked_until = booked.ends_at + dt.timedelta(minutes=30)
    with pytest.raises(IntegrityError, match="overlap"):
        async with engine.sessions() as session, session.begin():
            session.add(copy)
    # Cancelled bookings do not block.
    async with booking_engine.begin() as connection:
        await connection.execute(
            text("UPDATE booking_reservations SET status = 'cancelled' WHERE id = :id"),
            {"id": booked.id},
        )
    async with engine.sessions() as session, session.begin():
        session.add(copy)


async def test_concurrent_attempts_at_one_slot_make_exactly_one_booking(
    engine: BookingEngine,
) -> None:
    phones = [f"+35840{n:07d}" for n in range(60)]
    results = await asyncio.gather(
        *(engine.book(ask(PITCH, at(3, 18), phone=phone)) for phone in phones),
        return_exceptions=True,
    )
    booked = [r for r in results if not isinstance(r, BaseException)]
    refusals = [r for r in results if isinstance(r, BookingRefused)]
    assert len(booked) == 1
    assert len(refusals) == len(phones) - 1
    assert {r.reason for r in refusals} == {Reason.TAKEN}


# -- the grid to the second, lengths in steps, the window, rates (found by a probe) ------


async def test_a_start_with_fractions_of_a_second_is_off_the_grid(engine: BookingEngine) -> None:
    refusal = await refused(engine, ask(HALL, at(1, 8).replace(microsecond=999999)))
    assert refusal.reason is Reason.OFF_GRID
    refusal = await refused(engine, ask(HALL, at(1, 8).replace(second=1)))
    assert refusal.reason is Reason.OFF_GRID
    await engine.book(ask(HALL, at(1, 9)))  # the next slot is still free


async def test_a_length_must_be_whole_slots(engine: BookingEngine) -> None:
    # The Kallio meeting room books in 30-minute slots: 45 minutes is refused, 90 is fine.
    resource = await engine.resource(ROOM)
    assert resource.rules["slot_minutes"] == 30
    refusal = await refused(engine, ask(ROOM, at(2, 12), 45))
    assert refusal.reason is Reason.BAD_LENGTH
    assert "30 minuutin jaksoja" in refusal.text("fi")
    assert refusal.text("sv") != refusal.text("fi") != refusal.text("en")
    await engine.book(ask(ROOM, at(2, 12), 90))


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        (dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC), Reason.PAST),
        (dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))), Reason.PAST),
        (dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC), Reason.TOO_FAR_AHEAD),
    ],
)
async def test_times_in_year_1_or_9999_are_refused_with_a_reason(
    engine: BookingEngine, start: dt.datetime, reason: Reason
) -> None:
    refusal = await refused(engine, ask(HALL, start))
    assert refusal.reason is reason


@pytest.mark.parametrize(
    ("day", "reason"),
    [(dt.date(1, 1, 1), Reason.PAST), (dt.date(9999, 12, 31), Reason.TOO_FAR_AHEAD)],
)
async def test_availability_outside_the_window_is_refused(
    engine: BookingEngine, day: dt.date, reason: Reason
) -> None:
    with pytest.raises(BookingRefused) as caught:
        await engine.availability(HALL, day)
    assert caught.value.reason is reason


async def test_new_bookings_are_limited_per_resident_and_per_client(
    engine: BookingEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import booking.engine as engine_module

    monkeypatch.setattr(engine_module, "PER_RESIDENT_HOURLY", 2)
    monkeypatch.setattr(engine_module, "PER_CLIENT_HOURLY", 3)
    await engine.book(ask(HALL, at(1, 8), client="addr-a"))
    await engine.book(ask(SAUNA, at(1, 12), client="addr-a"))
    over = await refused(engine, ask(ROOM, at(2, 12), client="addr-b"))
    assert over.reason is Reason.RATE_LIMITED, "a third booking within the hour by one resident"
    assert over.text("en") == "Too many bookings were just made. Please try again later."
    await engine.book(ask(ROOM, at(2, 12), phone=OTHER_PHONE, client="addr-a"))
    by_address = await refused(
        engine, ask(PITCH, at(2, 12), phone="+358405555555", client="addr-a")
    )
    assert by_address.reason is Reason.RATE_LIMITED, "a fourth booking from one address"
    await engine.book(ask(PITCH, at(2, 12), phone="+358405555555", client="addr-c"))
