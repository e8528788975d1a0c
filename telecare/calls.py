"""A nurse's calls: which rooms are hers (a request she accepted, a visit she booked), and
closing one with its note. The console asks these before it shows or ends a call.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from telecare import stats, visits
from telecare.queue import CallQueue, CallRequest


@dataclass(frozen=True)
class NursesCall:
    room: str
    # The queue request behind the call; None for a scheduled visit.
    request: CallRequest | None


async def accept_next(engine: AsyncEngine, queue: CallQueue, nurse_id: int) -> CallRequest | None:
    """The next waiting request becomes this nurse's, and its call is opened."""
    taken = await queue.accept_next(str(nurse_id))
    if taken is None:
        return None
    await stats.open_call(
        engine,
        taken.room,
        kind="request",
        lang=taken.lang,
        nurse_id=nurse_id,
        request_id=taken.id,
        urgency=taken.urgency,
    )
    return taken


async def nurses_call(
    engine: AsyncEngine, queue: CallQueue, room: str, nurse_id: int
) -> NursesCall | None:
    """The call in `room` when it is this nurse's request or scheduled visit (a visit's
    call is opened the first time she does), else None."""
    call = await stats.get_call(engine, room)
    if call is not None and call.nurse_id == nurse_id:
        request = await queue.get(call.request_id) if call.request_id else None
        return NursesCall(room, request)
    visit = await visits.by_room(engine, room)
    if visit is not None and visit.nurse_id == nurse_id:
        await stats.open_call(
            engine, room, kind="visit", lang=visit.lang, nurse_id=nurse_id, visit_id=visit.id
        )
        return NursesCall(room, None)
    return None


async def close(
    engine: AsyncEngine,
    queue: CallQueue,
    call: NursesCall,
    *,
    nurse_id: int,
    outcome: str,
    note: str,
) -> None:
    """The nurse's note on the call; its request is done, its visit done (or missed when
    the client did not answer). ValueError for an outcome not in `stats.OUTCOMES`."""
    await stats.add_note(engine, call.room, nurse_id, outcome, note)
    if call.request is not None:
        await queue.complete(call.request.id, str(nurse_id))
    if await visits.by_room(engine, call.room) is not None:
        await visits.set_status(engine, call.room, "done" if outcome != "no_answer" else "missed")
