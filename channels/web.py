"""The web chat channel: the widget's WebSocket `GET /ws/chat`, its HTTP fallback, its files.

A transport only. Each frame is validated, turned into an `Inbound` for the one entry point
`Assistant.handle`, and answered with the channel-neutral reply model:

    client → {"type": "message", "conversation_id", "message_id", "text" | "payload", "lang"?}
    server → {"type": "typing", "message_id"}
             {"type": "reply", "message_id", "response": <AssistantResponse>}
             {"type": "error", "message_id", "code", "text", "lang", "retry"}
    client → {"type": "ping"}   server → {"type": "pong"}

A message resent with the same message_id (after a reconnect) is answered from the first
answer: core caches answers by message_id, and `WebChat` lets a resend that arrives while
the first is still being answered wait for that same answer instead of starting another.
The frames and their limits are in `web_frames`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
import weakref
from pathlib import Path
from typing import Any, cast

from aiohttp import WSCloseCode, WSMsgType, web

from assistant.client_address import client_key
from assistant.core import (
    Assistant,
    AssistantFailed,
    AssistantUnavailable,
    Inbound,
    InvalidMessage,
)
from assistant.keys import ASSISTANT, SETTINGS
from assistant.logs import event, pseudonym
from assistant.openapi import BAD_JSON, JSON_LIMITS, Body, Operation, Response, error
from assistant.replies import AssistantResponse
from channels.http_api import MESSAGE_ERRORS, MessageRequest, read_message
from channels.web_frames import (
    BURST,
    MAX_FRAME_BYTES,
    MAX_INVALID_FRAMES,
    MAX_QUEUED,
    REFILL_PER_SECOND,
    ClientMessage,
    Refused,
    TokenBucket,
    parse_frame,
)
from channels.web_texts import error_text
from texts import LANGUAGES, Language

logger = logging.getLogger(__name__)

CHANNEL = "web"
STATIC = Path(__file__).resolve().parent / "static"

HEARTBEAT_SECONDS = 25.0
SHUTDOWN_GRACE_SECONDS = 5.0


class WebChat:
    """The channel's state in the gateway: open sockets and the answers being prepared."""

    def __init__(self) -> None:
        self.sockets: weakref.WeakSet[web.WebSocketResponse] = weakref.WeakSet()
        self._answering: dict[tuple[str, str], asyncio.Task[AssistantResponse]] = {}

    async def answer(self, assistant: Assistant, inbound: Inbound) -> AssistantResponse:
        """Apuri's answer to `inbound`, prepared once per message_id however often it comes.

        The answer is prepared in its own task, so a socket that drops does not cancel a
        message Rasa may already have taken; the resend after the reconnect waits for it.
        """
        key = (inbound.conversation_id, inbound.message_id or uuid.uuid4().hex)
        task = self._answering.get(key)
        if task is None:
            task = asyncio.create_task(assistant.handle(inbound), name="apuri-web-answer")
            self._answering[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(task)

    def _finished(self, key: tuple[str, str], task: asyncio.Task[AssistantResponse]) -> None:
        self._answering.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here: whoever still waits gets it from the shield

    async def close(self, app: web.Application) -> None:
        """On shutdown: let answers under way finish briefly, then close every socket."""
        pending = list(self._answering.values())
        if pending:
            await asyncio.wait(pending, timeout=SHUTDOWN_GRACE_SECONDS)
            for task in pending:
                task.cancel()
        for ws in list(self.sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


WEB_CHAT = web.AppKey("web_chat", WebChat)


class Connection:
    """One widget's socket: frames in, answers out, one message at a time in order."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse) -> None:
        self.app = request.app
        self.ws = ws
        lang = request.query.get("lang")
        default = cast(Language, self.app[SETTINGS].default_language)
        self.lang: Language = lang if lang in LANGUAGES else default
        self.queue: asyncio.Queue[ClientMessage] = asyncio.Queue(maxsize=MAX_QUEUED)
        self.bucket = TokenBucket(BURST, REFILL_PER_SECOND)
        self.invalid = 0
        self.client = client_key(request)
        self._send_lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        if self.ws.closed:
            return
        async with self._send_lock:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.send_str(json.dumps(frame, ensure_ascii=False))

    async def refuse(self, code: str, message_id: str | None, lang: Language | None = None) -> None:
        lang = lang or self.lang
        max_chars = self.app[SETTINGS].max_message_chars
        await self.send(
            {
                "type": "error",
                "message_id": message_id,
                "code": code,
                "text": error_text(code, lang, max_chars=max_chars),
                "lang": lang,
                "retry": False,
            }
        )

    async def receive(self, data: str) -> None:
        """One text frame: queued to be answered, or refused; abuse closes the socket."""
        try:
            frame = parse_frame(data)
        except Refused as refused:
            self.invalid += 1
            await self.refuse(refused.code, refused.message_id)
            if self.invalid >= MAX_INVALID_FRAMES:
                await self.ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"invalid frames")
            return
        if frame == "ping":
            await self.send({"type": "pong"})
            return
        if not self.bucket.take() or self.queue.full():
            await self.refuse("rate_limited", frame.message_id, frame.lang)
            await self.ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"too many messages")
            return
        self.queue.put_nowait(frame)

    async def answer_each(self) -> None:
        while True:
            frame = await self.queue.get()
            await self.answer(frame)

    async def answer(self, frame: ClientMessage) -> None:
        await self.send({"type": "typing", "message_id": frame.message_id})
        inbound = Inbound(
            channel=CHANNEL,
            conversation_id=frame.conversation_id,
            text=frame.text,
            payload=frame.payload,
            lang=frame.lang,
            message_id=frame.message_id,
            client=self.client,
        )
        try:
            response = await self.app[WEB_CHAT].answer(self.app[ASSISTANT], inbound)
        except InvalidMessage:
            await self.refuse("invalid_message", frame.message_id, frame.lang)
            return
        except (AssistantUnavailable, AssistantFailed) as error:
            unavailable = isinstance(error, AssistantUnavailable)
            await self.send(
                {
                    "type": "error",
                    "message_id": frame.message_id,
                    "code": "assistant_unavailable" if unavailable else "assistant_failed",
                    "text": error.text,
                    "lang": error.lang,
                    "retry": unavailable,
                }
            )
            return
        except Exception as error:
            event(
                logger,
                "web.answer_crashed",
                logging.ERROR,
                conversation=pseudonym(f"{CHANNEL}-{frame.conversation_id}"),
                error=type(error).__name__,
            )
            await self.refuse("internal_error", frame.message_id, frame.lang)
            return
        self.lang = response.lang
        await self.send(
            {
                "type": "reply",
                "message_id": frame.message_id,
                "response": response.model_dump(mode="json"),
            }
        )


async def chat_socket(request: web.Request) -> web.WebSocketResponse:
    """GET /ws/chat: the widget's conversation over one WebSocket."""
    ws = web.WebSocketResponse(
        heartbeat=HEARTBEAT_SECONDS, max_msg_size=MAX_FRAME_BYTES, compress=False
    )
    await ws.prepare(request)
    chat = request.app[WEB_CHAT]
    chat.sockets.add(ws)
    connection = Connection(request, ws)
    worker = asyncio.create_task(connection.answer_each(), name="apuri-web-socket")
    try:
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                await connection.receive(msg.data)
            elif msg.type is WSMsgType.BINARY:
                await connection.refuse("invalid_request", None)
                await ws.close(code=WSCloseCode.UNSUPPORTED_DATA, message=b"text frames only")
            else:  # an error (a frame over the size limit): aiohttp has closed the socket
                break
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        chat.sockets.discard(ws)
    return ws


CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}


async def post_message(request: web.Request) -> web.Response:
    """POST /api/web/messages: the widget's fallback when WebSocket does not get through.

    The same body as POST /api/messages, answered in the same web conversation (and from
    the same answers by message_id) as the WebSocket. No cookies: any page may embed it.
    """
    message = await read_message(request)
    inbound = Inbound(
        channel=CHANNEL,
        conversation_id=message.conversation_id or uuid.uuid4().hex,
        text=message.text,
        payload=message.payload,
        lang=message.lang,
        message_id=message.message_id,
        client=client_key(request),
    )
    response = await request.app[WEB_CHAT].answer(request.app[ASSISTANT], inbound)
    return web.json_response(response.model_dump(mode="json"), headers=CORS_HEADERS)


async def preflight(request: web.Request) -> web.Response:
    return web.Response(status=204, headers=CORS_HEADERS)


OPERATIONS = (
    Operation(
        "GET",
        "/ws/chat",
        "The web chat widget's WebSocket",
        description="Frames are JSON: the client sends {type: message, conversation_id, "
        "message_id, text | payload, lang}; the server answers {type: typing}, then "
        "{type: reply, message_id, response: AssistantResponse} or {type: error, "
        "message_id, code, text}. A message_id sent again is answered once.",
        responses={
            101: Response("Switching to the WebSocket protocol"),
            400: Response("Not a WebSocket handshake"),
        },
    ),
    Operation(
        "OPTIONS",
        "/api/web/messages",
        "CORS preflight: any page may post to the fallback",
        responses={204: Response("The CORS headers")},
    ),
    Operation(
        "POST",
        "/api/web/messages",
        "The widget's HTTP fallback: POST /api/messages in the web conversation",
        description="The same body, limits and errors as POST /api/messages." + JSON_LIMITS,
        body=Body(MessageRequest),
        responses={
            200: Response("Apuri's replies", AssistantResponse),
            400: error(BAD_JSON),
            **MESSAGE_ERRORS,
        },
    ),
)


def add_routes(app: web.Application) -> None:
    app[WEB_CHAT] = WebChat()
    app.on_shutdown.append(app[WEB_CHAT].close)
    app.router.add_get("/ws/chat", chat_socket)
    app.router.add_post("/api/web/messages", post_message)
    app.router.add_route("OPTIONS", "/api/web/messages", preflight)
    app.router.add_static("/widget/", STATIC, name="widget")
