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
from assistant.openapi import BAD_JSON, JSON_LIMITS, TOO_LARGE, Body, Operation, Response, error
from assistant.problems import invalid_request
from assistant.replies import AssistantResponse
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


# The errors of a message, for POST /api/messages and the web chat's fallback.
MESSAGE_ERRORS = {
    413: error(TOO_LARGE),
    422: error(
        "A field is missing, of the wrong type or too long, a number is too long, "
        "or a string holds a lone surrogate"
    ),
    502: error("The dialogue engine failed on this message"),
    503: error(
        "The dialogue engine is restarting; the message was not processed and can "
        "be sent again (see Retry-After)"
    ),
}

OPERATIONS = (
    Operation(
        "POST",
        "/api/messages",
        "Send a resident's message and get Apuri's replies",
        description="Give text (at most 2,000 characters after clean-up) or a button's payload."
        + JSON_LIMITS,
        body=Body(MessageRequest),
        responses={
            200: Response("Apuri's replies, in the conversation's language", AssistantResponse),
            400: error(BAD_JSON + ", or is not a JSON object"),
            **MESSAGE_ERRORS,
        },
    ),
)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/messages", post_message)
