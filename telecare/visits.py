"""Scheduled video visits: a nurse books one (`book`), the client (and a carer who agreed
to it) gets a text-message reminder with the join link 15 minutes before, through the same
outbox as booking confirmations; a visit the client did not join is flagged as missed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from privacy.phones import normalise_phone
from store.db import sessions
from store.models import HELSINKI, OutboxMessage
from telecare import texts
from telecare.links import join_link, visit_link_ttl_s
from telecare.models import ScheduledVisit
from telecare.tokens import new_room_id

REMINDER_BEFORE = dt.timedelta(minutes=15)
# A visit nobody joined this long after its start is flagged as missed.
MISSED_AFTER = dt.timedelta(minutes=10)
LINK_GRACE = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Visit:
    id: int
    nurse_id: int
    client_label: str
    lang: str
    starts_at: dt.datetime
    minutes: int
    room: str
    status: str
    client_joined: bool

    def is_missed(self, now: dt.datetime) -> bool:
        return self.status == "missed" or (
            self.status == "scheduled"
            and not self.client_joined
            and now > self.starts_at + MISSED_AFTER
        )

    @property
    def link_expires(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.minutes) + LINK_GRACE


def _visit(row: ScheduledVisit) -> Visit:
    return Visit(
        row.id,
        row.nurse_id,
        row.client_label,
        row.lang,
        row.starts_at,
        row.minutes,
        row.room,
        row.status,
        row.client_joined_at is not None,
    )


async def schedule(
    engine: AsyncEngine,
    *,
    nurse_id: int,
    client_label: str,
    client_phone: str,
    carer_phone: str | None,
    carer_consented: bool,
    lang: str,
    starts_at: dt.datetime,
    minutes: int,
    now: dt.datetime | None = None,
) -> Visit:
    """Books a visit; `write_reminders` then puts its reminders in the outbox (the link
    they carry is signed for the visit's room, which exists only now)."""
    now = now or dt.datetime.now(dt.UTC)
    if starts_at.tzinfo is None:
        raise ValueError("starts_at needs a time zone")
    if not 5 <= minutes <= 120:
        raise ValueError("minutes: 5-120")
    client = normalise_phone(client_phone)
    carer = normalise_phone(carer_phone) if carer_phone and carer_consented else None
    row = ScheduledVisit(
        nurse_id=nurse_id,
        client_label=client_label.strip()[:64],
        client_phone=client,
        carer_phone=carer,
        lang=lang if lang in texts.REMINDER else "fi",
        starts_at=starts_at,
        minutes=minutes,
        room=new_room_id(),
        status="scheduled",
        created_at=now,
    )
    async with sessions(engine)() as session, session.begin():
        session.add(row)
    return _visit(row)


async def book(
    engine: AsyncEngine,
    *,
    secret: bytes,
    base_url: str,
    nurse_id: int,
    client_label: str,
    client_phone: str,
    carer_phone: str | None,
    carer_consented: bool,
    lang: str,
    starts_at: dt.datetime,
    minutes: int,
    now: dt.datetime | None = None,
) -> tuple[Visit, list[int]]:
    """Books a visit and puts its reminders in the outbox, each with the client's join link
    (under `base_url`), valid until the visit's end and its grace; returns the visit and
    the outbox messages' ids. ValueError or InvalidPhone for a visit that cannot be."""
    visit = await schedule(
        engine,
        nurse_id=nurse_id,
        client_label=client_label,
        client_phone=client_phone,
        carer_phone=carer_phone,
        carer_consented=carer_consented,
        lang=lang,
        starts_at=starts_at,
        minutes=minutes,
        now=now,
    )
    ttl_s = visit_link_ttl_s(visit.link_expires, now)
    link = join_link(secret, base_url, visit.room, visit.lang, ttl_s=ttl_s)
    messages = await write_reminders(engine, visit.id, link, now=now)
    return visit, messages


async def write_reminders(
    engine: AsyncEngine, visit_id: int, link: str, *, now: dt.datetime | None = None
) -> list[int]:
    """Puts the reminder for the client (and the consented carer) in the outbox."""
    now = now or dt.datetime.now(dt.UTC)
    async with sessions(engine)() as session, session.begin():
        row = await session.get(ScheduledVisit, visit_id)
        if row is None:
            raise LookupError("no such visit")
        due = max(now, row.starts_at - REMINDER_BEFORE)
        body = texts.reminder(row.lang, f"{row.starts_at.astimezone(HELSINKI):%H:%M}", link)
        messages = [
            OutboxMessage.pending(
                kind="telecare_reminder",
                to_phone=phone,
                body=body,
                lang=row.lang,
                send_after=due,
                created_at=now,
            )
            for phone in (row.client_phone, row.carer_phone)
            if phone
        ]
        session.add_all(messages)
    return [message.id for message in messages]


async def by_room(engine: AsyncEngine, room: str) -> Visit | None:
    async with sessions(engine)() as session:
        row = await session.scalar(select(ScheduledVisit).where(ScheduledVisit.room == room))
    return _visit(row) if row else None


async def client_joined(engine: AsyncEngine, room: str, *, now: dt.datetime | None = None) -> None:
    async with sessions(engine)() as session, session.begin():
        await session.execute(
            update(ScheduledVisit)
            .where(ScheduledVisit.room == room, ScheduledVisit.client_joined_at.is_(None))
            .values(client_joined_at=now or dt.datetime.now(dt.UTC))
        )


async def set_status(engine: AsyncEngine, room: str, status: str) -> None:
    async with sessions(engine)() as session, session.begin():
        await session.execute(
            update(ScheduledVisit).where(ScheduledVisit.room == room).values(status=status)
        )


async def for_day(
    engine: AsyncEngine, nurse_id: int, day: dt.date, *, now: dt.datetime | None = None
) -> list[Visit]:
    """The nurse's visits on `day` (Helsinki time); visits nobody joined are marked missed."""
    now = now or dt.datetime.now(dt.UTC)
    start = dt.datetime.combine(day, dt.time(0), HELSINKI)
    end = start + dt.timedelta(days=1)
    async with sessions(engine)() as session, session.begin():
        rows = list(
            await session.scalars(
                select(ScheduledVisit)
                .where(
                    ScheduledVisit.nurse_id == nurse_id,
                    ScheduledVisit.starts_at >= start,
                    ScheduledVisit.starts_at < end,
                )
                .order_by(ScheduledVisit.starts_at)
            )
        )
        for row in rows:
            if _visit(row).is_missed(now) and row.status == "scheduled":
                row.status = "missed"
                # The phone numbers were only for the reminder.
                row.client_phone = None
                row.carer_phone = None
    return [_visit(row) for row in rows]
