"""What Apuri reads from Twilio's webhook forms, and how a webhook is described to clients.

The SMS and voice channels declare their webhooks with `webhook`; the signature check
itself is `channels.twilio_auth`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import SkipJsonSchema

from assistant.openapi import FORM, Body, Operation, Parameter, Response
from channels.twilio_auth import SIGNATURE_HEADER


class TwilioForm(BaseModel):
    """The parameters Apuri reads from Twilio's forms; Twilio sends more, all of them text."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, str]

    MessageSid: str | SkipJsonSchema[None] = None
    CallSid: str | SkipJsonSchema[None] = None
    From: str | SkipJsonSchema[None] = None
    To: str | SkipJsonSchema[None] = None
    Body: str | SkipJsonSchema[None] = None
    Digits: str | SkipJsonSchema[None] = None
    SpeechResult: str | SkipJsonSchema[None] = None
    CallStatus: str | SkipJsonSchema[None] = None
    CallDuration: str | SkipJsonSchema[None] = None


def webhook(path: str, summary: str, answer: int, described: str) -> Operation:
    """A POST webhook Twilio calls, answering `answer` (200 with TwiML, or 204)."""
    return Operation(
        "POST",
        path,
        summary,
        description="Called by Twilio. The X-Twilio-Signature header is verified "
        "against TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL before the form is used.",
        parameters=(Parameter(SIGNATURE_HEADER, "header", {"type": "string"}, required=True),),
        body=Body(TwilioForm, FORM),
        responses={
            answer: Response(described, media_type="application/xml" if answer == 200 else None),
            400: Response(
                "A required parameter (CallSid, or From and MessageSid) is missing or malformed"
            ),
            403: Response(
                "Missing, forged or altered signature, or a body over 64 KiB or not a form"
            ),
            503: Response("Twilio is not configured (TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL)"),
        },
    )
