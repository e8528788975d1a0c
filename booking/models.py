"""The booking tables: resources with their rules, reservations, and the message outbox.

Times are stored in UTC (`UTCDateTime`): `timestamptz` on PostgreSQL, ISO text on SQLite
(naive UTC, so text order is time order, which the SQLite overlap trigger relies on).

No double booking is enforced by the database itself (see the migration 0001):
a PostgreSQL exclusion constraint over (resource, [starts_at, blocked_until)) for active
reservations, and on SQLite triggers that abort an overlapping insert or update, inside
transactions that begin IMMEDIATE (one writer at a time, `booking.db`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

UTC = dt.UTC


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


class Resource(Base):
    """A bookable space: a sports hall, a sauna, a meeting room, a music studio."""

    __tablename__ = "booking_resources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    unit_id: Mapped[int | None] = mapped_column(Integer)
    # {"fi": ..., "sv": ..., "en": ...} for names, unit names, addresses, notes.
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    unit_name: Mapped[dict[str, str]] = mapped_column(JSON)
    address: Mapped[dict[str, str] | None] = mapped_column(JSON)
    area: Mapped[str] = mapped_column(String(64))
    accessibility: Mapped[dict[str, str] | None] = mapped_column(JSON)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    # booking.rules.Rules as JSON.
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)


class Reservation(Base):
    """One booking of one resource for one time range."""

    __tablename__ = "booking_reservations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("booking_resources.id"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # ends_at plus the resource's buffer: the range no other booking may overlap.
    blocked_until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="active")
    # A keyed hash of the resident's phone number: who holds the booking, without the number.
    resident_key: Mapped[str] = mapped_column(String(64), index=True)
    # A keyed hash of the address the booking came from (web and API), for rate limits.
    client_key: Mapped[str | None] = mapped_column(String(32), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(16))
    # sha256 of the secret token that lets the resident manage the booking (never stored).
    token_hash: Mapped[str] = mapped_column(String(64))
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_booking_reservations_resource_start", "resource_id", "starts_at"),)


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


class SmsConsent(Base):
    """Whether a phone number has stopped Apuri's text messages (STOP / LOPETA / STOPP).

    Keyed by the keyed hash of the number, never the number. A stopped number gets no
    reply and no outbox message until it sends START again.
    """

    __tablename__ = "sms_consents"

    phone_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    keyword: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CallRecord(Base):
    """A phone call's progress as Twilio reports it (status callbacks), for the contact centre."""

    __tablename__ = "call_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(24))
    duration_s: Mapped[int | None] = mapped_column(Integer)
    lang: Mapped[str | None] = mapped_column(String(2))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
