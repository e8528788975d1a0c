"""Who is asking: a resident's phone number, proved before anything touches their records.

A number is proved in one of two ways:

* by the channel: on SMS and the phone, the number Twilio verified (`method="channel"`);
* by a one-time code: six digits sent by SMS to the number, valid ten minutes, five tries,
  at most a few codes per number and per client address in a window
  (`method="sms-code"`).

What is proved is kept as a **resident session**: server-side in Redis, under a random id
signed with Apuri's secret key, expiring after `SESSION_TTL` of no use. A conversation
(web, SMS, phone) is bound to its session by its sender id; the booking API hands the
session id to its client as a bearer token. Strong identification (Suomi.fi) would be a
third method that opens the same kind of session.

Codes are never stored or logged in the clear: Redis holds an HMAC of the code, bound to
the subject and the number it was sent to.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from redis.asyncio import Redis

Method = Literal["channel", "sms-code"]

CODE_DIGITS = 6
CODE_TTL_S = 10 * 60
MAX_TRIES = 5
SESSION_TTL_S = 30 * 60
MAX_PHONES = 3
# Codes per number: 3 in 15 minutes and 10 a day; per client address: 10 an hour.
NUMBER_LIMITS = ((3, 15 * 60), (10, 24 * 3600))
ADDRESS_LIMITS = ((10, 3600),)

PREFIX = "apuri:identity"


class Refusal(StrEnum):
    """Why a code was not sent or not accepted."""

    RATE_LIMITED = "rate_limited"
    NO_CODE = "no_code"
    EXPIRED = "expired"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass
class CodeRefused(Exception):
    reason: Refusal
    tries_left: int = 0


@dataclass(frozen=True)
class Session:
    """A resident session: the numbers proved in it, newest last, and how."""

    id: str
    phones: dict[str, Method]

    @property
    def phone(self) -> str:
        """The number that stands for the resident: proved by the channel if one was."""
        channel = [p for p, how in self.phones.items() if how == "channel"]
        return channel[-1] if channel else list(self.phones)[-1]

    def proves(self, phone: str) -> bool:
        return phone in self.phones


CODE_SMS = {
    "fi": "Apuri: vahvistuskoodisi on {code}. Se on voimassa 10 minuuttia. Älä kerro koodia "
    "kenellekään.",
    "sv": "Apuri: din verifieringskod är {code}. Den gäller i 10 minuter. Berätta inte koden "
    "för någon.",
    "en": "Apuri: your verification code is {code}. It is valid for 10 minutes. Never tell "
    "it to anyone.",
}


def code_sms(code: str, lang: str) -> str:
    return CODE_SMS.get(lang, CODE_SMS["fi"]).format(code=code)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _decoded(stored: dict[bytes | str, bytes | str]) -> dict[str, str]:
    return {_text(k): _text(v) for k, v in stored.items()}


def _digest(secret: bytes, *parts: str) -> str:
    return hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


class Identities:
    """Proves residents' numbers and keeps their sessions, on Redis."""

    def __init__(
        self, redis: Redis, secret: bytes, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = redis
        self._secret = secret
        self._clock = clock

    # -- keys ----------------------------------------------------------------------------

    def _subject(self, subject: str) -> str:
        return _digest(self._secret, "subject", subject)[:32]

    def _session_key(self, session_id: str) -> str:
        return f"{PREFIX}:session:{session_id}"

    def _binding_key(self, sender: str) -> str:
        return f"{PREFIX}:conversation:{self._subject(sender)}"

    def _code_key(self, subject: str) -> str:
        return f"{PREFIX}:code:{self._subject(subject)}"

    # -- sessions ------------------------------------------------------------------------

    def _sign(self, raw_id: str) -> str:
        return f"{raw_id}.{_digest(self._secret, 'session', raw_id)[:32]}"

    def _unsigned(self, token: str) -> str | None:
        raw_id, _, signature = token.partition(".")
        if not raw_id or not signature or len(token) > 128:
            return None
        expected = _digest(self._secret, "session", raw_id)[:32]
        return raw_id if hmac.compare_digest(signature, expected) else None

    async def open_session(self, phone: str, method: Method) -> str:
        """A new session in which `phone` is proved; returns its signed token."""
        token = self._sign(secrets.token_urlsafe(24))
        raw_id = self._unsigned(token)
        assert raw_id is not None
        await self._write(raw_id, {phone: method})
        return token

    async def _write(self, raw_id: str, phones: dict[str, Method]) -> None:
        await self._redis.set(
            self._session_key(raw_id), json.dumps({"phones": phones}), ex=SESSION_TTL_S
        )

    async def session(self, token: str | None) -> Session | None:
        """The live session a signed token names (its expiry renewed), or None."""
        raw_id = self._unsigned(token) if token else None
        if raw_id is None:
            return None
        key = self._session_key(raw_id)
        stored = await self._redis.get(key)
        if stored is None:
            return None
        await self._redis.expire(key, SESSION_TTL_S)
        phones = json.loads(stored).get("phones") or {}
        return Session(id=token or "", phones=dict(phones)) if phones else None

    async def end_session(self, token: str) -> None:
        raw_id = self._unsigned(token)
        if raw_id is not None:
            await self._redis.delete(self._session_key(raw_id))

    # -- conversations -------------------------------------------------------------------

    async def of_conversation(self, sender: str) -> Session | None:
        """The session the conversation is bound to, if it is still live."""
        token = await self._redis.get(self._binding_key(sender))
        if token is None:
            return None
        token = _text(token)
        found = await self.session(token)
        if found is not None:
            await self._redis.expire(self._binding_key(sender), SESSION_TTL_S)
        return found

    async def prove(self, sender: str, phone: str, method: Method) -> Session:
        """Records that `phone` is proved in the conversation (its session made if need be)."""
        current = await self.of_conversation(sender)
        if current is None:
            token = await self.open_session(phone, method)
            await self._redis.set(self._binding_key(sender), token, ex=SESSION_TTL_S)
            return Session(id=token, phones={phone: method})
        phones = {p: m for p, m in current.phones.items() if p != phone}
        phones[phone] = method
        while len(phones) > MAX_PHONES:
            phones.pop(next(iter(phones)))
        raw_id = self._unsigned(current.id)
        assert raw_id is not None
        await self._write(raw_id, phones)
        return Session(id=current.id, phones=phones)

    async def proves(self, sender: str, phone: str) -> bool:
        session = await self.of_conversation(sender)
        return session is not None and session.proves(phone)

    async def forget(self, sender: str) -> None:
        """Ends the conversation's session (sign out, or the resident's data deleted)."""
        token = await self._redis.get(self._binding_key(sender))
        if token is not None:
            await self.end_session(_text(token))
        await self._redis.delete(self._binding_key(sender))

    # -- one-time codes ------------------------------------------------------------------

    async def _within(self, key: str, limits: tuple[tuple[int, int], ...]) -> bool:
        """Counts one use against each (count, window) limit; False when one is exceeded."""
        allowed = True
        window_now = int(self._clock())
        for count, window in limits:
            bucket = f"{key}:{window}:{window_now // window}"
            used = await self._redis.incr(bucket)
            if used == 1:
                await self._redis.expire(bucket, window)
            allowed = allowed and used <= count
        return allowed

    async def issue_code(self, subject: str, phone: str, *, client: str | None = None) -> str:
        """A new code for `phone`, to be sent to it by SMS; CodeRefused when over a limit.

        `subject` is what the code proves the number for: a conversation's sender id, or
        the API client's key. A new code replaces the subject's earlier one.
        """
        number = f"{PREFIX}:rate:number:{_digest(self._secret, 'phone', phone)[:32]}"
        within = await self._within(number, NUMBER_LIMITS)
        if client:
            address = f"{PREFIX}:rate:client:{_digest(self._secret, 'client', client)[:32]}"
            within = await self._within(address, ADDRESS_LIMITS) and within
        if not within:
            raise CodeRefused(Refusal.RATE_LIMITED)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        await self._redis.hset(
            self._code_key(subject),
            mapping={
                "phone": _digest(self._secret, "phone", phone),
                "code": _digest(self._secret, "code", subject, phone, code),
                "tries": 0,
                "expires": self._clock() + CODE_TTL_S,
            },
        )
        await self._redis.expire(self._code_key(subject), CODE_TTL_S + 60)
        return code

    async def pending(self, subject: str, phone: str) -> bool:
        """Whether a live code for `phone` waits to be typed in."""
        stored = await self._redis.hgetall(self._code_key(subject))
        if not stored:
            return False
        fields = _decoded(stored)
        return (
            hmac.compare_digest(fields.get("phone", ""), _digest(self._secret, "phone", phone))
            and float(fields.get("expires", 0)) > self._clock()
            and int(fields.get("tries", 0)) < MAX_TRIES
        )

    async def check_code(self, subject: str, phone: str, given: str) -> None:
        """Accepts the code sent to `phone` for `subject`, or raises CodeRefused."""
        key = self._code_key(subject)
        stored = await self._redis.hgetall(key)
        if not stored:
            raise CodeRefused(Refusal.NO_CODE)
        fields = _decoded(stored)
        if not hmac.compare_digest(fields["phone"], _digest(self._secret, "phone", phone)):
            raise CodeRefused(Refusal.NO_CODE)
        if float(fields["expires"]) <= self._clock():
            await self._redis.delete(key)
            raise CodeRefused(Refusal.EXPIRED)
        tries = await self._redis.hincrby(key, "tries", 1)
        if tries > MAX_TRIES:
            await self._redis.delete(key)
            raise CodeRefused(Refusal.LOCKED)
        expected = fields["code"]
        digits = "".join(ch for ch in given if ch.isdigit())
        if not hmac.compare_digest(expected, _digest(self._secret, "code", subject, phone, digits)):
            if tries >= MAX_TRIES:
                await self._redis.delete(key)
                raise CodeRefused(Refusal.LOCKED)
            raise CodeRefused(Refusal.WRONG, tries_left=MAX_TRIES - tries)
        await self._redis.delete(key)
