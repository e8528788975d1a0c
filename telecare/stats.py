"""Calls and their quality: the record of each call, getStats() summaries, visit notes."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import sessions
from telecare.models import Call, CallStat, VisitNote

OUTCOMES = ("resolved", "visit_needed", "follow_up", "no_answer", "other")


class StatsSample(BaseModel):
    """One summary of RTCPeerConnection.getStats() from a browser, every few seconds."""

    model_config = ConfigDict(extra="ignore")

    rtt_ms: float | None = Field(default=None, ge=0, le=60_000)
    loss_pct: float | None = Field(default=None, ge=0, le=100)
    bitrate_kbps: float | None = Field(default=None, ge=0, le=100_000)
    fps: float | None = Field(default=None, ge=0, le=240)
    audio_only: bool = False


@dataclass(frozen=True)
class CallQuality:
    samples: int
    rtt_ms_median: float | None
    loss_pct_max: float | None
    bitrate_kbps_median: float | None
    fps_median: float | None
    audio_only: bool


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def open_call(
    engine: AsyncEngine,
    room: str,
    *,
    kind: str,
    lang: str,
    nurse_id: int | None,
    request_id: str | None = None,
    visit_id: int | None = None,
    urgency: str | None = None,
) -> None:
    async with sessions(engine)() as session, session.begin():
        if await session.get(Call, room) is not None:
            await session.execute(update(Call).where(Call.room == room).values(nurse_id=nurse_id))
            return
        session.add(
            Call(
                room=room,
                kind=kind,
                request_id=request_id,
                visit_id=visit_id,
                nurse_id=nurse_id,
                lang=lang,
                urgency=urgency,
                created_at=_now(),
            )
        )


async def get_call(engine: AsyncEngine, room: str) -> Call | None:
    async with sessions(engine)() as session:
        return await session.get(Call, room)


async def mark_started(engine: AsyncEngine, room: str) -> None:
    async with sessions(engine)() as session, session.begin():
        await session.execute(
            update(Call)
            .where(Call.room == room, Call.started_at.is_(None))
            .values(started_at=_now())
        )


async def mark_ended(engine: AsyncEngine, room: str) -> None:
    async with sessions(engine)() as session, session.begin():
        await session.execute(
            update(Call).where(Call.room == room, Call.ended_at.is_(None)).values(ended_at=_now())
        )


async def record(engine: AsyncEngine, room: str, role: str, sample: StatsSample) -> None:
    async with sessions(engine)() as session, session.begin():
        session.add(CallStat(room=room, role=role, recorded_at=_now(), **sample.model_dump()))


async def quality(engine: AsyncEngine, room: str) -> CallQuality:
    async with sessions(engine)() as session:
        rows = list(await session.scalars(select(CallStat).where(CallStat.room == room)))

    def median(values: list[float | None]) -> float | None:
        present = [value for value in values if value is not None]
        return statistics.median(present) if present else None

    losses = [row.loss_pct for row in rows if row.loss_pct is not None]
    return CallQuality(
        samples=len(rows),
        rtt_ms_median=median([row.rtt_ms for row in rows]),
        loss_pct_max=max(losses) if losses else None,
        bitrate_kbps_median=median([row.bitrate_kbps for row in rows]),
        fps_median=median([row.fps for row in rows]),
        audio_only=any(row.audio_only for row in rows),
    )


async def add_note(engine: AsyncEngine, room: str, nurse_id: int, outcome: str, note: str) -> int:
    if outcome not in OUTCOMES:
        raise ValueError("unknown outcome")
    item = VisitNote(
        room=room, nurse_id=nurse_id, outcome=outcome, note=note[:5000], created_at=_now()
    )
    async with sessions(engine)() as session, session.begin():
        session.add(item)
    await mark_ended(engine, room)
    return item.id
