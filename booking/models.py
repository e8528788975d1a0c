"""The booking tables: resources with their rules and reservations.

Times are stored in UTC (`UTCDateTime`): `timestamptz` on PostgreSQL, ISO text on SQLite
(naive UTC, so text order is time order, which the SQLite overlap trigger relies on).

No double booking is enforced by the database itself (see the migration 0001):
a PostgreSQL exclusion constraint over (resource, [starts_at, blocked_until)) for active
reservations, and on SQLite triggers that abort an overlapping insert or update, inside
transactions that begin IMMEDIATE (one writer at a time, `store.db`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, UTCDateTime


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
