"""The nurse queue on real Redis streams: order, no double assignment, restarts."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from telecare.queue import CallQueue, Urgency
from telecare.tokens import new_room_id
from tests.telecare.conftest import TELECARE_REDIS_URL


async def _enqueue(queue: CallQueue, urgency: Urgency, reason: str, at: float) -> str:
    request = await queue.enqueue(
        room=new_room_id(),
        urgency=urgency,
        lang="fi",
        reason=reason,
        now=at,
    )
    return request.id


async def test_nurses_get_the_most_urgent_then_the_longest_waiting(telecare_redis: Redis) -> None:
    queue = CallQueue(telecare_redis, "team-a")
    await _enqueue(queue, "normal", "normal-1", 100)
    await _enqueue(queue, "urgent", "urgent-1", 200)
    await _enqueue(queue, "soon", "soon-1", 150)
    await _enqueue(queue, "normal", "normal-2", 110)
    await _enqueue(queue, "urgent", "urgent-2", 300)

    listed = [item.reason for item in await queue.waiting()]
    taken = [(await queue.accept_next("nurse-1")) for _ in range(5)]

    order = ["urgent-1", "urgent-2", "soon-1", "normal-1", "normal-2"]
    assert listed == order
    assert [item.reason for item in taken if item] == order
    assert await queue.accept_next("nurse-1") is None
    assert await queue.waiting() == []


async def test_two_nurses_accepting_at_once_never_get_the_same_request(
    telecare_redis: Redis,
) -> None:
    await CallQueue(telecare_redis, "team-a").ensure_groups()
    for round_ in range(20):
        setup = CallQueue(telecare_redis, "team-a")
        ids = {await _enqueue(setup, "normal", f"r{round_}-{i}", i) for i in range(3)}
        # Two gateways (two Redis connections), two nurses, the same instant.
        first, second = Redis.from_url(TELECARE_REDIS_URL), Redis.from_url(TELECARE_REDIS_URL)
        try:
            results = await asyncio.gather(
                *(
                    CallQueue(conn, "team-a").accept_next(nurse)
                    for conn, nurse in ((first, "anna"), (second, "bertil")) * 2
                )
            )
        finally:
            await first.aclose()
            await second.aclose()
        got = [item.id for item in results if item is not None]
        assert len(got) == 3 and set(got) == ids, "each request to exactly one nurse"
        assert all(item is None or item.status == "assigned" for item in results)


async def test_the_queue_survives_a_gateway_restart(telecare_redis: Redis) -> None:
    before = CallQueue(telecare_redis, "team-a")
    waiting = await _enqueue(before, "soon", "still waiting", 100)
    taken = await _enqueue(before, "urgent", "taken before the restart", 50)
    assert (await before.accept_next("anna")).id == taken  # type: ignore[union-attr]

    # A new process: a new connection and a new queue object, nothing in memory.
    connection = Redis.from_url(TELECARE_REDIS_URL)
    try:
        after = CallQueue(connection, "team-a")
        assert [item.id for item in await after.waiting()] == [waiting]
        assert [item.id for item in await after.assigned_to("anna")] == [taken]
        assert await after.complete(taken, "bertil") is False, "only the nurse who took it"
        assert await after.complete(taken, "anna") is True
        assert await after.assigned_to("anna") == []
        assert (await after.accept_next("bertil")).id == waiting  # type: ignore[union-attr]
    finally:
        await connection.aclose()


async def test_an_abandoned_request_goes_to_the_next_nurse_not_lost(
    telecare_redis: Redis,
) -> None:
    queue = CallQueue(telecare_redis, "team-a", abandon_after_s=0.2)
    request_id = await _enqueue(queue, "normal", "abandoned", 100)
    assert (await queue.accept_next("anna")).id == request_id  # type: ignore[union-attr]
    assert await queue.accept_next("bertil") is None, "not while anna may still call"

    await asyncio.sleep(0.3)
    again = await queue.accept_next("bertil")

    assert again is not None and again.id == request_id and again.nurse == "bertil"
    assert await queue.assigned_to("anna") == []


async def test_a_heartbeat_keeps_a_request_with_its_nurse(telecare_redis: Redis) -> None:
    queue = CallQueue(telecare_redis, "team-a", abandon_after_s=0.3)
    request_id = await _enqueue(queue, "normal", "in a call", 100)
    await queue.accept_next("anna")
    for _ in range(3):
        await asyncio.sleep(0.15)
        assert await queue.heartbeat("anna") == 1
    assert await queue.accept_next("bertil") is None
    assert [item.id for item in await queue.assigned_to("anna")] == [request_id]


async def test_a_cancelled_request_is_skipped(telecare_redis: Redis) -> None:
    queue = CallQueue(telecare_redis, "team-a")
    gone = await _enqueue(queue, "urgent", "gave up", 100)
    kept = await _enqueue(queue, "normal", "still here", 200)
    assert await queue.cancel(gone)
    assert [item.id for item in await queue.waiting()] == [kept]
    assert (await queue.accept_next("anna")).id == kept  # type: ignore[union-attr]


async def test_teams_have_their_own_queues(telecare_redis: Redis) -> None:
    await _enqueue(CallQueue(telecare_redis, "east"), "normal", "east", 100)
    assert await CallQueue(telecare_redis, "west").accept_next("anna") is None
    assert (await CallQueue(telecare_redis, "east").accept_next("anna")) is not None
