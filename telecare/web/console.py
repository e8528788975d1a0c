"""The nurse console: sign-in, the live queue, accepting a call, visit notes, scheduled visits.

Sessions are HttpOnly, SameSite=Strict cookies (Secure unless APURI_SECURE_COOKIES=false)
naming a session in Redis. Every state-changing request carries the session's CSRF
token (a form field or the X-CSRF-Token header); the sign-in form uses a double-submit
cookie. Failed sign-ins are limited per address and account, per account and per address
(the client's address, behind APURI_TRUSTED_PROXIES), with a browser that signed in
before held to its own limit instead (`telecare.signin`, `telecare.lockout`). The queue
socket checks the session and that the page came from Apuri's own origin: scheme, host
and port. What the console does is in telecare's domain modules (`signin`, `calls`,
`visits`); this module decodes the forms, keeps the cookies and renders the pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import logging
import secrets
import time
from typing import Any

from aiohttp import WSMsgType, web

from assistant.client_address import request_address
from assistant.keys import DATABASE, SETTINGS
from assistant.logs import event, pseudonym
from privacy.phones import InvalidPhone
from store.models import HELSINKI
from telecare import calls, stats, visits
from telecare.accounts import ConsoleSession, NurseInfo
from telecare.lockout import DEVICE_TTL_S
from telecare.queue import CallRequest
from telecare.signin import Refused, remembered_devices, sign_in
from telecare.tokens import is_room_id
from telecare.web.call import precall_page, room_token_reply
from telecare.web.context import TELECARE
from telecare.web.pages import base_url, render, request_lang, same_origin

logger = logging.getLogger(__name__)

SESSION_COOKIE = "apuri_nurse"
LOGIN_CSRF_COOKIE = "apuri_nurse_login"
# Which accounts signed in from this browser before; sent to the sign-in form only.
DEVICE_COOKIE = "apuri_nurse_device"
LOGIN_PATH = "/nurse/login"
QUEUE_REFRESH_S = 1.0
HEARTBEAT_EVERY_S = 30.0


def _cookie(
    response: web.StreamResponse,
    request: web.Request,
    name: str,
    value: str,
    path: str = "/",
    **extra: Any,
) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Strict",
        secure=request.app[SETTINGS].secure_cookies,
        path=path,
        **extra,
    )


def _device_tokens(request: web.Request) -> list[str]:
    """The sign-ins this browser remembers (telecare.lockout's device tokens)."""
    return remembered_devices(request.cookies.get(DEVICE_COOKIE, "").split("~"))


async def _signed_in(request: web.Request) -> tuple[ConsoleSession, NurseInfo] | None:
    telecare = request.app[TELECARE]
    session = await telecare.sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    nurse = await telecare.accounts.get(session.nurse_id)
    return (session, nurse) if nurse is not None else None


async def _require_page(request: web.Request) -> tuple[ConsoleSession, NurseInfo]:
    found = await _signed_in(request)
    if found is None:
        raise web.HTTPSeeOther(f"/nurse/login?lang={request_lang(request)}")
    return found


async def _require_post(
    request: web.Request, supplied: str | None = None
) -> tuple[ConsoleSession, NurseInfo]:
    found = await _signed_in(request)
    if found is None:
        raise web.HTTPUnauthorized(text="sign in")
    token = supplied if supplied is not None else request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(found[0].csrf.encode(), token.encode()):
        event(logger, "telecare.csrf_refused", logging.WARNING, nurse=found[1].id)
        raise web.HTTPForbidden(text="csrf")
    return found


async def login_page(
    request: web.Request, *, failed: bool = False, locked: bool = False
) -> web.Response:
    lang = request_lang(request)
    csrf = secrets.token_urlsafe(24)
    problem = ("too_many_logins" if locked else "bad_login") if failed else None
    status = 429 if locked else 401 if failed else 200
    context = {"csrf": csrf, "problem": problem}
    response = render(request, "login.html", lang, context, status=status)
    _cookie(response, request, LOGIN_CSRF_COOKIE, csrf, max_age=3600)
    return response


async def login_get(request: web.Request) -> web.Response:
    return await login_page(request)


async def login_post(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    supplied = str(form.get("csrf", ""))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), supplied.encode()):
        event(logger, "telecare.login_csrf_refused", logging.WARNING)
        raise web.HTTPForbidden(text="csrf")
    telecare = request.app[TELECARE]
    result = await sign_in(
        telecare.accounts,
        telecare.sessions,
        telecare.lockout,
        username=str(form.get("username", ""))[:64],
        password=str(form.get("password", ""))[:200],
        address=request_address(request, request.app[SETTINGS]),
        devices=_device_tokens(request),
    )
    if isinstance(result, Refused):
        if result.locked is not None:
            event(logger, "telecare.login_locked", logging.WARNING, limit=result.locked)
            return await login_page(request, failed=True, locked=True)
        event(logger, "telecare.login_failed", logging.WARNING, known_browser=result.known_browser)
        return await login_page(request, failed=True)
    event(logger, "telecare.login", nurse=result.nurse.id)
    response = web.HTTPSeeOther(f"/nurse?lang={request_lang(request)}")
    _cookie(
        response,
        request,
        SESSION_COOKIE,
        result.session.token,
        max_age=int(telecare.sessions.ttl.total_seconds()),
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/")
    _cookie(
        response,
        request,
        DEVICE_COOKIE,
        "~".join(result.devices),
        max_age=DEVICE_TTL_S,
        path=LOGIN_PATH,
    )
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    session, _nurse = await _require_post(request, str(form.get("csrf", "")))
    await request.app[TELECARE].sessions.end(session.token)
    response = web.HTTPSeeOther("/nurse/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


def _visit_row(visit: visits.Visit, now: dt.datetime) -> dict[str, Any]:
    return {
        "time": f"{visit.starts_at.astimezone(HELSINKI):%H:%M}",
        "label": visit.client_label,
        "minutes": visit.minutes,
        "lang": visit.lang,
        "room": visit.room,
        "missed": visit.is_missed(now),
    }


async def console(request: web.Request) -> web.Response:
    """GET /nurse: the queue, the nurse's open calls, today's visits and the booking form."""
    session, nurse = await _require_page(request)
    lang = request_lang(request)
    now = dt.datetime.now(dt.UTC)
    today = await visits.for_day(
        request.app[DATABASE], nurse.id, now.astimezone(HELSINKI).date(), now=now
    )
    default_start = (now.astimezone(HELSINKI) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:00")
    context = {
        "csrf": session.csrf,
        "nurse_name": nurse.display_name,
        "visits": [_visit_row(visit, now) for visit in today],
        "booked": request.query.get("booked"),
        "default_start": default_start,
    }
    return render(request, "console.html", lang, context)


def _request_json(item: CallRequest, now: float) -> dict[str, Any]:
    return {
        "id": item.id,
        "room": item.room,
        "urgency": item.urgency,
        "lang": item.lang,
        "reason": item.reason,
        "channel": item.channel,
        "callback": item.callback,
        "waiting_s": round(item.waiting_s(now)),
    }


async def queue_socket(request: web.Request) -> web.WebSocketResponse:
    """GET /nurse/ws: the queue, pushed every second while it changes."""
    found = await _signed_in(request)
    if found is None:
        raise web.HTTPUnauthorized(text="sign in")
    if not same_origin(request):
        event(logger, "telecare.origin_refused", logging.WARNING, nurse=found[1].id)
        raise web.HTTPForbidden(text="origin")
    _session, nurse = found
    queue = request.app[TELECARE].queue
    ws = web.WebSocketResponse(heartbeat=20)
    await ws.prepare(request)

    async def push() -> None:
        last: Any = None
        beat = 0.0
        while not ws.closed:
            now = time.time()
            if now - beat > HEARTBEAT_EVERY_S:
                await queue.heartbeat(str(nurse.id))
                beat = now
            waiting = [_request_json(item, now) for item in await queue.waiting()]
            mine = [_request_json(item, now) for item in await queue.assigned_to(str(nurse.id))]
            snapshot = {"waiting": waiting, "mine": mine}
            shape = ([i["id"] for i in waiting], [i["id"] for i in mine])
            if shape != last:
                await ws.send_json({"type": "queue", **snapshot})
                last = shape
            await asyncio.sleep(QUEUE_REFRESH_S)

    task = asyncio.create_task(push())
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT and message.data == "ping":
                await ws.send_json({"type": "pong"})
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionResetError):
            await task
    return ws


async def accept(request: web.Request) -> web.Response:
    """POST /nurse/accept: the next request is this nurse's; its call opens."""
    _session, nurse = await _require_post(request)
    taken = await calls.accept_next(request.app[DATABASE], request.app[TELECARE].queue, nurse.id)
    if taken is None:
        return web.json_response({"room": None})
    event(
        logger,
        "telecare.accepted",
        nurse=nurse.id,
        request=pseudonym(taken.id),
        urgency=taken.urgency,
    )
    return web.json_response({"room": taken.room, "url": f"/nurse/call/{taken.room}"})


async def _own_call(request: web.Request, nurse: NurseInfo) -> calls.NursesCall:
    """The room in the path, when it is this nurse's request or scheduled visit; else 404."""
    room = request.match_info["room"]
    if not is_room_id(room):
        raise web.HTTPNotFound
    queue = request.app[TELECARE].queue
    call = await calls.nurses_call(request.app[DATABASE], queue, room, nurse.id)
    if call is None:
        raise web.HTTPNotFound
    return call


async def nurse_call_page(request: web.Request) -> web.Response:
    session, nurse = await _require_page(request)
    lang = request_lang(request)
    call = await _own_call(request, nurse)
    context = {
        "role": "nurse",
        "token_url": f"/nurse/call/{call.room}/token",
        "precall_url": f"/nurse/precall?lang={lang}",
        "csrf": session.csrf,
        "room": call.room,
        "item": call.request,
        "outcomes": stats.OUTCOMES,
    }
    return render(request, "nurse_call.html", lang, context)


async def nurse_call_token(request: web.Request) -> web.Response:
    _session, nurse = await _require_post(request)
    call = await _own_call(request, nurse)
    return room_token_reply(request, call.room, "nurse")


async def save_note(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    _session, nurse = await _require_post(request, str(form.get("csrf", "")))
    call = await _own_call(request, nurse)
    outcome = str(form.get("outcome", "other"))
    if outcome not in stats.OUTCOMES:
        raise web.HTTPBadRequest(text="outcome")
    queue = request.app[TELECARE].queue
    note = str(form.get("note", ""))
    await calls.close(
        request.app[DATABASE], queue, call, nurse_id=nurse.id, outcome=outcome, note=note
    )
    event(logger, "telecare.note_saved", nurse=nurse.id, room=pseudonym(call.room), outcome=outcome)
    raise web.HTTPSeeOther(f"/nurse?lang={request_lang(request)}")


async def book_visit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    _session, nurse = await _require_post(request, str(form.get("csrf", "")))
    lang = request_lang(request)
    try:
        starts_at = dt.datetime.fromisoformat(str(form.get("starts_at", ""))).replace(
            tzinfo=HELSINKI
        )
        visit, messages = await visits.book(
            request.app[DATABASE],
            secret=request.app[SETTINGS].secret,
            base_url=base_url(request),
            nurse_id=nurse.id,
            client_label=str(form.get("client_label", "")) or "?",
            client_phone=str(form.get("client_phone", "")),
            carer_phone=str(form.get("carer_phone", "")) or None,
            carer_consented=form.get("carer_consent") == "1",
            lang=str(form.get("lang", "fi")),
            starts_at=starts_at,
            minutes=int(str(form.get("minutes", "20"))),
        )
    except (ValueError, InvalidPhone):
        raise web.HTTPSeeOther(f"/nurse?lang={lang}&booked=0") from None
    event(logger, "telecare.visit_booked", nurse=nurse.id, visit=visit.id, reminders=len(messages))
    raise web.HTTPSeeOther(f"/nurse?lang={lang}&booked=1")


async def nurse_precall(request: web.Request) -> web.Response:
    await _require_page(request)
    lang = request_lang(request)
    return precall_page(request, lang, f"/nurse?lang={lang}")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/nurse", console)
    app.router.add_get("/nurse/login", login_get)
    app.router.add_post("/nurse/login", login_post)
    app.router.add_post("/nurse/logout", logout)
    app.router.add_get("/nurse/ws", queue_socket)
    app.router.add_post("/nurse/accept", accept)
    app.router.add_get("/nurse/precall", nurse_precall)
    app.router.add_post("/nurse/visits", book_visit)
    app.router.add_get("/nurse/call/{room}", nurse_call_page)
    app.router.add_post("/nurse/call/{room}/token", nurse_call_token)
    app.router.add_post("/nurse/call/{room}/note", save_note)
