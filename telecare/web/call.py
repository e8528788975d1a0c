"""The resident's side of a telecare call: the call page a join link opens, its room token,
and the pre-call check (the page and the echo peer's answer).

A join link (`telecare.links`) carries a `link` token for the room's client; a malformed,
forged or expired one, or one for a nurse, gets 403 in the resident's language.
"""

from __future__ import annotations

import logging

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.keys import SETTINGS
from assistant.logs import event
from telecare.precall import PrecallBusy
from telecare.tokens import ROOM_TOKEN_TTL_S, RoomToken, TokenError, sign, verify
from telecare.web.context import TELECARE
from telecare.web.pages import render, request_lang
from telecare.web.texts import text

logger = logging.getLogger(__name__)

PRECALL_TTL_S = 15 * 60


def _link_token(request: web.Request) -> RoomToken:
    try:
        token = verify(request.app[SETTINGS].secret, request.match_info["link"], purpose="link")
    except TokenError as error:
        event(logger, "telecare.link_refused", logging.WARNING, reason=error.reason)
        raise web.HTTPForbidden(
            text=text("refused", request_lang(request)), content_type="text/plain"
        ) from None
    if token.role != "client":
        raise web.HTTPForbidden(text=text("refused", request_lang(request)))
    return token


def room_token_reply(request: web.Request, room: str, role: str) -> web.Response:
    settings = request.app[SETTINGS]
    token = sign(
        settings.secret,
        room,
        "nurse" if role == "nurse" else "client",
        purpose="room",
        ttl_s=ROOM_TOKEN_TTL_S,
    )
    return web.json_response(
        {"token": token, "ws": f"/telecare/signal/{room}", "ice": list(settings.ice_servers)},
        headers={"Cache-Control": "no-store"},
    )


async def call_page(request: web.Request) -> web.Response:
    """GET /call/{link}: the resident's (or carer's) page for a call."""
    lang = request_lang(request)
    _link_token(request)
    link = request.match_info["link"]
    context = {
        "role": "client",
        "token_url": f"/call/{link}/token",
        "precall_url": f"/call/{link}/precall?lang={lang}",
        "csrf": "",
    }
    return render(request, "call.html", lang, context)


async def call_token(request: web.Request) -> web.Response:
    """POST /call/{link}/token: a room token for the signaling socket (two minutes)."""
    token = _link_token(request)
    return room_token_reply(request, token.room, "client")


def precall_token(request: web.Request) -> str:
    return sign(
        request.app[SETTINGS].secret, "precall", "client", purpose="precall", ttl_s=PRECALL_TTL_S
    )


def precall_page(request: web.Request, lang: str, back_url: str) -> web.Response:
    """The device check page, going back to `back_url` (the call, or the console)."""
    context = {"token": precall_token(request), "back_url": back_url}
    return render(request, "precall.html", lang, context)


async def client_precall_page(request: web.Request) -> web.Response:
    """GET /call/{link}/precall: the device check, reached from the resident's link."""
    lang = request_lang(request)
    _link_token(request)
    return precall_page(request, lang, f"/call/{request.match_info['link']}?lang={lang}")


class PrecallOffer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sdp: str = Field(max_length=20_000)
    type: str = Field(pattern="^offer$")
    token: str = Field(max_length=120)


async def precall_offer(request: web.Request) -> web.Response:
    """POST /precall/offer: the echo peer's answer to the page's offer."""
    try:
        offer = PrecallOffer.model_validate_json(await request.read())
    except ValidationError:
        raise web.HTTPBadRequest(text="invalid offer") from None
    try:
        verify(request.app[SETTINGS].secret, offer.token, purpose="precall")
    except TokenError as error:
        raise web.HTTPForbidden(text=error.reason) from None
    try:
        answer = await request.app[TELECARE].precall.answer(offer.sdp, offer.type)
    except PrecallBusy:
        raise web.HTTPServiceUnavailable(headers={"Retry-After": "10"}) from None
    except ValueError:
        raise web.HTTPBadRequest(text="unusable offer") from None
    event(logger, "telecare.precall_started", running=len(request.app[TELECARE].precall))
    return web.json_response({"sdp": answer.sdp, "type": answer.type})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/call/{link}", call_page)
    app.router.add_post("/call/{link}/token", call_token)
    app.router.add_get("/call/{link}/precall", client_precall_page)
    app.router.add_post("/precall/offer", precall_offer)
