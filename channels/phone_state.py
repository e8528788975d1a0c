"""What the SMS and phone channels remember between a resident's messages, in Redis.

Keys hold only a keyed hash of the phone number (or Twilio's call id), never the number:
the numbered choices last offered, rate-limit counters, and full answers behind an SMS link.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

from redis.asyncio import Redis

from privacy.keys import resident_key

CHOICES_TTL_S = 24 * 3600
FULL_TEXT_TTL_S = 7 * 24 * 3600


def conversation_of(phone: str, secret: bytes) -> str:
    """The conversation id of a phone number: a keyed hash, so Rasa never sees the number."""
    return resident_key(phone.strip(), secret)[:40]


CHOICE_DIGITS = re.compile(r"[0-9]{1,2}")


class PhoneState:
    """Per-conversation state for a phone channel (`channel` is "sms" or "voice")."""

    def __init__(self, redis: Redis, channel: str) -> None:
        self.redis = redis
        self.channel = channel

    def _key(self, kind: str, conversation: str) -> str:
        return f"apuri:{self.channel}:{kind}:{conversation}"

    async def remember_choices(self, conversation: str, payloads: list[str]) -> None:
        key = self._key("choices", conversation)
        if payloads:
            await self.redis.set(key, json.dumps(payloads), ex=CHOICES_TTL_S)
        else:
            await self.redis.delete(key)

    async def choice(self, conversation: str, answer: str) -> str | None:
        """The payload of choice `answer` ("2") among those last offered, if it is one."""
        answer = answer.strip().rstrip(".)")
        if not CHOICE_DIGITS.fullmatch(answer):  # ASCII digits only: "²" or 5,000 digits
            return None
        raw = await self.redis.get(self._key("choices", conversation))
        if not raw:
            return None
        payloads: list[str] = json.loads(raw)
        index = int(answer) - 1
        return payloads[index] if 0 <= index < len(payloads) else None

    async def over_limit(self, conversation: str, per_minute: int, per_hour: int) -> bool:
        """Counts one message; True when this number sent too many in the last minute or hour
        (sliding windows, so a burst across a clock minute is still one burst)."""
        now = time.time()
        key = self._key("rate", conversation)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, 0, now - 3600)
            pipe.zadd(key, {f"{now:.6f}-{secrets.token_hex(3)}": now})
            pipe.zcount(key, now - 60, "+inf")
            pipe.zcard(key)
            pipe.expire(key, 3600)
            _, _, in_minute, in_hour, _ = await pipe.execute()
        return int(in_minute) > per_minute or int(in_hour) > per_hour

    async def first_warning(self, conversation: str, window_s: int = 600) -> bool:
        """True once per window: whether to tell the resident to slow down."""
        return bool(
            await self.redis.set(self._key("warned", conversation), 1, nx=True, ex=window_s)
        )

    async def store_full_text(self, lang: str, text: str) -> str:
        """Keeps a full answer for the "rest behind a link" page; returns its token."""
        token = secrets.token_urlsafe(9)
        await self.redis.set(
            f"apuri:more:{token}", json.dumps({"lang": lang, "text": text}), ex=FULL_TEXT_TTL_S
        )
        return token

    @staticmethod
    async def full_text(redis: Redis, token: str) -> dict[str, Any] | None:
        raw = await redis.get(f"apuri:more:{token}")
        return json.loads(raw) if raw else None
