"""The signaling socket between a call's two parties.

Protocol on `GET /telecare/signal/{room}?token=<room token>` (JSON text frames):

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

import logging
import time
from typing import Any

from aiohttp import WSMsgType, web
from pydantic import ValidationError

from assistant import safe_json
from assistant.keys import DATABASE, SETTINGS
from assistant.logs import event, pseudonym
from telecare import stats, visits
from telecare.rooms import RoomError
from telecare.tokens import Role, TokenError, verify
from telecare.web.context import TELECARE

logger = logging.getLogger(__name__)

MAX_SIGNAL_BYTES = 64 * 1024
# Offers, answers and candidates are shallow objects; deeper frames are dropped unparsed.
MAX_SIGNAL_DEPTH = 8
HEARTBEAT_EVERY_S = 30.0


class _Socket:
    """A signaling party: its WebSocket."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        if not self.ws.closed:
            await self.ws.send_json(message)


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
    app.router.add_get("/telecare/signal/{room}", signal_socket)
