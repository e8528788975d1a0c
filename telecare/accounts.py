"""Nurse accounts (SQL, argon2id password hashes) and console sessions (Redis).

A session is a random token in an HttpOnly cookie; Redis keeps only its SHA-256, with
the nurse's id and the session's CSRF token, and forgets it after `ttl`. Signing in
with an unknown user name costs the same hash check as with a wrong password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import sessions
from telecare.models import Nurse

_USERNAME = re.compile(r"[a-z0-9._-]{3,64}")
MIN_PASSWORD = 12
SESSION_PREFIX = "apuri:telecare:session:"


class AccountError(ValueError):
    """A nurse account that cannot be created as asked."""


@dataclass(frozen=True)
class NurseInfo:
    id: int
    username: str
    display_name: str
    team: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class ConsoleSession:
    token: str
    nurse_id: int
    csrf: str


def _info(nurse: Nurse) -> NurseInfo:
    return NurseInfo(
        nurse.id, nurse.username, nurse.display_name, nurse.team, tuple(nurse.languages)
    )


class NurseAccounts:
    def __init__(self, engine: AsyncEngine, hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        self.sessions = sessions(engine)
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash = self.hasher.hash(secrets.token_hex(16))

    async def add(
        self,
        username: str,
        password: str,
        *,
        display_name: str,
        team: str,
        languages: tuple[str, ...] = ("fi",),
    ) -> NurseInfo:
        if not _USERNAME.fullmatch(username):
            raise AccountError("user name: 3-64 lowercase letters, digits, '.', '_' or '-'")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"password: at least {MIN_PASSWORD} characters")
        if not languages or any(lang not in ("fi", "sv", "en") for lang in languages):
            raise AccountError("languages: fi, sv and/or en")
        nurse = Nurse(
            username=username,
            display_name=display_name.strip()[:128] or username,
            password_hash=self.hasher.hash(password),
            team=team,
            languages=list(languages),
            active=True,
            created_at=dt.datetime.now(dt.UTC),
        )
        try:
            async with self.sessions() as session, session.begin():
                session.add(nurse)
        except IntegrityError:
            raise AccountError("user name: already taken") from None
        return _info(nurse)

    async def get(self, nurse_id: int) -> NurseInfo | None:
        async with self.sessions() as session:
            nurse = await session.get(Nurse, nurse_id)
        return _info(nurse) if nurse is not None and nurse.active else None

    async def authenticate(self, username: str, password: str) -> NurseInfo | None:
        async with self.sessions() as session:
            nurse = await session.scalar(select(Nurse).where(Nurse.username == username))
        if nurse is None or not nurse.active:
            self._check(self._dummy_hash, password)
            return None
        if not self._check(nurse.password_hash, password):
            return None
        if self.hasher.check_needs_rehash(nurse.password_hash):
            async with self.sessions() as session, session.begin():
                stored = await session.get(Nurse, nurse.id)
                if stored is not None:
                    stored.password_hash = self.hasher.hash(password)
        return _info(nurse)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def _session_key(token: str) -> str:
    return SESSION_PREFIX + hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    """Console sessions in Redis, keyed by the hash of the cookie's token."""

    def __init__(self, redis: Redis, ttl: dt.timedelta) -> None:
        self.redis = redis
        self.ttl = ttl

    async def create(self, nurse_id: int) -> ConsoleSession:
        session = ConsoleSession(secrets.token_urlsafe(32), nurse_id, secrets.token_urlsafe(24))
        key = _session_key(session.token)
        await self.redis.hset(key, mapping={"nurse": str(nurse_id), "csrf": session.csrf})
        await self.redis.expire(key, int(self.ttl.total_seconds()))
        return session

    async def get(self, token: str | None) -> ConsoleSession | None:
        if not token or len(token) > 100:
            return None
        data = cast(dict[bytes, bytes], await self.redis.hgetall(_session_key(token)))
        if not data:
            return None
        return ConsoleSession(token, int(data[b"nurse"]), data[b"csrf"].decode())

    async def end(self, token: str) -> None:
        await self.redis.delete(_session_key(token))
