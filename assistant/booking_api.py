"""Facility booking over HTTP (the same engine the chat, SMS and voice use).

    GET    /api/resources[?kind=]
    GET    /api/resources/{id}/availability?date=YYYY-MM-DD
    POST   /api/reservations                 (Idempotency-Key header: a retry never books twice)
    GET    /api/reservations/{id}            (Authorization: Bearer <reservation token>)
    DELETE /api/reservations/{id}            (the same token)
    GET    /api/reservations/{id}.ics?token= (a calendar file)

A refusal is a JSON problem with the reason code, its explanation in the asked language
and, for a taken or closed time, alternatives that can be booked instead.
"""

from __future__ import annotations

import datetime as dt
import re
import time

from aiohttp import web
from pydantic import ValidationError

from assistant import safe_json
from assistant.booking_views import (
    DAY_RANGE,
    EARLIEST_DAY,
    LATEST_DAY,
    RESOURCE_ID,
    DayAvailability,
    ReservationRequest,
    ReservationView,
    ResourceList,
    alternative_json,
    local,
    reservation_json,
    resource_json,
)
from assistant.client_address import client_key
from assistant.identity_api import SESSION, resident_session
from assistant.keys import BOOKING, REDIS
from assistant.openapi import (
    BAD_JSON,
    JSON_LIMITS,
    LANG,
    TOO_LARGE,
    Body,
    Operation,
    Parameter,
    Response,
    error,
)
from assistant.problems import invalid_request, problem
from booking.engine import BookingRefused, BookingRequest
from booking.ics import reservation_ics
from booking.messages import Reason
from booking.models import Reservation, Resource
from booking.seed import KINDS
from privacy.phones import InvalidPhone, normalise_phone

_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
_RESOURCE_ID = re.compile(RESOURCE_ID)
# A reservation body is one flat object; a little nesting still gets its 422 for the field.
MAX_BODY_DEPTH = 8

# 409: the calendar said no (taken, limits, state); 422: the asked booking breaks a rule.
_CONFLICTS = {
    Reason.TAKEN,
    Reason.OVER_LIMIT,
    Reason.ALREADY_CANCELLED,
    Reason.TOO_LATE_TO_CANCEL,
    Reason.IDEMPOTENCY_MISMATCH,
}
_STATUS = {Reason.UNKNOWN_RESOURCE: 404, Reason.NOT_FOUND: 404, Reason.FORBIDDEN: 403}


def refusal(error: BookingRefused, lang: str) -> web.HTTPException:
    status = _STATUS.get(error.reason, 409 if error.reason in _CONFLICTS else 422)
    return problem(
        status,
        error.reason.value,
        error.text(lang),
        lang=lang,
        alternatives=[alternative_json(a, lang) for a in error.alternatives],
    )


# Booking attempts (refused or not) per client address a minute: more is a script.
PER_MINUTE = 20


async def within_rate(request: web.Request, name: str, limit: int) -> bool:
    """Counts one attempt from the request's client address in this minute's window."""
    key = f"apuri:rate:{name}:{client_key(request)}:{int(time.time() // 60)}"
    redis = request.app[REDIS]
    used = await redis.incr(key)
    if used == 1:
        await redis.expire(key, 120)
    return bool(used <= limit)


def _lang(request: web.Request) -> str:
    value = request.query.get("lang", "fi")
    return value if value in ("fi", "sv", "en") else "fi"


def _token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :].strip() or None
    return request.query.get("token") or None


async def list_resources(request: web.Request) -> web.Response:
    """GET /api/resources"""
    kind = request.query.get("kind")
    if kind and kind not in KINDS:
        raise problem(
            422,
            "invalid_request",
            f"kind must be one of {', '.join(KINDS)}",
            fields=[{"field": "kind", "problem": "not a kind of space"}],
        )
    resources = await request.app[BOOKING].resources(kind or None)
    return web.json_response({"resources": [resource_json(r) for r in resources]})


async def availability(request: web.Request) -> web.Response:
    """GET /api/resources/{id}/availability?date=YYYY-MM-DD"""
    resource_id = request.match_info["id"]
    if not _RESOURCE_ID.match(resource_id):
        raise refusal(BookingRefused(Reason.UNKNOWN_RESOURCE), _lang(request))
    try:
        day = dt.date.fromisoformat(request.query.get("date", ""))
    except ValueError:
        raise problem(
            422,
            "invalid_request",
            "date must be given as YYYY-MM-DD",
            fields=[{"field": "date", "problem": "not a date"}],
        ) from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise problem(
            422,
            "invalid_request",
            f"date must be a day {DAY_RANGE}",
            fields=[{"field": "date", "problem": "out of range"}],
        )
    try:
        free = await request.app[BOOKING].availability(resource_id, day)
    except BookingRefused as error:
        raise refusal(error, _lang(request)) from None
    return web.json_response(
        {
            "resource_id": free.resource.id,
            "date": day.isoformat(),
            "open": [{"start": local(s), "end": local(e)} for s, e in free.open],
            "closed_reason": free.closed_reason,
            "slots": [{"start": local(s.start), "max_minutes": s.max_minutes} for s in free.slots],
            "taken": [{"start": local(s), "end": local(e)} for s, e in free.taken],
        }
    )


async def create_reservation(request: web.Request) -> web.Response:
    """POST /api/reservations"""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _KEY.match(key):
        raise problem(422, "invalid_request", "Idempotency-Key must be 8-128 letters or digits")
    try:
        body = safe_json.loads(await request.read(), max_depth=MAX_BODY_DEPTH)
        asked = ReservationRequest.model_validate(body)
    except safe_json.UnsafeJSON as error:
        raise invalid_request(error.status, error.detail) from None
    except ValidationError as error:
        raise invalid_request(422, "the reservation is not valid", error) from None
    phone = None
    if asked.phone is not None:
        try:
            phone = normalise_phone(asked.phone)
        except InvalidPhone as error:
            raise problem(
                422, "invalid_request", f"phone: {error}", fields=[{"field": "phone"}]
            ) from None
    # The confirmation goes only to a number the client proved: its resident session's.
    session = await resident_session(request)
    if phone is None:
        phone = session.phone
    elif not session.proves(phone):
        raise problem(
            403,
            "phone_not_proved",
            "the phone number is not the one the resident session proved",
            fields=[{"field": "phone"}],
        )
    if not await within_rate(request, "reservations", PER_MINUTE):
        exc = problem(429, "rate_limited", "too many booking attempts: wait a minute")
        exc.headers["Retry-After"] = "60"
        raise exc
    engine = request.app[BOOKING]
    try:
        booked = await engine.book(
            BookingRequest(
                resource_id=asked.resource_id,
                start=asked.start,
                minutes=asked.minutes,
                phone=phone,
                lang=asked.lang,
                channel="api",
                idempotency_key=key,
                client=client_key(request),
            )
        )
    except BookingRefused as error:
        raise refusal(error, asked.lang) from None
    result = reservation_json(booked.reservation, booked.resource)
    if booked.token:
        result["token"] = booked.token
    result["ics_url"] = f"/api/reservations/{booked.reservation.id}.ics"
    return web.json_response(result, status=200 if booked.replayed else 201)


async def _held(request: web.Request) -> tuple[Reservation, Resource]:
    """The reservation in the path, for the holder of its token only."""
    engine = request.app[BOOKING]
    try:
        reservation = await engine.reservation(request.match_info["id"], token=_token(request))
        return reservation, await engine.resource_any(reservation.resource_id)
    except BookingRefused as error:
        raise refusal(error, _lang(request)) from None


async def get_reservation(request: web.Request) -> web.Response:
    """GET /api/reservations/{id}"""
    return web.json_response(reservation_json(*await _held(request)))


async def cancel_reservation(request: web.Request) -> web.Response:
    """DELETE /api/reservations/{id}"""
    engine = request.app[BOOKING]
    token = _token(request)
    if token is None:
        raise problem(401, "token_required", "give the reservation token: Authorization: Bearer")
    try:
        reservation = await engine.cancel(request.match_info["id"], token=token, reason="api")
        resource = await engine.resource_any(reservation.resource_id)
    except BookingRefused as error:
        raise refusal(error, _lang(request)) from None
    return web.json_response(reservation_json(reservation, resource))


async def reservation_calendar(request: web.Request) -> web.Response:
    """GET /api/reservations/{id}.ics"""
    reservation, resource = await _held(request)
    return web.Response(
        body=reservation_ics(reservation, resource, request.app[BOOKING].clock()),
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="apuri-{reservation.id}.ics"'},
    )


_TOKEN = Parameter(
    "Authorization",
    "header",
    {"type": "string"},
    required=True,
    description="Bearer <the token returned when the reservation was made>",
)
_RESERVATION_ID = Parameter("id", "path", {"type": "string", "pattern": "^[0-9a-f]{16}$"})
_REFUSED = "Refused: the reason code, its text in the asked language, alternatives"

OPERATIONS = (
    Operation(
        "GET",
        "/api/resources",
        "Bookable city spaces with their rules",
        parameters=(Parameter("kind", "query", {"type": "string", "enum": list(KINDS)}),),
        responses={
            200: Response("The spaces", ResourceList),
            422: error("kind is not one of the kinds of space"),
        },
    ),
    Operation(
        "GET",
        "/api/resources/{id}/availability",
        "Opening hours, free start times and taken ranges on one day",
        parameters=(
            Parameter("id", "path", {"type": "string"}, example="tali-football-hall-half"),
            Parameter(
                "date",
                "query",
                {"type": "string", "format": "date"},
                required=True,
                description=f"A day from {EARLIEST_DAY} to {LATEST_DAY}.",
            ),
            LANG,
        ),
        responses={
            200: Response("The day's availability", DayAvailability),
            404: error("No such space"),
            422: error(f"date is not YYYY-MM-DD, or not from {EARLIEST_DAY} to {LATEST_DAY}"),
        },
    ),
    Operation(
        "POST",
        "/api/reservations",
        "Book a space (an SMS confirmation follows)",
        description=f"start must be on a day from {EARLIEST_DAY} to {LATEST_DAY}." + JSON_LIMITS,
        parameters=(
            Parameter(
                "Idempotency-Key",
                "header",
                {"type": "string", "pattern": _KEY.pattern},
                description="A client key: a retried request returns the first booking (200) "
                "and never books twice.",
            ),
            SESSION,
        ),
        body=Body(ReservationRequest),
        responses={
            201: Response("Booked; the body holds the reservation token, once", ReservationView),
            200: Response("A retry with the same Idempotency-Key", ReservationView),
            400: error(BAD_JSON),
            404: error("No such space"),
            401: error("No resident session (X-Resident-Session): prove the number first"),
            403: error("The phone is not the number the resident session proved"),
            409: error(_REFUSED + " (taken, over the limit)"),
            413: error(TOO_LARGE),
            422: error(
                _REFUSED + " (a rule: closed, too long, too far ahead...); or a field is "
                "missing, mistyped or out of range, a number is too long, a string holds a "
                "lone surrogate, or the Idempotency-Key is malformed"
            ),
            429: error("Too many booking attempts from this client (see Retry-After)"),
        },
    ),
    Operation(
        "GET",
        "/api/reservations/{id}",
        "One reservation (its holder only)",
        parameters=(_RESERVATION_ID, _TOKEN, LANG),
        responses={
            200: Response("The reservation", ReservationView),
            403: error("No token, or the wrong one"),
            404: error("No such reservation"),
        },
    ),
    Operation(
        "DELETE",
        "/api/reservations/{id}",
        "Cancel a reservation (its holder only, before the deadline)",
        parameters=(_RESERVATION_ID, _TOKEN, LANG),
        responses={
            200: Response("Cancelled; an SMS confirms it", ReservationView),
            401: error("No token"),
            403: error("Wrong token"),
            404: error("No such reservation"),
            409: error("Already cancelled, or past the cancellation deadline"),
        },
    ),
    Operation(
        "GET",
        "/api/reservations/{id}.ics",
        "The reservation as an iCalendar file (token as ?token=)",
        parameters=(_RESERVATION_ID, Parameter("token", "query", {"type": "string"})),
        responses={
            200: Response("text/calendar"),
            403: error("No token, or the wrong one"),
            404: error("No such reservation"),
        },
    ),
)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/resources", list_resources)
    app.router.add_get("/api/resources/{id}/availability", availability)
    app.router.add_post("/api/reservations", create_reservation)
    app.router.add_get(r"/api/reservations/{id:[0-9a-f]{16}}.ics", reservation_calendar)
    app.router.add_get(r"/api/reservations/{id:[0-9a-f]{16}}", get_reservation)
    app.router.add_delete(r"/api/reservations/{id:[0-9a-f]{16}}", cancel_reservation)
