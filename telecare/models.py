"""Telecare's tables: nurses, calls with their quality statistics and notes, scheduled visits.

They share `booking.models.Base`, so one Alembic chain (migration 0003) creates them.
Phone numbers of scheduled visits are kept only until the visit is over (the reminder
needs them); logs and statistics carry ids only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, UTCDateTime


class Nurse(Base):
    __tablename__ = "telecare_nurses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(32))
    languages: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Call(Base):
    """One video call: from a queued request or a scheduled visit."""

    __tablename__ = "telecare_calls"

    room: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # request, visit
    request_id: Mapped[str | None] = mapped_column(String(32), index=True)
    visit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    nurse_id: Mapped[int | None] = mapped_column(ForeignKey("telecare_nurses.id"))
    lang: Mapped[str] = mapped_column(String(2))
    urgency: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class CallStat(Base):
    """One getStats() summary a party's browser sent during a call."""

    __tablename__ = "telecare_call_stats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room: Mapped[str] = mapped_column(String(16), index=True)
    role: Mapped[str] = mapped_column(String(8))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    rtt_ms: Mapped[float | None] = mapped_column(Float)
    loss_pct: Mapped[float | None] = mapped_column(Float)
    bitrate_kbps: Mapped[float | None] = mapped_column(Float)
    fps: Mapped[float | None] = mapped_column(Float)
    audio_only: Mapped[bool] = mapped_column(Boolean, default=False)


class VisitNote(Base):
    """What the nurse wrote after a call."""

    __tablename__ = "telecare_visit_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room: Mapped[str] = mapped_column(String(16), index=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("telecare_nurses.id"))
    outcome: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ScheduledVisit(Base):
    """A video visit a nurse booked for a client."""

    __tablename__ = "telecare_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("telecare_nurses.id"), index=True)
    # How the nurse recognises the client on the console (initials, a client number).
    client_label: Mapped[str] = mapped_column(String(64))
    client_phone: Mapped[str | None] = mapped_column(String(32))
    carer_phone: Mapped[str | None] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(2))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    room: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    client_joined_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
