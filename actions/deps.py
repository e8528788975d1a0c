"""What the actions work with, built once per action-server process.

The action server imports `actions` and serves its classes; the first action that needs
a dependency builds them all from the environment (`Settings.from_env()`), and every later
call reuses them: one database engine, one Redis pool. Tests hand in their own with `use`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from assistant.settings import Settings
from booking.engine import BookingEngine
from privacy.identity import Identities
from store.db import create_engine


@dataclass(frozen=True)
class Dependencies:
    booking: BookingEngine
    identities: Identities


class _Current:
    value: Dependencies | None = None


def build(settings: Settings) -> Dependencies:
    redis = Redis.from_url(settings.effective_redis_url, socket_timeout=5)
    engine = create_engine(settings.effective_database_url)
    return Dependencies(
        booking=BookingEngine(engine, secret=settings.secret),
        identities=Identities(redis, settings.secret),
    )


def dependencies() -> Dependencies:
    if _Current.value is None:
        _Current.value = build(Settings.from_env())
    return _Current.value


def use(deps: Dependencies | None) -> None:
    """Replaces what the actions use (tests); None builds afresh on next use."""
    _Current.value = deps


def client_of(latest_message: dict[str, Any] | None) -> str | None:
    """The hashed client address the gateway passed with the message, if any."""
    metadata = (latest_message or {}).get("metadata") or {}
    client = (metadata.get("apuri") or {}).get("client")
    return client if isinstance(client, str) else None
