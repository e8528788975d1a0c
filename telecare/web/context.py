"""Telecare's parts on the gateway, opened in one cleanup context and reached through
the `TELECARE` key by every route."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from assistant.keys import DATABASE, REDIS, SETTINGS
from assistant.settings import Settings
from telecare.accounts import NurseAccounts, SessionStore
from telecare.lockout import SignInLockout
from telecare.precall import PrecallEchoes
from telecare.queue import CallQueue
from telecare.rooms import Rooms


@dataclass
class Telecare:
    settings: Settings
    queue: CallQueue
    accounts: NurseAccounts
    sessions: SessionStore
    rooms: Rooms
    precall: PrecallEchoes
    lockout: SignInLockout


TELECARE = web.AppKey("telecare", Telecare)


async def telecare_ctx(app: web.Application) -> AsyncIterator[None]:
    """Needs the gateway's REDIS and DATABASE (their contexts run before this one)."""
    settings = app[SETTINGS]
    queue = CallQueue(app[REDIS], settings.telecare_team)
    await queue.ensure_groups()
    telecare = Telecare(
        settings=settings,
        queue=queue,
        accounts=NurseAccounts(app[DATABASE]),
        sessions=SessionStore(app[REDIS], dt.timedelta(hours=settings.nurse_session_hours)),
        rooms=Rooms(),
        precall=PrecallEchoes(settings.ice_servers, limit=settings.precall_max),
        lockout=SignInLockout(
            app[REDIS], settings.secret_key.encode(), prefix="apuri:nurse:failed"
        ),
    )
    app[TELECARE] = telecare
    yield
    await telecare.precall.close()
