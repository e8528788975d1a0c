"""Twilio webhook authentication: the `X-Twilio-Signature` check, before anything is parsed.

Twilio signs each webhook with HMAC-SHA1 over the public URL it called and the form
parameters, keyed with the account's auth token. A request without the header, with a
wrong signature, or replayed with any parameter changed is refused with 403 before its
content is used: nothing of it reaches the assistant or the logs.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from aiohttp import web
from twilio.request_validator import RequestValidator

from assistant.keys import SETTINGS
from assistant.logs import event

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_WEBHOOK_BYTES = 64 * 1024
FORM = "application/x-www-form-urlencoded"


def public_url(request: web.Request) -> str:
    """The URL Twilio called, as it signed it: PUBLIC_BASE_URL, path and query."""
    base = request.app[SETTINGS].public_base_url or ""
    return f"{base.rstrip('/')}{request.rel_url}"


async def verified_form(request: web.Request) -> dict[str, str]:
    """The webhook's form parameters, only once its signature is proven; else 403 / 503."""
    settings = request.app[SETTINGS]
    if not settings.twilio_auth_token or not settings.public_base_url:
        event(logger, "twilio.not_configured", logging.WARNING, path=request.path)
        raise web.HTTPServiceUnavailable(text="SMS and phone channels are not configured")
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        event(logger, "twilio.unsigned", logging.WARNING, path=request.path)
        raise web.HTTPForbidden(text="missing signature")
    if request.content_length is not None and request.content_length > MAX_WEBHOOK_BYTES:
        raise web.HTTPForbidden(text="request too large")
    raw = await request.content.read(MAX_WEBHOOK_BYTES + 1)
    if len(raw) > MAX_WEBHOOK_BYTES:
        raise web.HTTPForbidden(text="request too large")
    if request.content_type != FORM and raw:
        raise web.HTTPForbidden(text="not a Twilio form post")
    try:
        params = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        raise web.HTTPForbidden(text="bad signature") from None
    validator = RequestValidator(settings.twilio_auth_token)
    if not validator.validate(public_url(request), params, signature):
        event(logger, "twilio.bad_signature", logging.WARNING, path=request.path)
        raise web.HTTPForbidden(text="bad signature")
    return params
