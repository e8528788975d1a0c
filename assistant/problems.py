"""Errors as the gateway's clients see them: JSON bodies, clear words, never their input.

Domain errors are mapped to HTTP in one middleware (`problem_middleware`). An error body
never echoes what the client sent: it names the field and the rule instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError

from assistant.core import AssistantFailed, AssistantUnavailable, InvalidMessage
from assistant.logs import event

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
# What an aiohttp error says in its headers survives its JSON body (405 names its methods).
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def problem(status: int, error: str, detail: str, **extra: object) -> web.HTTPException:
    """An HTTP error with a JSON body {"error", "detail", ...}."""
    exc = web.HTTPException(
        text=json.dumps({"error": error, "detail": detail, **extra}, ensure_ascii=False),
        content_type="application/json",
    )
    exc.set_status(status)
    return exc


def invalid_request(
    status: int, detail: str, error: ValidationError | None = None
) -> web.HTTPException:
    """400/422 for a request Apuri cannot accept, listing each field and what is wrong."""
    fields = []
    if error is not None:
        for item in error.errors(include_input=False, include_url=False):
            location = ".".join(str(part) for part in item["loc"]) or "body"
            fields.append({"field": location, "problem": item["msg"]})
    return problem(status, "invalid_request", detail, fields=fields)


UNMATCHED_ROUTE = "(no route)"


def route_pattern(request: web.Request) -> str:
    """The matched route as registered ("/telecare/signal/{room}"), never the path itself,
    which can hold a room id, a link token or a resident's words."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED_ROUTE


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map domain errors to HTTP, and make every error under /api a JSON body."""
    try:
        return await handler(request)
    except InvalidMessage as error:
        raise problem(422, "invalid_message", str(error)) from None
    except AssistantUnavailable as error:
        exc = problem(503, "assistant_unavailable", error.text, lang=error.lang, processed=False)
        exc.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        raise exc from None
    except AssistantFailed as error:
        raise problem(502, "assistant_failed", error.text, lang=error.lang) from None
    except web.HTTPException as error:
        if error.content_type == "application/json" or not request.path.startswith("/api/"):
            raise
        converted = problem(error.status, error.reason.lower().replace(" ", "_"), error.reason)
        for header in KEPT_HEADERS:
            if header in error.headers:
                converted.headers[header] = error.headers[header]
        raise converted from None
    except Exception as error:
        event(
            logger,
            "request.crashed",
            logging.ERROR,
            method=request.method,
            route=route_pattern(request),
            error=type(error).__name__,
        )
        raise problem(500, "internal_error", "Apuri could not handle this request") from None
