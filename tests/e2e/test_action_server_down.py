"""Nothing a resident confirmed is lost when the action server is down or dies, on SQLite
and on PostgreSQL, through the real stack.

Rasa alone would carry on without the action ("the actions events are lost") and save a
conversation that has moved past the read-back. Apuri's Rasa channel puts the conversation
back as it was and answers 503, so the gateway says "not processed" in the resident's
language, and the same message sent again books exactly once.

To make each outage deterministic, `apuri run` is paused (SIGSTOP) before the action server
is killed, so it cannot restart it while the resident writes; continued, it restarts it.
Bookings are made by SMS, typing the sender's own number (the number Twilio proved).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from assistant.messages import message
from assistant.service_search import ServiceSearchProvider
from assistant.settings import Settings
from channels.gsm import to_gsm7
from channels.phone_state import conversation_of
from store.db import create_engine
from tests.e2e.conftest import (
    Stack,
    kill_process,
    open_weekday,
    running_stack,
    sms_reply,
    supervisor_paused,
    twilio_post,
)

pytestmark = pytest.mark.e2e

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
HELPLINE = Settings.from_env({}).helpline_phone
NOT_PROCESSED = {
    lang: to_gsm7(message("unavailable", lang, HELPLINE)) for lang in ("fi", "sv", "en")
}
BOOKED = "Your booking is made"
_numbers = itertools.count(1)


COUNT_ACTIVE = (
    "SELECT count(*) FROM booking_reservations WHERE phone = :phone AND status = 'active'"
)


@dataclass
class Database:
    """The stack's own booking database, read and locked from outside as an operator could:
    a fresh PostgreSQL database (`url`), or the SQLite file in the stack's var/."""

    url: str | None = None
    sqlite_path: Path | None = None

    async def active_reservations(self, phone: str) -> int:
        if self.sqlite_path is not None:
            with contextlib.closing(sqlite3.connect(self.sqlite_path, timeout=10)) as db:
                query = COUNT_ACTIVE.replace(":phone", "?")
                return int(db.execute(query, (phone,)).fetchone()[0])
        engine = self.engine()
        try:
            async with engine.connect() as connection:
                count = await connection.scalar(text(COUNT_ACTIVE), {"phone": phone})
            return int(count or 0)
        finally:
            await engine.dispose()

    def engine(self) -> AsyncEngine:
        assert self.url is not None
        return create_engine(self.url)


class ReservationsLock:
    """The reservations locked against the stack's writers, from another connection: on
    PostgreSQL the table (ACCESS EXCLUSIVE), on SQLite the database's write lock."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._engine: AsyncEngine | None = None
        self._pg: AsyncConnection | None = None
        self._sqlite: sqlite3.Connection | None = None

    async def acquire(self) -> bool:
        """True once locked; False when the stack's booking already holds the lock."""
        if self.database.sqlite_path is None:
            self._engine = self.database.engine()
            self._pg = await self._engine.connect()
            await self._pg.begin()
            await self._pg.exec_driver_sql(
                "LOCK TABLE booking_reservations IN ACCESS EXCLUSIVE MODE"
            )
            return True
        db = sqlite3.connect(self.database.sqlite_path, timeout=0.5, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            db.close()
            return False
        self._sqlite = db
        return True

    async def booking_waits(self) -> None:
        """Returns once the stack's booking waits on this lock: PostgreSQL shows it in
        pg_stat_activity; SQLite's busy wait shows nowhere, so this waits 1.5 s."""
        if self._pg is None:
            await asyncio.sleep(1.5)
            return
        assert self._engine is not None
        async with self._engine.connect() as watcher:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                waiting = await watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
                # pg_stat_activity is read once per transaction: a new one for each look.
                await watcher.commit()
                if waiting:
                    return
                await asyncio.sleep(0.05)
        pytest.fail("the stack's booking never waited on the reservations lock")

    async def release(self) -> None:
        if self._pg is not None:
            await self._pg.rollback()
            await self._pg.close()
            self._pg = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
        if self._sqlite is not None:
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
            self._sqlite = None


async def _on_the_server(statement: str) -> None:
    """CREATE or DROP DATABASE, which run outside a transaction."""
    engine = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def outage_stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    service_provider: ServiceSearchProvider,
) -> Iterator[tuple[Stack, Database]]:
    """A stack of its own on a database of its own: SQLite in its var/, or a fresh
    PostgreSQL database beside the unit tests' one, dropped afterwards."""
    var_dir = tmp_path_factory.mktemp(f"apuri-outage-{request.param}")
    if request.param == "sqlite":
        with running_stack(var_dir) as stack:
            yield stack, Database(sqlite_path=var_dir / "apuri.db")
        return
    name = f"apuri_e2e_{uuid.uuid4().hex[:10]}"
    url = f"{TEST_DATABASE_URL.rsplit('/', 1)[0]}/{name}"
    try:
        asyncio.run(_on_the_server(f'CREATE DATABASE "{name}"'))
    except OSError as error:
        pytest.fail(f"tests need PostgreSQL at {TEST_DATABASE_URL}: {error}")
    try:
        with running_stack(var_dir, {"DATABASE_URL": url}) as stack:
            yield stack, Database(url=url)
    finally:
        asyncio.run(_on_the_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Texter:
    """A resident texting Apuri; each message has its own MessageSid unless one is given
    (Twilio sends the same sid again when it retries a delivery)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.phone = f"+35840130{next(_numbers):04d}"
        self.national = f"040 130 {self.phone[-4:]}"

    def send(self, body: str, sid: str | None = None) -> str:
        params = {"MessageSid": sid or f"SM{uuid.uuid4().hex}", "From": self.phone, "Body": body}
        return sms_reply(twilio_post(self.stack, "/twilio/sms", params))

    def sender(self) -> str:
        """Rasa's sender id for this number (as the SMS channel derives it)."""
        secret = (self.stack.var_dir / "secret.key").read_text().strip().encode()
        return "sms-" + conversation_of(self.phone, secret)

    def up_to_the_read_back(self, days_ahead: int) -> str:
        day = open_weekday(days_ahead)
        first = self.send(
            f"I'd like to book group room 1 at Oodi on {day:%B} {day.day} at 3 pm for an hour"
        )
        summary = self.send(self.national) if first.startswith("Which mobile number") else first
        assert summary.startswith("Shall I book Helsinki Central Library Oodi, Group room 1"), (
            summary
        )
        return summary


def _rasa_lock_seen(
    stack: Stack, sender: str, seen: threading.Event, stop: threading.Event
) -> None:
    """Sets `seen` once Rasa holds the conversation's lock (it is processing a message)."""
    redis = Redis(port=stack.ports["redis"])
    try:
        while not stop.is_set():
            if redis.exists(f"apuri:lock:{sender}"):
                seen.set()
                return
            time.sleep(0.002)
    finally:
        redis.close()


async def test_a_web_message_while_the_action_server_is_down_is_not_processed(
    outage_stack: tuple[Stack, Database],
) -> None:
    stack, _ = outage_stack
    conversation = "outage-" + uuid.uuid4().hex[:12]
    assert stack.say(conversation, "hej, god morgon")["lang"] == "sv"
    body = {"conversation_id": conversation, "text": "tack så mycket", "message_id": "m-1"}
    with supervisor_paused(stack):
        kill_process(stack, "actions")
        status, error = await asyncio.to_thread(stack.request, "POST", "/api/messages", body)
    assert status == 503, error
    assert error["error"] == "assistant_unavailable"
    assert error["processed"] is False
    assert error["lang"] == "sv"
    assert error["detail"] == message("unavailable", "sv", HELPLINE)

    await asyncio.to_thread(stack.wait_health, 200, 60)
    status, answer = await asyncio.to_thread(stack.request, "POST", "/api/messages", body)
    assert status == 200, answer
    assert answer["lang"] == "sv"
    assert answer["replies"][0]["text"], answer


async def test_a_yes_sent_while_the_action_server_is_down_books_once_when_sent_again(
    outage_stack: tuple[Stack, Database],
) -> None:
    stack, database = outage_stack
    resident = Texter(stack)
    resident.up_to_the_read_back(12)
    yes_sid = f"SM{uuid.uuid4().hex}"

    with supervisor_paused(stack):
        kill_process(stack, "actions")
        reply = await asyncio.to_thread(resident.send, "yes", yes_sid)
        assert reply == NOT_PROCESSED["en"], reply
        assert await database.active_reservations(resident.phone) == 0, "nothing was booked"

    await asyncio.to_thread(stack.wait_health, 200, 60)
    booked = await asyncio.to_thread(resident.send, "yes", yes_sid)  # the same message again
    assert booked.startswith(BOOKED), booked
    assert await database.active_reservations(resident.phone) == 1
    again = await asyncio.to_thread(resident.send, "yes", yes_sid)
    assert again == booked, "a retried message is answered from its first answer"
    other = await asyncio.to_thread(resident.send, "yes")
    assert not other.startswith(BOOKED), other
    assert await database.active_reservations(resident.phone) == 1, "exactly one booking"


async def test_the_action_server_dying_during_the_booking_loses_nothing(
    outage_stack: tuple[Stack, Database],
) -> None:
    stack, database = outage_stack
    resident = Texter(stack)
    resident.up_to_the_read_back(13)
    yes_sid = f"SM{uuid.uuid4().hex}"
    lock = ReservationsLock(database)
    try:
        if database.sqlite_path is None:
            assert await lock.acquire()
            yes = asyncio.create_task(asyncio.to_thread(resident.send, "yes", yes_sid))
            locked = True
        else:
            # SQLite has one lock for the whole file, and the gateway reads the database
            # before it hands an SMS to Rasa: the lock is taken once Rasa has the message.
            rasa_has_it, stop = threading.Event(), threading.Event()
            watcher = threading.Thread(
                target=_rasa_lock_seen, args=(stack, resident.sender(), rasa_has_it, stop)
            )
            watcher.start()
            yes = asyncio.create_task(asyncio.to_thread(resident.send, "yes", yes_sid))
            seen = await asyncio.to_thread(rasa_has_it.wait, 30)
            stop.set()
            watcher.join()
            assert seen, "Rasa never got the message"
            locked = await lock.acquire()
        if locked:
            await lock.booking_waits()
        with supervisor_paused(stack):
            if locked:
                kill_process(stack, "actions")
                await lock.release()  # the booking's connection died with the server
            reply = await yes
            during = await database.active_reservations(resident.phone)
    finally:
        await lock.release()

    if locked:
        assert reply == NOT_PROCESSED["en"], reply
        assert during == 0, "the booking died with the action server"
    else:
        # The booking was quicker than the lock: it is made, and answered, once.
        assert reply.startswith(BOOKED), reply
        assert during == 1

    await asyncio.to_thread(stack.wait_health, 200, 60)
    booked = await asyncio.to_thread(resident.send, "yes", yes_sid)  # the same message again
    assert booked.startswith(BOOKED), booked
    assert await database.active_reservations(resident.phone) == 1
    other = await asyncio.to_thread(resident.send, "yes")
    assert not other.startswith(BOOKED), other
    assert await database.active_reservations(resident.phone) == 1, "exactly one booking"
