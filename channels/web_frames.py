"""The web chat's frames: what the widget may send over its WebSocket, and within what limits.

`parse_frame` turns any text into a validated `ClientMessage` (or a ping), or `Refused`
with the code the widget shows; `TokenBucket` paces a socket's messages.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant import safe_json
from texts import Language

# A frame holds one message of at most max_message_chars (2000) characters; larger frames
# close the socket with 1009 before they are read.
MAX_FRAME_BYTES = 16 * 1024
# A frame is a flat object: deeper JSON is refused before it is parsed.
MAX_FRAME_DEPTH = 8
# Each socket may send a burst of messages (a reconnect resends the unanswered ones), then
# about one every two seconds; more, or many invalid frames, close it with 1008.
BURST = 12
REFILL_PER_SECOND = 0.5
MAX_INVALID_FRAMES = 8
MAX_QUEUED = 8


class ClientMessage(BaseModel):
    """One resident message as the widget sends it over the WebSocket."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: Literal["message"]
    conversation_id: str = Field(pattern=r"^[A-Za-z0-9_-]{8,128}$")
    message_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    text: str | None = None
    payload: str | None = None
    lang: Language | None = None

    @model_validator(mode="after")
    def _text_or_payload(self) -> ClientMessage:
        if (self.text is None) == (self.payload is None):
            raise ValueError("give either text or payload")
        return self


class Refused(Exception):
    """A frame the channel will not pass on; `code` names why for the widget."""

    def __init__(self, code: str, message_id: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message_id = message_id


class TokenBucket:
    """`burst` messages at once, then `refill` a second."""

    def __init__(self, burst: int, refill: float) -> None:
        self._burst = float(burst)
        self._tokens = float(burst)
        self._refill = refill
        self._at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._refill)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


def parse_frame(data: str) -> ClientMessage | Literal["ping"]:
    """The widget's frame, validated; `Refused` when it is not one the channel takes.

    Any text at all gets one of the two: the JSON is read within `safe_json`'s limits
    (depth, digits, no NaN, no lone surrogates) and the frame's own size limit.
    """
    try:
        body: Any = safe_json.loads(data, max_depth=MAX_FRAME_DEPTH, max_bytes=MAX_FRAME_BYTES)
    except safe_json.UnsafeJSON:
        raise Refused("invalid_request") from None
    if not isinstance(body, dict):
        raise Refused("invalid_request")
    message_id = body.get("message_id")
    message_id = message_id if isinstance(message_id, str) and len(message_id) <= 64 else None
    kind = body.get("type")
    if kind == "ping":
        return "ping"
    if kind != "message":
        raise Refused("unknown_type", message_id)
    try:
        return ClientMessage.model_validate(body)
    except ValidationError:
        raise Refused("invalid_request", message_id) from None
