"""The queue of residents waiting for a home-care nurse, on Redis streams.

Each nurse team has one stream per urgency (`urgent`, `soon`, `normal`) and one consumer
group on each (`nurses`); every nurse is a consumer. A request is a hash (`req:<id>`)
plus an entry in its urgency's stream. A nurse takes the next request with XREADGROUP,
trying the most urgent stream first, so the order is urgency, then waiting time; Redis
gives each entry to exactly one consumer, so two nurses accepting at once never get the
same request. The entry stays pending (in the group's PEL) until the nurse completes
the call; a request a nurse took and then abandoned (no heartbeat for `abandon_after`)
is claimed by the next nurse who accepts (XAUTOCLAIM), so it is never lost. Everything
lives in Redis (with AOF on), so a gateway restart loses nothing.

The hash holds no name or phone number: reason and summary are what the resident agreed
to share, language, urgency, channel and times.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError

Urgency = Literal["urgent", "soon", "normal"]
URGENCIES: tuple[Urgency, ...] = ("urgent", "soon", "normal")
GROUP = "nurses"
PREFIX = "apuri:telecare"
DONE_KEEP_S = 24 * 3600


@dataclass(frozen=True)
class CallRequest:
    id: str
    team: str
    room: str
    urgency: Urgency
    lang: str
    reason: str
    summary: str
    channel: str
    created_at: float
    status: str = "waiting"  # waiting, assigned, done, cancelled
    nurse: str = ""
    callback: bool = False

    def waiting_s(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.created_at)

    @classmethod
    def from_hash(cls, data: dict[bytes, bytes]) -> CallRequest:
        text = {key.decode(): value.decode() for key, value in data.items()}
        urgency = text.get("urgency", "normal")
        return cls(
            id=text["id"],
            team=text["team"],
            room=text["room"],
            urgency=_urgency(urgency),
            lang=text.get("lang", "fi"),
            reason=text.get("reason", ""),
            summary=text.get("summary", ""),
            channel=text.get("channel", "web"),
            created_at=float(text.get("created_at", "0")),
            status=text.get("status", "waiting"),
            nurse=text.get("nurse", ""),
            callback=text.get("callback") == "1",
        )


def _urgency(text: str) -> Urgency:
    for urgency in URGENCIES:
        if urgency == text:
            return urgency
    return "normal"


Entry = tuple[bytes, dict[bytes, bytes]]


class CallQueue:
    """One nurse team's queue. `redis` must not decode responses."""

    def __init__(self, redis: Redis, team: str, *, abandon_after_s: float = 600.0) -> None:
        self.redis = redis
        self.team = team
        self.abandon_after_ms = int(abandon_after_s * 1000)

    def _stream(self, urgency: Urgency) -> str:
        return f"{PREFIX}:{self.team}:q:{urgency}"

    @staticmethod
    def _request_key(request_id: str) -> str:
        return f"{PREFIX}:req:{request_id}"

    async def ensure_groups(self) -> None:
        """Creates the consumer group on each stream (once; later calls change nothing)."""
        for urgency in URGENCIES:
            try:
                await self.redis.xgroup_create(self._stream(urgency), GROUP, id="0", mkstream=True)
            except ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise

    async def enqueue(
        self,
        *,
        room: str,
        urgency: Urgency,
        lang: str,
        reason: str,
        summary: str = "",
        channel: str = "web",
        callback: bool = False,
        now: float | None = None,
    ) -> CallRequest:
        await self.ensure_groups()
        request = CallRequest(
            id=uuid.uuid4().hex,
            team=self.team,
            room=room,
            urgency=urgency,
            lang=lang,
            reason=reason[:200],
            summary=summary[:2000],
            channel=channel,
            created_at=time.time() if now is None else now,
            callback=callback,
        )
        fields: dict[Any, str] = {
            key: ("1" if value is True else "0" if value is False else str(value))
            for key, value in asdict(request).items()
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._request_key(request.id), mapping=fields)
            pipe.xadd(self._stream(urgency), {"id": request.id})
            await pipe.execute()
        return request

    async def get(self, request_id: str) -> CallRequest | None:
        data = cast(dict[bytes, bytes], await self.redis.hgetall(self._request_key(request_id)))
        return CallRequest.from_hash(data) if data else None

    async def waiting(self) -> list[CallRequest]:
        """Requests no nurse has taken, most urgent first, then longest waiting first."""
        await self.ensure_groups()
        found: list[CallRequest] = []
        for urgency in URGENCIES:
            stream = self._stream(urgency)
            groups = await self.redis.xinfo_groups(stream)
            last = next(
                (g["last-delivered-id"] for g in groups if g["name"] in (GROUP, GROUP.encode())),
                b"0-0",
            )
            # Entries after the group's last delivered id have not been given to anyone.
            last_text = last.decode() if isinstance(last, bytes) else str(last)
            entries = cast(
                list[Entry], await self.redis.xrange(stream, min=f"({last_text}", max="+")
            )
            found.extend(await self._requests(entries, statuses=("waiting",)))
        return found

    async def assigned_to(self, nurse: str) -> list[CallRequest]:
        """The requests `nurse` has taken and not completed (they survive restarts)."""
        await self.ensure_groups()
        found: list[CallRequest] = []
        for urgency in URGENCIES:
            pending = await self.redis.xpending_range(
                self._stream(urgency), GROUP, min="-", max="+", count=100, consumername=nurse
            )
            for item in pending:
                entries = cast(
                    list[Entry],
                    await self.redis.xrange(
                        self._stream(urgency), min=item["message_id"], max=item["message_id"]
                    ),
                )
                found.extend(await self._requests(entries, statuses=("assigned",)))
        return found

    async def _requests(
        self, entries: Sequence[Entry], statuses: tuple[str, ...]
    ) -> list[CallRequest]:
        found = []
        for _entry_id, fields in entries:
            request = await self.get(fields[b"id"].decode())
            if request is not None and request.status in statuses:
                found.append(request)
        return found

    async def accept_next(self, nurse: str) -> CallRequest | None:
        """Gives `nurse` the most urgent, longest-waiting request, or None when none waits.

        Abandoned requests (taken, no heartbeat for `abandon_after`) come before new ones of
        the same urgency: they have waited longer.
        """
        await self.ensure_groups()
        for urgency in URGENCIES:
            stream = self._stream(urgency)
            while True:
                entry = await self._claim_abandoned(stream, nurse)
                if entry is None:
                    reply = cast(
                        list[tuple[bytes, list[Entry]]],
                        await self.redis.xreadgroup(
                            GROUP, nurse, {stream: ">"}, count=1, block=None
                        ),
                    )
                    entry = reply[0][1][0] if reply and reply[0][1] else None
                if entry is None:
                    break
                entry_id, fields = entry
                request = await self.get(fields[b"id"].decode())
                if request is None or request.status in ("done", "cancelled"):
                    await self._forget(stream, entry_id)
                    continue
                await self.redis.hset(
                    self._request_key(request.id),
                    mapping={"status": "assigned", "nurse": nurse, "assigned_at": str(time.time())},
                )
                return await self.get(request.id)
        return None

    async def _claim_abandoned(self, stream: str, nurse: str) -> Entry | None:
        reply: list[Any] = await self.redis.xautoclaim(
            stream, GROUP, nurse, min_idle_time=self.abandon_after_ms, start_id="0-0", count=1
        )
        claimed = cast(list[Entry], reply[1])
        return claimed[0] if claimed else None

    async def heartbeat(self, nurse: str) -> int:
        """Marks `nurse`'s taken requests as still being handled; returns how many."""
        count = 0
        for urgency in URGENCIES:
            stream = self._stream(urgency)
            pending = await self.redis.xpending_range(
                stream, GROUP, min="-", max="+", count=100, consumername=nurse
            )
            ids: list[int | bytes | str | memoryview] = [item["message_id"] for item in pending]
            if ids:
                await self.redis.xclaim(stream, GROUP, nurse, 0, ids, justid=True)
                count += len(ids)
        return count

    async def complete(self, request_id: str, nurse: str) -> bool:
        """Ends a request `nurse` holds: acknowledged and removed from its stream."""
        request = await self.get(request_id)
        if request is None or request.nurse != nurse or request.status != "assigned":
            return False
        await self._finish(request, "done")
        return True

    async def cancel(self, request_id: str) -> bool:
        """The resident gave up waiting: the request leaves the queue."""
        request = await self.get(request_id)
        if request is None or request.status not in ("waiting", "assigned"):
            return False
        await self._finish(request, "cancelled")
        return True

    async def _finish(self, request: CallRequest, status: str) -> None:
        key = self._request_key(request.id)
        await self.redis.hset(key, mapping={"status": status, "finished_at": str(time.time())})
        await self.redis.expire(key, DONE_KEEP_S)
        stream = self._stream(request.urgency)
        async for entry_id in self._entry_ids(stream, request.id):
            await self._forget(stream, entry_id)

    async def _entry_ids(self, stream: str, request_id: str) -> AsyncIterator[bytes]:
        entries = cast(list[Entry], await self.redis.xrange(stream, min="-", max="+"))
        for entry_id, fields in entries:
            if fields.get(b"id") == request_id.encode():
                yield entry_id

    async def _forget(self, stream: str, entry_id: bytes) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(stream, GROUP, entry_id)
            pipe.xdel(stream, entry_id)
            await pipe.execute()
