"""The resident's side of a telecare call, the signaling socket and the pre-call check.

Signaling protocol on `GET /telecare/signal/{room}?token=<room token>` (JSON text frames):

    server → {"type": "joined", "role", "peer": bool}
             {"type": "peer-joined" | "peer-left", "role"}
    either → {"type": "offer" | "answer", "sdp"}   {"type": "candidate", "candidate"}
             {"type": "restart"} (ask the nurse's side for an ICE restart)   {"type": "bye"}
    either → {"type": "stats", rtt_ms, loss_pct, bitrate_kbps, fps, audio_only}
             (stored per call, not relayed)   {"type": "ping"} → {"type": "pong"}

The token is checked before the socket opens: a malformed, forged or expired token, or
one for another room, gets 403; a third party, or a second of the same role, gets 409.
"""

from __future__ import annotations

import html
import logging
import time
from typing import Any

from aiohttp import WSMsgType, web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant import safe_json
from assistant.keys import DATABASE, SETTINGS
from assistant.logs import event, pseudonym
from channels.telecare_app import TELECARE, page, request_lang
from channels.telecare_texts import text
from telecare import stats, visits
from telecare.precall import PrecallBusy
from telecare.rooms import RoomError
from telecare.tokens import ROOM_TOKEN_TTL_S, Role, RoomToken, TokenError, sign, verify

logger = logging.getLogger(__name__)

MAX_SIGNAL_BYTES = 64 * 1024
# Offers, answers and candidates are shallow objects; deeper frames are dropped unparsed.
MAX_SIGNAL_DEPTH = 8
LINK_TTL_S = 4 * 3600
PRECALL_TTL_S = 15 * 60
HEARTBEAT_EVERY_S = 30.0


class _Socket:
    """A signaling party: its WebSocket."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        if not self.ws.closed:
            await self.ws.send_json(message)


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


def call_body(
    lang: str,
    *,
    role: str,
    token_url: str,
    precall_url: str,
    csrf: str = "",
    extra: str = "",
) -> str:
    """The call page's markup, shared by the resident's and the nurse's pages."""
    keys = (
        "waiting",
        "waiting_client",
        "connecting",
        "connected",
        "reconnecting",
        "audio_only",
        "ended",
        "refused",
        "no_camera",
        "mute",
        "unmute",
        "camera_off",
        "camera_on",
    )
    data = " ".join(
        f'data-{key.replace("_", "-")}="{html.escape(text(key, lang))}"' for key in keys
    )
    other = text("nurse" if role == "client" else "client", lang)

    def esc(key: str) -> str:
        return html.escape(text(key, lang))

    return (
        f'<main class="call" data-role="{role}" data-token-url="{html.escape(token_url)}"'
        f' data-csrf="{html.escape(csrf)}">'
        f"<h1>{esc('call_title')}</h1>"
        f'<p class="intro">{esc("call_intro") if role == "client" else ""}</p>'
        f'<p id="status" class="status" role="status" aria-live="polite"></p>'
        f'<div class="videos"><figure class="remote"><video id="remote" autoplay playsinline'
        f' aria-label="{html.escape(other)}"></video><figcaption>{html.escape(other)}</figcaption>'
        f'</figure><figure class="local"><video id="local" autoplay playsinline muted'
        f' aria-label="{esc("you")}"></video><figcaption>{esc("you")}</figcaption></figure></div>'
        f'<div class="controls">'
        f'<button id="join" class="big go" type="button">{esc("join")}</button>'
        f'<button id="mute" class="big" type="button" hidden>{esc("mute")}</button>'
        f'<button id="camera" class="big" type="button" hidden>{esc("camera_off")}</button>'
        f'<button id="hangup" class="big stop" type="button" hidden>{esc("hang_up")}</button>'
        f"</div>"
        f'<p><a class="precall-link" href="{html.escape(precall_url)}">{esc("test_first")}</a></p>'
        f'<div id="texts" hidden {data}></div>{extra}</main>'
    )


async def call_page(request: web.Request) -> web.Response:
    """GET /call/{link}: the resident's (or carer's) page for a call."""
    lang = request_lang(request)
    _link_token(request)
    link = request.match_info["link"]
    body = call_body(
        lang,
        role="client",
        token_url=f"/call/{link}/token",
        precall_url=f"/call/{link}/precall?lang={lang}",
    )
    return page(lang, "call_title", body, scripts=("call.js",))


async def call_token(request: web.Request) -> web.Response:
    """POST /call/{link}/token: a room token for the signaling socket (two minutes)."""
    token = _link_token(request)
    return room_token_reply(request, token.room, "client")


def precall_body(lang: str, token: str, back_url: str) -> str:
    def esc(key: str) -> str:
        return html.escape(text(key, lang))

    rows = "".join(
        f'<li><span>{esc(key)}</span> <strong id="check-{key}" class="check"'
        f' data-state="pending">{esc("pending")}</strong></li>'
        for key in ("camera", "microphone", "network")
    )
    data = " ".join(
        f'data-{key.replace("_", "-")}="{esc(key)}"' for key in ("ok", "fail", "busy", "no_camera")
    )
    return (
        f'<main class="precall" data-token="{html.escape(token)}">'
        f'<h1>{esc("precall_title")}</h1><p class="intro">{esc("precall_intro")}</p>'
        f'<button id="start" class="big go" type="button">{esc("precall_start")}</button>'
        f'<ul class="checks">{rows}</ul>'
        f'<p id="network-detail" class="detail" role="status" aria-live="polite"></p>'
        f'<div class="videos"><figure class="remote"><video id="echo" autoplay playsinline muted'
        f' aria-label="{esc("echo_label")}"></video><figcaption>{esc("echo_label")}</figcaption>'
        f"</figure></div>"
        f'<p><a class="big link" href="{html.escape(back_url)}">{esc("back_to_call")}</a></p>'
        f'<div id="texts" hidden {data}></div></main>'
    )


def precall_token(request: web.Request) -> str:
    return sign(
        request.app[SETTINGS].secret, "precall", "client", purpose="precall", ttl_s=PRECALL_TTL_S
    )


async def client_precall_page(request: web.Request) -> web.Response:
    """GET /call/{link}/precall: the device check, reached from the resident's link."""
    lang = request_lang(request)
    _link_token(request)
    body = precall_body(
        lang, precall_token(request), f"/call/{request.match_info['link']}?lang={lang}"
    )
    return page(lang, "precall_title", body, scripts=("precall.js",))


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


async def signal_socket(request: web.Request) -> web.WebSocketResponse:
    """GET /telecare/signal/{room}: relays signaling between the room's two parties."""
    telecare = request.app[TELECARE]
    room_id = request.match_info["room"]
    try:
        token = verify(request.app[SETTINGS].secret, request.query.get("token", ""), purpose="room")
    except TokenError as error:
        event(logger, "telecare.signal_refused", logging.WARNING, reason=error.reason)
        raise web.HTTPForbidden(text=error.reason) from None
    if token.room != room_id:
        event(logger, "telecare.signal_refused", logging.WARNING, reason="wrong_room")
        raise web.HTTPForbidden(text="wrong_room")
    room = telecare.rooms.get(room_id)
    if room is not None and (len(room.parties) >= 2 or token.role in room.parties):
        event(logger, "telecare.signal_refused", logging.WARNING, reason="room_full")
        raise web.HTTPConflict(text="room_full")

    ws = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_SIGNAL_BYTES)
    await ws.prepare(request)
    party = _Socket(ws)
    try:
        joined = await telecare.rooms.join(room_id, token.role, party)
    except RoomError as error:
        await ws.close(code=4409, message=error.reason.encode())
        return ws
    engine = request.app[DATABASE]
    room_log = pseudonym(room_id)
    event(logger, "telecare.joined", room=room_log, role=token.role, parties=len(joined.parties))
    if token.role == "client":
        await visits.client_joined(engine, room_id)
    if len(joined.parties) == 2:
        await stats.mark_started(engine, room_id)
    # While the nurse is in the call, the request stays theirs (the console is not open).
    call = await stats.get_call(engine, room_id) if token.role == "nurse" else None
    holder = str(call.nurse_id) if call is not None and call.request_id else None
    last_beat = time.monotonic()
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await _on_frame(request, room_id, token.role, party, message.data)
            if holder is not None and time.monotonic() - last_beat > HEARTBEAT_EVERY_S:
                await telecare.queue.heartbeat(holder)
                last_beat = time.monotonic()
    finally:
        await telecare.rooms.leave(room_id, token.role, party)
        event(logger, "telecare.left", room=room_log, role=token.role)
    return ws


def parse_signal(raw: str) -> dict[str, Any] | None:
    """A signaling frame as a JSON object, or None for a frame that is dropped.

    The protocol has no error frame: a frame that is not a JSON object within
    `safe_json`'s limits (size, depth, digits, no NaN, no lone surrogates) is ignored, as
    an unknown type is, and never passed on to the other party.
    """
    try:
        data = safe_json.loads(raw, max_depth=MAX_SIGNAL_DEPTH, max_bytes=MAX_SIGNAL_BYTES)
    except safe_json.UnsafeJSON:
        return None
    return data if isinstance(data, dict) else None


async def _on_frame(
    request: web.Request, room_id: str, role: Role, party: _Socket, raw: str
) -> None:
    """One signaling frame: stored (stats), answered (ping) or relayed to the other party."""
    data = parse_signal(raw)
    if data is None:
        return
    if data.get("type") == "stats":
        try:
            sample = stats.StatsSample.model_validate(data)
        except ValidationError:
            return
        await stats.record(request.app[DATABASE], room_id, role, sample)
    elif data.get("type") == "ping":
        await party.send({"type": "pong"})
    else:
        await request.app[TELECARE].rooms.relay(room_id, role, data)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/call/{link}", call_page)
    app.router.add_post("/call/{link}/token", call_token)
    app.router.add_get("/call/{link}/precall", client_precall_page)
    app.router.add_post("/precall/offer", precall_offer)
    app.router.add_get("/telecare/signal/{room}", signal_socket)
