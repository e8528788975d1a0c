"""A phone call's remembered state in Redis."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

from aiohttp import web
from redis.asyncio import Redis

from assistant.keys import REDIS
from channels.voice_call import CALL_TTL_S, Call


def _call(redis: Redis, sid: str) -> Call:
    request = cast(web.Request, SimpleNamespace(app={REDIS: redis}))
    return Call(request, sid)


async def test_updates_keep_each_others_fields(redis: Redis) -> None:
    call = _call(redis, "CA-state-1")
    await call.update(lang="sv", silence=0, choices=["/a", "/b"])
    # A turn and a status callback at the same moment: neither undoes the other.
    await asyncio.gather(call.update(silence=2), call.update(offer_key="1", sms_text=None))
    state: dict[str, Any] = await call.get()
    assert state == {
        "lang": "sv",
        "silence": 2,
        "choices": ["/a", "/b"],
        "offer_key": "1",
        "sms_text": None,
    }
    assert 0 < await redis.ttl(call.key) <= CALL_TTL_S


async def test_an_unknown_call_has_no_state(redis: Redis) -> None:
    assert await _call(redis, "CA-never-seen").get() == {}
