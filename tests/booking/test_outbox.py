"""The SMS outbox: messages written with the booking are sent once, failures are retried
with backoff and end visibly as `failed`, a crashed send is picked up again."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.engine import BookingEngine, BookingRequest
from store.models import OutboxMessage
from store.outbox import MAX_ATTEMPTS, LocalSender, OutboxWorker, SendError
from tests.booking.conftest import PHONE, Clock, at


class FlakySender:
    """Stands in for the SMS provider's cloud, which tests may not reach."""

    name = "flaky"

    def __init__(self, failures: int, *, permanent: bool = False) -> None:
        self.failures = failures
        self.permanent = permanent
        self.sent: list[tuple[str, str]] = []

    async def send(self, to: str, body: str) -> str:
        if self.failures > 0:
            self.failures -= 1
            raise SendError("provider 503", permanent=self.permanent)
        self.sent.append((to, body))
        return f"SM{len(self.sent):032d}"


async def outbox(booking_engine: AsyncEngine) -> list[OutboxMessage]:
    async with BookingEngine(booking_engine, secret=b"x").sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return list(rows.all())


async def book(engine: BookingEngine) -> None:
    await engine.book(BookingRequest("liikuntamylly-hall-1", at(3, 18), 60, PHONE, "en", "t"))


async def test_the_confirmation_is_sent_once_and_the_reminder_waits(
    engine: BookingEngine, booking_engine: AsyncEngine, clock: Clock
) -> None:
    await book(engine)
    sender = FlakySender(0)
    worker = OutboxWorker(booking_engine, sender, clock=clock)
    assert await worker.send_due() == 1
    assert await worker.send_due() == 0, "nothing is sent twice"
    assert sender.sent[0][0] == PHONE
    assert sender.sent[0][1].startswith("Apuri: Booking confirmed. Liikuntamylly sports centre")
    messages = {m.kind: m for m in await outbox(booking_engine)}
    assert messages["confirmation"].status == "sent"
    assert messages["confirmation"].provider_id == "SM" + "1".zfill(32)
    assert messages["reminder"].status == "pending"
    clock.now = at(2, 18, 1)  # 24 hours before the booking
    assert await worker.send_due() == 1
    assert sender.sent[1][1].startswith("Apuri reminder: your booking")


async def test_failures_are_retried_with_backoff_then_marked_failed(
    engine: BookingEngine, booking_engine: AsyncEngine, clock: Clock
) -> None:
    await book(engine)
    sender = FlakySender(failures=100)
    worker = OutboxWorker(booking_engine, sender, clock=clock)
    waits = []
    for _ in range(MAX_ATTEMPTS):
        assert await worker.send_due(limit=1) == 1
        (confirmation, *_) = await outbox(booking_engine)
        waits.append(confirmation.next_attempt_at - clock.now)
        clock.now = confirmation.next_attempt_at
    assert confirmation.status == "failed"
    assert confirmation.attempts == MAX_ATTEMPTS
    assert confirmation.last_error == "provider 503"
    assert waits[:3] == [
        dt.timedelta(seconds=30),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=10),
    ]
    assert await worker.send_due() == 0, "a failed message is not resent"
    assert sender.sent == []


async def test_a_permanent_failure_is_not_retried(
    engine: BookingEngine, booking_engine: AsyncEngine, clock: Clock
) -> None:
    await book(engine)
    worker = OutboxWorker(booking_engine, FlakySender(1, permanent=True), clock=clock)
    await worker.send_due(limit=1)
    (confirmation, *_) = await outbox(booking_engine)
    assert (confirmation.status, confirmation.attempts) == ("failed", 1)


async def test_two_workers_never_send_the_same_message(
    engine: BookingEngine, booking_engine: AsyncEngine, clock: Clock
) -> None:
    for day in (3, 4, 5):
        await engine.book(
            BookingRequest("oodi-group-room-1", at(day, 12), 60, f"+35840000000{day}", "fi", "t")
        )
    sender = FlakySender(0)
    workers = [OutboxWorker(booking_engine, sender, clock=clock) for _ in range(3)]
    await asyncio.gather(*(w.send_due() for w in workers))
    bodies = [body for _, body in sender.sent]
    assert len(bodies) == 3 and len(set(bodies)) == 3


async def test_a_send_interrupted_by_a_crash_is_retried(
    engine: BookingEngine, booking_engine: AsyncEngine, clock: Clock
) -> None:
    await book(engine)
    async with engine.sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.kind == "confirmation")
            .values(status="sending", attempts=1, next_attempt_at=clock.now)
        )
    worker = OutboxWorker(booking_engine, LocalSender(), clock=clock)
    assert await worker.send_due() == 0, "a send in progress is left alone for a while"
    clock.now += dt.timedelta(minutes=6)
    assert await worker.send_due() == 1
    (confirmation, *_) = await outbox(booking_engine)
    assert (confirmation.status, confirmation.provider_id) == ("sent", "local")


async def test_a_code_is_erased_once_sent_and_kept_only_by_the_local_sender(
    booking_engine: AsyncEngine, clock: Clock
) -> None:
    from store.outbox import enqueue

    await enqueue(booking_engine, to_phone=PHONE, body="Apuri: code 123456", lang="en", kind="code")
    sender = FlakySender(0)
    worker = OutboxWorker(booking_engine, sender, clock=lambda: dt.datetime.now(dt.UTC))
    assert await worker.send_due() == 1
    assert sender.sent == [(PHONE, "Apuri: code 123456")], "the resident gets the code"
    (sent,) = await outbox(booking_engine)
    assert sent.status == "sent" and "123456" not in sent.body

    await enqueue(booking_engine, to_phone=PHONE, body="Apuri: code 654321", lang="en", kind="code")
    local = OutboxWorker(booking_engine, LocalSender(), clock=lambda: dt.datetime.now(dt.UTC))
    assert await local.send_due() == 1
    kept = (await outbox(booking_engine))[-1]
    assert kept.body == "Apuri: code 654321", "kept for review on this machine"
