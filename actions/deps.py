"""What the actions work with, built once per action-server process.

`actions.server` builds one `Dependencies` from the settings when it starts and hands it
to every action it serves: one database engine, one Redis pool (shared by the resident
sessions and the nurses' call queue), one knowledge base. Tests build their own and pass
it to the actions they run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from assistant.service_search import ServiceSearchProvider
from assistant.settings import Settings
from booking.engine import BookingEngine
from privacy.identity import Identities
from store.db import create_engine
from telecare.queue import CallQueue


@dataclass(frozen=True)
class Dependencies:
    settings: Settings
    search: ServiceSearchProvider
    booking: BookingEngine
    identities: Identities
    redis: Redis
    calls: CallQueue


def build(settings: Settings) -> Dependencies:
    """Everything the actions use, over `settings`; nothing is connected yet."""
    redis = Redis.from_url(settings.effective_redis_url, socket_timeout=5)
    return Dependencies(
        settings=settings,
        search=ServiceSearchProvider(settings.kb_dir, settings.kb_embedder),
        booking=BookingEngine(
            create_engine(settings.effective_database_url), secret=settings.secret
        ),
        identities=Identities(redis, settings.secret),
        redis=redis,
        calls=CallQueue(redis, settings.telecare_team),
    )


async def close(deps: Dependencies) -> None:
    """Closes what `build` opened (the server calls it when it stops)."""
    deps.search.close()
    await deps.redis.aclose()
    await deps.booking.engine.dispose()


class WithDependencies:
    """An action that is given the action server's dependencies when it is built."""

    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps


def client_of(latest_message: dict[str, Any] | None) -> str | None:
    """The hashed client address the gateway passed with the message, if any."""
    metadata = (latest_message or {}).get("metadata") or {}
    client = (metadata.get("apuri") or {}).get("client")
    return client if isinstance(client, str) else None
