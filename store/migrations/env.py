"""Alembic environment for all of Apuri's tables (async engines, no alembic.ini).

One history for the whole product: each capability's models module adds its tables to
`store.models.Base`, and is imported here so that autogenerate sees them."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from booking import models as _booking_models  # noqa: F401  (their tables join Base)
from privacy import models as _privacy_models  # noqa: F401
from store.models import Base
from telecare import models as _telecare_models  # noqa: F401

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


async def _online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_online())
