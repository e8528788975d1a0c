"""The JSON channel: `POST /api/messages`, used by the web widget's fallback and benchmarks.

A transport only: it validates the request, builds an `Inbound`, calls the assistant, and
returns the channel-neutral reply model as JSON.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant import safe_json
from assistant.client_address import client_key
from assistant.core import Inbound
from assistant.keys import ASSISTANT
from assistant.problems import invalid_request
from texts import Language

CHANNEL = "api"
# A message is a flat object; a little nesting is allowed so that a wrong shape gets its 422.
MAX_DEPTH = 8


class MessageRequest(BaseModel):
    """One resident message sent through the JSON API."""

    model_config = ConfigDict(extra="forbid", strict=True)

    conversation_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{8,128}$",
        description="The conversation's id; omit it to start a new conversation.",
    )
    text: str | None = Field(default=None, description="What the resident wrote.")
    payload: str | None = Field(
        default=None, description="A button's payload, instead of text (for example '/help')."
    )
    lang: Language | None = Field(
        default=None, description="The language the resident chose; null to detect it."
    )
    message_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="A client id for this message: a retry with the same id is answered "
        "from the first answer and never processed twice.",
    )

    @model_validator(mode="after")
    def _text_or_payload(self) -> MessageRequest:
        if (self.text is None) == (self.payload is None):
            raise ValueError("give either text or payload")
        return self


async def read_message(request: web.Request) -> MessageRequest:
    """The request's body as a `MessageRequest`; a clear 400/413/422 when it is not one.

    The body is read as UTF-8 whatever charset the request names, within the JSON limits
    of `safe_json` (size, depth, digits, no NaN and no lone surrogates).
    """
    try:
        body: Any = safe_json.loads(await request.read(), max_depth=MAX_DEPTH)
    except safe_json.UnsafeJSON as error:
        raise invalid_request(error.status, error.detail) from None
    if not isinstance(body, dict):
        raise invalid_request(400, "body must be a JSON object")
    try:
        message = MessageRequest.model_validate(body)
    except ValidationError as error:
        raise invalid_request(422, "the message is not valid", error) from None
    return message


async def post_message(request: web.Request) -> web.Response:
    """POST /api/messages"""
    message = await read_message(request)
    response = await request.app[ASSISTANT].handle(
        Inbound(
            channel=CHANNEL,
            conversation_id=message.conversation_id or uuid.uuid4().hex,
            text=message.text,
            payload=message.payload,
            lang=message.lang,
            message_id=message.message_id,
            client=client_key(request),
        )
    )
    return web.json_response(response.model_dump(mode="json"))


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/messages", post_message)
