"""Sending the outbox: every message to a resident is in the database before it is sent.

`OutboxWorker` claims due messages one at a time (an UPDATE that only one worker can win),
sends each through a `Sender`, and records the result. A failure is retried with
backoff (30 s, 2 min, 10 min, 1 h, 3 h) and after the last attempt the message is marked
`failed`, visible on the admin page, never silently dropped. A message left `sending` by
a crash is retried after `STALE_AFTER`.

Senders: `TwilioSender` (Twilio Programmable Messaging, credentials from the environment)
and, when no credentials are set, `LocalSender`, which marks the message delivered so a
developer or a test sees exactly what a resident would have received.

Logs carry message ids, kinds and outcomes, never a number or a text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.db import sessions
from store.models import OutboxMessage

log = logging.getLogger(__name__)

BACKOFF = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(hours=1),
    dt.timedelta(hours=3),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
STALE_AFTER = dt.timedelta(minutes=5)
# Messages whose text is a secret (one-time codes): erased once a real sender has sent them.
# LocalSender keeps them, as it keeps every message for review on this machine.
SECRET_KINDS = frozenset({"code"})


class SendError(Exception):
    """A send that failed; `permanent` errors (a bad number) are not retried."""

    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.permanent = permanent


class Sender(Protocol):
    name: str

    async def send(self, to: str, body: str) -> str:
        """Sends one SMS; returns the provider's message id, or raises SendError."""
        ...


class LocalSender:
    """Delivers nothing outside this machine: the message is marked sent and kept for review."""

    name = "local"

    async def send(self, to: str, body: str) -> str:
        return "local"


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str
    auth_token: str
    sender: str  # a phone number (+358...) or a Messaging Service SID (MG...)


class TwilioSender:
    """Twilio Programmable Messaging through the `twilio` library (in a worker thread)."""

    name = "twilio"

    def __init__(self, credentials: TwilioCredentials) -> None:
        from twilio.rest import Client

        self._client = Client(credentials.account_sid, credentials.auth_token)
        self._sender = credentials.sender

    def _send(self, to: str, body: str) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        origin = (
            {"messaging_service_sid": self._sender}
            if self._sender.startswith("MG")
            else {"from_": self._sender}
        )
        try:
            message = self._client.messages.create(to=to, body=body, **origin)
        except TwilioRestException as error:
            # 4xx: the request itself is wrong (invalid or unreachable number): no retry.
            permanent = 400 <= (error.status or 500) < 500 and error.status != 429
            raise SendError(f"twilio {error.status} {error.code}", permanent=permanent) from None
        except TwilioException as error:
            raise SendError(f"twilio {type(error).__name__}") from None
        return str(message.sid)

    async def send(self, to: str, body: str) -> str:
        return await asyncio.to_thread(self._send, to, body)


def make_sender(credentials: TwilioCredentials | None) -> Sender:
    return TwilioSender(credentials) if credentials else LocalSender()


# Whether a recipient has asked for no more messages (privacy.consent.stop_check).
StopCheck = Callable[[AsyncSession, str], Awaitable[bool]]


class OutboxWorker:
    """Sends due outbox messages; run `run()` as a task, or `send_due()` once."""

    def __init__(
        self,
        engine: AsyncEngine,
        sender: Sender,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        interval_s: float = 2.0,
        stopped: StopCheck | None = None,
    ) -> None:
        self.stopped = stopped  # with it, numbers that sent STOP are never messaged
        self.sessions = sessions(engine)
        self.sender = sender
        self.clock = clock
        self.interval_s = interval_s

    async def _claim(self) -> OutboxMessage | None:
        """The oldest due message, marked `sending` by this worker alone."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            candidate = await session.scalar(
                select(OutboxMessage)
                .where(
                    or_(
                        (OutboxMessage.status == "pending")
                        & (OutboxMessage.next_attempt_at <= now),
                        (OutboxMessage.status == "sending")
                        & (OutboxMessage.next_attempt_at <= now - STALE_AFTER),
                    )
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(1)
            )
            if candidate is None:
                return None
            claimed = await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == candidate.id,
                    OutboxMessage.status == candidate.status,
                    OutboxMessage.attempts == candidate.attempts,
                )
                .values(status="sending", attempts=candidate.attempts + 1, next_attempt_at=now)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
        candidate.attempts += 1
        return candidate

    async def _stopped(self, phone: str) -> bool:
        if self.stopped is None:
            return False
        async with self.sessions() as session:
            return await self.stopped(session, phone)

    async def _record(self, message_id: int, **values: object) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
            )

    async def send_due(self, limit: int = 50) -> int:
        """Sends up to `limit` due messages; returns how many were attempted."""
        attempted = 0
        while attempted < limit:
            message = await self._claim()
            if message is None:
                break
            attempted += 1
            if await self._stopped(message.to_phone):
                await self._record(
                    message.id, status="suppressed", last_error="recipient sent STOP"
                )
                log.info("outbox.suppressed id=%s kind=%s", message.id, message.kind)
                continue
            try:
                provider_id = await self.sender.send(message.to_phone, message.body)
            except SendError as error:
                final = error.permanent or message.attempts >= MAX_ATTEMPTS
                retry_at = self.clock() + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
                await self._record(
                    message.id,
                    status="failed" if final else "pending",
                    next_attempt_at=retry_at,
                    last_error=str(error)[:200],
                )
                log.warning(
                    "outbox.send_failed id=%s kind=%s attempt=%s final=%s",
                    message.id,
                    message.kind,
                    message.attempts,
                    final,
                )
                continue
            sent: dict[str, object] = {
                "status": "sent",
                "sent_at": self.clock(),
                "provider_id": provider_id[:64],
            }
            if message.kind in SECRET_KINDS and self.sender.name != "local":
                # A code has done its work once sent; the database keeps no copy of it.
                sent["body"] = "(erased after sending)"
            await self._record(message.id, **sent)
            log.info("outbox.sent id=%s kind=%s via=%s", message.id, message.kind, self.sender.name)
        return attempted

    async def run(self) -> None:
        """Sends due messages forever, every `interval_s` seconds."""
        while True:
            try:
                await self.send_due()
            except Exception:
                log.exception("outbox.worker_failed")
            await asyncio.sleep(self.interval_s)


async def enqueue(engine: AsyncEngine, *, to_phone: str, body: str, lang: str, kind: str) -> int:
    """Writes one message to the outbox for the worker to send; returns its id."""
    now = dt.datetime.now(dt.UTC)
    message = OutboxMessage.pending(
        kind=kind, to_phone=to_phone, body=body, lang=lang, send_after=now, created_at=now
    )
    async with sessions(engine)() as session, session.begin():
        session.add(message)
    return message.id
