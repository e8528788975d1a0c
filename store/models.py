"""What every capability stores: the declarative base, UTC times, the message outbox and
phone-call records.

Times are stored in UTC (`UTCDateTime`): `timestamptz` on PostgreSQL, ISO text on SQLite
(naive UTC, so text order is time order). The tables of booking, telecare and privacy
join `Base` in their own `models` modules; `store/migrations` is the one Alembic history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Dialect, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

UTC = dt.UTC
# The city's own time, in which residents and staff read every stored time.
HELSINKI = ZoneInfo("Europe/Helsinki")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime, stored as UTC; read back aware (UTC) on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a time zone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class OutboxMessage(Base):
    """A message to a resident, written before it is sent, so none is lost or silently dropped."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    to_phone: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(2))
    reservation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    send_after: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    @classmethod
    def pending(
        cls,
        *,
        kind: str,
        to_phone: str,
        body: str,
        lang: str,
        send_after: dt.datetime,
        created_at: dt.datetime,
        reservation_id: str | None = None,
    ) -> OutboxMessage:
        """A new message for the worker to send at `send_after` or soon after."""
        return cls(
            kind=kind,
            to_phone=to_phone,
            body=body,
            lang=lang,
            reservation_id=reservation_id,
            status="pending",
            attempts=0,
            send_after=send_after,
            next_attempt_at=send_after,
            created_at=created_at,
        )


class CallRecord(Base):
    """A phone call's progress as Twilio reports it (status callbacks), for the contact centre."""

    __tablename__ = "call_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(24))
    duration_s: Mapped[int | None] = mapped_column(Integer)
    lang: Mapped[str | None] = mapped_column(String(2))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
