"""Health of each part Apuri depends on, as the gateway's `GET /health` reports it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import aiohttp
from pydantic import BaseModel
from pydantic.json_schema import SkipJsonSchema
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from assistant.rasa_client import RasaClient
from assistant.service_search import ServiceSearchProvider

CHECK_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class PartHealth:
    ok: bool
    ms: float
    detail: str | None = None

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"status": "ok" if self.ok else "failing", "ms": self.ms}
        if self.detail:
            body["detail"] = self.detail
        return body


class PartReport(BaseModel):
    """One part in the body of `GET /health` (`PartHealth.as_dict`)."""

    status: Literal["ok", "failing"]
    ms: float
    detail: str | SkipJsonSchema[None] = None


class HealthReport(BaseModel):
    """The body of `GET /health`: each part by name (redis, rasa, actions, database, ...)."""

    status: Literal["ok", "failing"]
    parts: dict[str, PartReport]


async def _timed(check: Callable[[], Awaitable[str | None]]) -> PartHealth:
    started = time.perf_counter()
    try:
        problem = await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        problem = "no answer in time"
    except Exception as error:
        problem = type(error).__name__
    ms = round((time.perf_counter() - started) * 1000, 1)
    return PartHealth(ok=problem is None, ms=ms, detail=problem)


class HealthChecker:
    """Checks Redis, Rasa, the action server, the database and the service index concurrently."""

    def __init__(
        self,
        redis: Redis,
        rasa: RasaClient,
        engine: AsyncEngine,
        session: aiohttp.ClientSession,
        *,
        actions_url: str,
        services: ServiceSearchProvider,
    ) -> None:
        self._redis = redis
        self._rasa = rasa
        self._engine = engine
        self._session = session
        self._actions_url = actions_url
        self._services = services

    async def _redis_check(self) -> str | None:
        return None if await self._redis.ping() else "no PONG"

    async def _rasa_check(self) -> str | None:
        return None if await self._rasa.ready() else "not ready"

    async def _actions_check(self) -> str | None:
        async with self._session.get(self._actions_url + "/health") as response:
            return None if response.status == 200 else f"status {response.status}"

    async def _database_check(self) -> str | None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return None

    async def _knowledge_base_check(self) -> str | None:
        return self._services.problem()

    async def check(self) -> dict[str, PartHealth]:
        names = ("redis", "rasa", "actions", "database", "knowledge_base")
        results = await asyncio.gather(
            _timed(self._redis_check),
            _timed(self._rasa_check),
            _timed(self._actions_check),
            _timed(self._database_check),
            _timed(self._knowledge_base_check),
        )
        return dict(zip(names, results, strict=True))
