"""Text-message consent: a number that sent STOP gets nothing more until it sends START.

Only the keyed hash of the number is stored (`resident_key`), so the table says whether
*a* number stopped messages, never whose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from privacy.keys import resident_key
from privacy.models import SmsConsent
from store.db import sessions


async def record_sms_consent(
    engine: AsyncEngine, phone_e164: str, secret: bytes, *, stopped: bool, keyword: str
) -> None:
    """Records that `phone_e164` stopped (or restarted) messages, with the keyword it used."""
    key = resident_key(phone_e164, secret)
    now = dt.datetime.now(dt.UTC)
    async with sessions(engine)() as session, session.begin():
        row = await session.get(SmsConsent, key)
        if row is None:
            session.add(
                SmsConsent(phone_key=key, stopped=stopped, keyword=keyword[:16], changed_at=now)
            )
        else:
            row.stopped, row.keyword, row.changed_at = stopped, keyword[:16], now


async def sms_stopped(session: AsyncSession, phone_e164: str, secret: bytes) -> bool:
    """Whether `phone_e164` has stopped Apuri's text messages."""
    stopped = await session.scalar(
        select(SmsConsent.stopped).where(SmsConsent.phone_key == resident_key(phone_e164, secret))
    )
    return bool(stopped)


async def is_sms_stopped(engine: AsyncEngine, phone_e164: str, secret: bytes) -> bool:
    async with sessions(engine)() as session:
        return await sms_stopped(session, phone_e164, secret)


def stop_check(secret: bytes) -> Callable[[AsyncSession, str], Awaitable[bool]]:
    """`sms_stopped` for one secret, as the outbox worker asks it."""

    async def stopped(session: AsyncSession, phone_e164: str) -> bool:
        return await sms_stopped(session, phone_e164, secret)

    return stopped
