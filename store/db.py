"""Apuri's SQL database: engines, transactions that serialise writers, and migrations.

SQLite (the default) allows one writer at a time; transactions here begin IMMEDIATE, so
a booking's checks and its insert happen under the write lock, and the overlap trigger
is the last word. PostgreSQL runs the same code under READ COMMITTED, with the exclusion
constraint as the guarantee and a transaction-level advisory lock per resident for the
per-resident limit.

Migrations are Alembic's (`store/migrations`, one history for every capability);
`migrate(url)` brings a database to the newest version and is run by `apuri run`,
`apuri booking seed` and the tests.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30


def async_url(url: str) -> str:
    """A database URL with the async driver Apuri uses (aiosqlite, asyncpg)."""
    if url.startswith("sqlite://"):
        return url.replace("sqlite://", "sqlite+aiosqlite://", 1)
    if url.startswith("postgres://"):
        url = url.replace("postgres://", "postgresql://", 1)
    if url.startswith("postgresql://"):
        return url.replace("postgresql://", "postgresql+asyncpg://", 1)
    return url


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine for `url`; on SQLite every transaction begins IMMEDIATE."""
    url = async_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **options
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event below decide how transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(url, pool_pre_ping=True, **options)


def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Upgrades the database at `url` to `revision` (blocking; call it off the event loop)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


async def migrate_async(url: str, revision: str = "head") -> None:
    """`migrate` from async code: Alembic runs its own event loop, so in a thread."""
    await asyncio.to_thread(migrate, url, revision)
