"""Booking fixtures: a migrated, seeded database on SQLite and on PostgreSQL, and a clock.

PostgreSQL is the one at TEST_DATABASE_URL (default: the local server on 127.0.0.1:5432,
database `test`); the booking tables are dropped and migrated afresh for each test.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.engine import BookingEngine
from booking.seed import seed
from store.db import create_engine, migrate_async
from store.models import HELSINKI, Base
from telecare import models as _telecare_models  # noqa: F401  (its tables join Base)

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = b"test-secret-key-for-resident-hashes"
# Monday 30 November 2026, 09:00 in Helsinki.
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=HELSINKI)
PHONE = "+358401234567"
OTHER_PHONE = "+358409876543"


class Clock:
    """The time the engine sees; tests move it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


async def _reset_postgresql(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table.name} CASCADE")
            await connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    except OSError as error:
        pytest.fail(f"tests need PostgreSQL at {url} (set TEST_DATABASE_URL): {error}")
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'booking.db'}"
    return TEST_DATABASE_URL


@pytest.fixture
async def booking_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    if database_url.startswith("postgres"):
        await _reset_postgresql(database_url)
    await migrate_async(database_url)
    engine = create_engine(database_url)
    await seed(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def engine(booking_engine: AsyncEngine, clock: Clock) -> BookingEngine:
    return BookingEngine(booking_engine, secret=SECRET, clock=clock)


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> dt.datetime:
    """A Helsinki time in December 2026 (or another month of 2026)."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=HELSINKI)


def local(moment: Any) -> str:
    return f"{moment.astimezone(HELSINKI):%d.%m %H:%M}"
