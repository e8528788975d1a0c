"""Proving a phone number over HTTP, for the booking API's clients.

    POST   /api/identity/codes     {"phone", "lang"}   a 6-digit code is sent to the number
    POST   /api/identity/sessions  {"phone", "code"}   the code opens a resident session
    DELETE /api/identity/sessions/current              (X-Resident-Session) ends it

The session token goes in the `X-Resident-Session` header of `POST /api/reservations`: a
booking's confirmation goes only to a number its client proved. The same component proves
numbers in the chat (`privacy.identity`).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant import safe_json
from assistant.client_address import client_key
from assistant.keys import DATABASE, IDENTITIES
from assistant.logs import event
from assistant.openapi import (
    BAD_JSON,
    JSON_LIMITS,
    TOO_LARGE,
    Body,
    Operation,
    Parameter,
    Response,
    error,
)
from assistant.problems import invalid_request, problem
from privacy.identity import CODE_TTL_S, SESSION_TTL_S, CodeRefused, Refusal, Session, code_sms
from privacy.phones import InvalidPhone, masked, normalise_phone
from store.outbox import enqueue
from texts import Language

logger = logging.getLogger(__name__)

SESSION_HEADER = "X-Resident-Session"
MAX_DEPTH = 4

_REFUSALS = {
    Refusal.WRONG: (401, "wrong_code", "the code is not right"),
    Refusal.NO_CODE: (401, "no_code", "no code was sent to this number: ask for one first"),
    Refusal.EXPIRED: (401, "code_expired", "the code has expired: ask for a new one"),
    Refusal.LOCKED: (429, "code_locked", "too many wrong codes: ask for a new one"),
    Refusal.RATE_LIMITED: (429, "rate_limited", "too many codes for this number or address"),
}


class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(max_length=32, description="The mobile number to prove.")
    lang: Language = "fi"


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(max_length=32)
    code: str = Field(min_length=6, max_length=12, pattern=r"^[0-9 -]+$")


class CodeSent(BaseModel):
    sent_to: str = Field(description="The number the code went to, masked.")
    expires_in: int = Field(description="Seconds the code is valid.")


class SessionOpened(BaseModel):
    session: str = Field(description=f"The token to send in {SESSION_HEADER}.")
    expires_in: int = Field(description="Seconds the session lasts.")


async def _read(request: web.Request, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(safe_json.loads(await request.read(), max_depth=MAX_DEPTH))
    except safe_json.UnsafeJSON as error:
        raise invalid_request(error.status, error.detail) from None
    except ValidationError as error:
        raise invalid_request(422, "the request is not valid", error) from None


def _phone(text: str) -> str:
    try:
        return normalise_phone(text)
    except InvalidPhone as error:
        raise problem(
            422, "invalid_request", f"phone: {error}", fields=[{"field": "phone"}]
        ) from None


def _refused(refused: CodeRefused) -> web.HTTPException:
    status, error, detail = _REFUSALS[refused.reason]
    exc = problem(status, error, detail, tries_left=refused.tries_left)
    if status == 429:
        exc.headers["Retry-After"] = "900"
    return exc


def _subject(phone: str) -> str:
    return f"api:{phone}"


async def request_code(request: web.Request) -> web.Response:
    """POST /api/identity/codes"""
    asked = await _read(request, CodeRequest)
    assert isinstance(asked, CodeRequest)
    phone = _phone(asked.phone)
    try:
        code = await request.app[IDENTITIES].issue_code(
            _subject(phone), phone, client=client_key(request)
        )
    except CodeRefused as refused:
        event(logger, "identity.code_rate_limited")
        raise _refused(refused) from None
    await enqueue(
        request.app[DATABASE], to_phone=phone, body=code_sms(code, asked.lang),
        lang=asked.lang, kind="code",
    )  # fmt: skip
    event(logger, "identity.code_sent", channel="api")
    sent = CodeSent(sent_to=masked(phone), expires_in=CODE_TTL_S)
    return web.json_response(sent.model_dump(), status=202)


async def open_session(request: web.Request) -> web.Response:
    """POST /api/identity/sessions"""
    asked = await _read(request, SessionRequest)
    assert isinstance(asked, SessionRequest)
    phone = _phone(asked.phone)
    identities = request.app[IDENTITIES]
    try:
        await identities.check_code(_subject(phone), phone, asked.code)
    except CodeRefused as refused:
        raise _refused(refused) from None
    token = await identities.open_session(phone, "sms-code")
    event(logger, "identity.session_opened", channel="api")
    opened = SessionOpened(session=token, expires_in=SESSION_TTL_S)
    return web.json_response(opened.model_dump(), status=201)


async def resident_session(request: web.Request) -> Session:
    """The live session named by the request's X-Resident-Session header, or 401."""
    token = request.headers.get(SESSION_HEADER, "").strip()
    found = await request.app[IDENTITIES].session(token) if token else None
    if found is None:
        raise problem(
            401,
            "session_required",
            f"prove the phone number first (POST /api/identity/codes, then "
            f"/api/identity/sessions) and send the session in {SESSION_HEADER}",
        )
    return found


async def end_session(request: web.Request) -> web.Response:
    """DELETE /api/identity/sessions/current"""
    session = await resident_session(request)
    await request.app[IDENTITIES].end_session(session.id)
    return web.Response(status=204)


# The resident-session header: required here; POST /api/reservations declares it too.
SESSION = Parameter(
    SESSION_HEADER,
    "header",
    {"type": "string", "maxLength": 128},
    description="A resident session from POST /api/identity/sessions: the number it proved "
    "receives the confirmation. Required; without it the answer is 401.",
)

OPERATIONS = (
    Operation(
        "POST",
        "/api/identity/codes",
        "Text a 6-digit code to a mobile number, to prove it is the client's",
        description="Valid 10 minutes, 5 tries; at most 3 codes per number in 15 minutes and "
        "10 per client address an hour." + JSON_LIMITS,
        body=Body(CodeRequest, description="The number and the language of the message"),
        responses={
            202: Response("Sent; the body shows the masked number", CodeSent),
            400: error(BAD_JSON),
            413: error(TOO_LARGE),
            422: error("Not a mobile number, or a field is missing or mistyped"),
            429: error("Too many codes for this number or client (see Retry-After)"),
        },
    ),
    Operation(
        "POST",
        "/api/identity/sessions",
        "Open a resident session with the code texted to the number",
        body=Body(SessionRequest, description="The number and the code"),
        responses={
            201: Response("The session token (X-Resident-Session), 30 minutes", SessionOpened),
            400: error(BAD_JSON),
            401: error("Wrong, expired or never sent code (tries_left tells)"),
            413: error(TOO_LARGE),
            422: error("Not a mobile number, or a field is missing or mistyped"),
            429: error("Too many wrong codes: ask for a new one"),
        },
    ),
    Operation(
        "DELETE",
        "/api/identity/sessions/current",
        "End the resident session",
        parameters=(replace(SESSION, required=True),),
        responses={204: Response("Ended"), 401: error("No live session")},
    ),
)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/identity/codes", request_code)
    app.router.add_post("/api/identity/sessions", open_session)
    app.router.add_delete("/api/identity/sessions/current", end_session)
