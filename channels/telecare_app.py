"""Telecare on the gateway: one cleanup context and one `add_routes` for every page and socket.

    /call/{link}                 the resident's call page (big buttons, fi/sv/en)
    POST /call/{link}/token      a two-minute room token for the signaling socket
    /call/{link}/precall         the pre-call check, for the resident
    /nurse, /nurse/login, ...    the nurse console (channels/telecare_console.py)
    GET /telecare/signal/{room}        signaling: offer/answer/ICE candidates between two parties
    POST /precall/offer          the server peer that echoes media back (telecare.precall)

The domain (queue, tokens, rooms, accounts, visits, statistics) is in `telecare/`; this
module and the two beside it are its transport.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from assistant.client_address import request_scheme
from assistant.keys import DATABASE, REDIS, SETTINGS
from assistant.settings import Settings
from channels.telecare_texts import pick_lang, text
from telecare.accounts import NurseAccounts, SessionStore
from telecare.lockout import SignInLockout
from telecare.precall import PrecallEchoes
from telecare.queue import CallQueue
from telecare.rooms import Rooms

STATIC = Path(__file__).resolve().parent.parent / "telecare" / "static"


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


def base_url(request: web.Request) -> str:
    """The public address for links: PUBLIC_BASE_URL, or the address this request used."""
    configured = request.app[SETTINGS].public_base_url
    return configured or f"{request.scheme}://{request.host}"


Origin = tuple[str, str, int]
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL or Origin header, ports made explicit;
    None for anything else (an opaque "null" origin, another scheme, no host)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def own_origins(request: web.Request) -> set[Origin]:
    """The origins Apuri's own pages have: the one this request was made to (its scheme
    as the client used it) and PUBLIC_BASE_URL's when it is set."""
    settings = request.app[SETTINGS]
    candidates = [f"{request_scheme(request, settings)}://{request.host}"]
    if settings.public_base_url:
        candidates.append(settings.public_base_url)
    return {origin for origin in map(origin_of, candidates) if origin is not None}


def same_origin(request: web.Request) -> bool:
    """Whether the page that opened this request is one of Apuri's own: its Origin's
    scheme, host and port all match. A request without Origin comes from no browser
    page (browsers always send it on a WebSocket) and is left to its credentials."""
    header = request.headers.get("Origin")
    if header is None:
        return True
    origin = origin_of(header)
    return origin is not None and origin in own_origins(request)


def request_lang(request: web.Request) -> str:
    return pick_lang(request.query.get("lang"), request.headers.get("Accept-Language"))


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
        "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def page(
    lang: str,
    title_key: str,
    body: str,
    *,
    scripts: tuple[str, ...] = (),
    status: int = 200,
    lang_links: bool = True,
) -> web.Response:
    """A whole HTML page; `body` is already escaped by its maker."""
    switch = ""
    if lang_links:
        current = ' aria-current="true"'
        links = " ".join(
            f'<a href="?lang={code}" lang="{code}"{current if code == lang else ""}>{name}</a>'
            for code, name in (("fi", "Suomi"), ("sv", "Svenska"), ("en", "English"))
        )
        switch = f'<nav class="langs" aria-label="Language">{links}</nav>'
    script_tags = "".join(
        f'<script src="/telecare/static/{name}" defer></script>' for name in scripts
    )
    document = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(text(title_key, lang))}</title>"
        '<link rel="stylesheet" href="/telecare/static/telecare.css">'
        f"{script_tags}</head><body>{switch}{body}</body></html>"
    )
    return web.Response(
        text=document, content_type="text/html", status=status, headers=SECURITY_HEADERS
    )


def add_routes(app: web.Application) -> None:
    from channels import telecare_call, telecare_console

    app.cleanup_ctx.append(telecare_ctx)
    telecare_call.add_routes(app)
    telecare_console.add_routes(app)
    app.router.add_static("/telecare/static/", STATIC, name="telecare_static")
