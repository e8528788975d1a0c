"""The nurse console: sign-in, the live queue, accepting a call, visit notes, scheduled visits.

Sessions are HttpOnly, SameSite=Strict cookies (Secure unless APURI_SECURE_COOKIES=false)
naming a session in Redis. Every state-changing request carries the session's CSRF
token (a form field or the X-CSRF-Token header); the sign-in form uses a double-submit
cookie. Failed sign-ins are limited per address and account, per account and per address
(the client's address, behind APURI_TRUSTED_PROXIES), with a browser that signed in
before held to its own limit instead (`telecare.lockout`). The queue socket checks the
session and that the page came from Apuri's own origin: scheme, host and port.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import html
import logging
import secrets
import time
from typing import Any

from aiohttp import WSMsgType, web

from assistant.client_address import request_address
from assistant.keys import DATABASE, SETTINGS
from assistant.logs import event, pseudonym
from channels.telecare_app import TELECARE, base_url, page, request_lang, same_origin
from channels.telecare_call import call_body, precall_body, precall_token, room_token_reply
from channels.telecare_texts import text
from privacy.phones import InvalidPhone
from store.models import HELSINKI
from telecare import stats, visits
from telecare.accounts import ConsoleSession, NurseInfo
from telecare.lockout import DEVICE_TTL_S, MAX_DEVICE_TOKENS
from telecare.queue import CallRequest
from telecare.tokens import is_room_id, sign

logger = logging.getLogger(__name__)

SESSION_COOKIE = "apuri_nurse"
LOGIN_CSRF_COOKIE = "apuri_nurse_login"
# Which accounts signed in from this browser before; sent to the sign-in form only.
DEVICE_COOKIE = "apuri_nurse_device"
LOGIN_PATH = "/nurse/login"
QUEUE_REFRESH_S = 1.0
HEARTBEAT_EVERY_S = 30.0


def _esc(key: str, lang: str) -> str:
    return html.escape(text(key, lang))


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
    value = request.cookies.get(DEVICE_COOKIE, "")
    return [token for token in value.split("~") if token][:MAX_DEVICE_TOKENS]


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
    problem = "too_many_logins" if locked else "bad_login"
    error = f'<p class="error" role="alert">{_esc(problem, lang)}</p>' if failed else ""
    body = (
        f'<main class="login"><h1>{_esc("console_title", lang)}</h1>{error}'
        f'<form method="post" action="/nurse/login?lang={lang}">'
        f'<input type="hidden" name="csrf" value="{csrf}">'
        + _field(lang, "username", '<input name="username" autocomplete="username" required>')
        + _field(
            lang,
            "password",
            '<input name="password" type="password" autocomplete="current-password" required>',
        )
        + f'<button class="big go" type="submit">{_esc("sign_in", lang)}</button></form></main>'
    )
    status = 429 if locked else 401 if failed else 200
    response = page(lang, "console_title", body, status=status)
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
    username = str(form.get("username", ""))[:64]
    address = request_address(request, request.app[SETTINGS])
    remembered = _device_tokens(request)
    device = telecare.lockout.device_of(username, remembered)
    waits = await telecare.lockout.refused(username, address, device)
    if waits is not None:
        event(logger, "telecare.login_locked", logging.WARNING, limit=waits)
        return await login_page(request, failed=True, locked=True)
    nurse = await telecare.accounts.authenticate(username, str(form.get("password", ""))[:200])
    if nurse is None:
        await telecare.lockout.failed(username, address, device)
        event(logger, "telecare.login_failed", logging.WARNING, known_browser=device is not None)
        return await login_page(request, failed=True)
    await telecare.lockout.succeeded(username, address, device)
    session = await telecare.sessions.create(nurse.id)
    event(logger, "telecare.login", nurse=nurse.id)
    response = web.HTTPSeeOther(f"/nurse?lang={request_lang(request)}")
    _cookie(
        response,
        request,
        SESSION_COOKIE,
        session.token,
        max_age=int(telecare.sessions.ttl.total_seconds()),
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/")
    tokens = telecare.lockout.remember_device(username, remembered)
    _cookie(
        response, request, DEVICE_COOKIE, "~".join(tokens), max_age=DEVICE_TTL_S, path=LOGIN_PATH
    )
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    session, _nurse = await _require_post(request, str(form.get("csrf", "")))
    await request.app[TELECARE].sessions.end(session.token)
    response = web.HTTPSeeOther("/nurse/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


def _field(lang: str, key: str, control: str) -> str:
    return f"<label>{_esc(key, lang)}{control}</label>"


def _booking_form(lang: str, csrf: str, default_start: str, notice: str) -> str:
    languages = "".join(
        f'<option value="{code}">{name}</option>'
        for code, name in (("fi", "Suomi"), ("sv", "Svenska"), ("en", "English"))
    )
    return (
        f'<section aria-labelledby="book-title"><h2 id="book-title">{_esc("schedule", lang)}</h2>'
        f'{notice}<form method="post" action="/nurse/visits?lang={lang}" class="book">'
        f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">'
        + _field(lang, "client_label", '<input name="client_label" maxlength="64" required>')
        + _field(lang, "client_phone", '<input name="client_phone" type="tel" required>')
        + _field(lang, "carer_phone", '<input name="carer_phone" type="tel">')
        + '<label class="check"><input type="checkbox" name="carer_consent" value="1"> '
        f"{_esc('carer_consent', lang)}</label>"
        + _field(lang, "language", f'<select name="lang">{languages}</select>')
        + _field(
            lang,
            "starts_at",
            f'<input name="starts_at" type="datetime-local" value="{default_start}" required>',
        )
        + _field(
            lang, "minutes", '<input name="minutes" type="number" min="5" max="120" value="20">'
        )
        + f'<button class="big" type="submit">{_esc("book", lang)}</button></form></section>'
    )


def _visit_rows(items: list[visits.Visit], lang: str, now: dt.datetime) -> str:
    if not items:
        return f'<p class="empty">{_esc("no_visits", lang)}</p>'
    rows = []
    for visit in items:
        missed = visit.is_missed(now)
        flag = f' <strong class="flag">{_esc("missed", lang)}</strong>' if missed else ""
        rows.append(
            f'<li class="visit{" missed" if missed else ""}">'
            f"<time>{visit.starts_at.astimezone(HELSINKI):%H:%M}</time> "
            f"{html.escape(visit.client_label)} ({visit.minutes} min, {visit.lang}){flag} "
            f'<a class="button" href="/nurse/call/{visit.room}?lang={lang}">'
            f"{_esc('open_call', lang)}</a></li>"
        )
    return f'<ul class="visits">{"".join(rows)}</ul>'


async def console(request: web.Request) -> web.Response:
    """GET /nurse: the queue, the nurse's open calls, today's visits and the booking form."""
    session, nurse = await _require_page(request)
    lang = request_lang(request)
    now = dt.datetime.now(dt.UTC)
    today = await visits.for_day(
        request.app[DATABASE], nurse.id, now.astimezone(HELSINKI).date(), now=now
    )
    words = " ".join(
        f'data-{key.replace("_", "-")}="{_esc(key, lang)}"'
        for key in ("urgent", "soon", "normal", "queue_empty", "open_call", "live", "offline")
    )
    booked = ""
    if request.query.get("booked") == "1":
        booked = f'<p class="notice" role="status">{_esc("booked", lang)}</p>'
    elif request.query.get("booked") == "0":
        booked = f'<p class="error" role="alert">{_esc("bad_visit", lang)}</p>'
    headers = "".join(
        f"<th>{_esc(key, lang)}</th>"
        for key in ("urgency", "waited", "language", "reason", "channel")
    )
    default_start = (now.astimezone(HELSINKI) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:00")
    body = (
        f'<main class="console" data-csrf="{html.escape(session.csrf)}" data-lang="{lang}">'
        f"<header><h1>{_esc('console_title', lang)}</h1><p>{html.escape(nurse.display_name)}"
        f' · <a href="/nurse/precall?lang={lang}">{_esc("precall_link", lang)}</a></p>'
        f'<form method="post" action="/nurse/logout"><input type="hidden" name="csrf"'
        f' value="{html.escape(session.csrf)}"><button type="submit">{_esc("sign_out", lang)}'
        "</button></form></header>"
        f'<section aria-labelledby="queue-title"><h2 id="queue-title">{_esc("queue", lang)}'
        f' <span id="live" class="live">…</span></h2>'
        f'<button id="accept" class="big go" type="button">{_esc("accept_next", lang)}</button>'
        f'<table class="queue"><thead><tr>{headers}</tr></thead><tbody id="queue"></tbody></table>'
        f'<h3>{_esc("my_calls", lang)}</h3><ul id="mine" class="mine"></ul></section>'
        f'<section aria-labelledby="today-title"><h2 id="today-title">{_esc("today", lang)}</h2>'
        f"{_visit_rows(today, lang, now)}</section>"
        + _booking_form(lang, session.csrf, default_start, booked)
        + f'<div id="texts" hidden {words}></div></main>'
    )
    return page(lang, "console_title", body, scripts=("console.js",))


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
    telecare = request.app[TELECARE]
    taken = await telecare.queue.accept_next(str(nurse.id))
    if taken is None:
        return web.json_response({"room": None})
    await stats.open_call(
        request.app[DATABASE],
        taken.room,
        kind="request",
        lang=taken.lang,
        nurse_id=nurse.id,
        request_id=taken.id,
        urgency=taken.urgency,
    )
    event(
        logger,
        "telecare.accepted",
        nurse=nurse.id,
        request=pseudonym(taken.id),
        urgency=taken.urgency,
    )
    return web.json_response({"room": taken.room, "url": f"/nurse/call/{taken.room}"})


async def _own_call(request: web.Request, nurse: NurseInfo) -> tuple[str, CallRequest | None]:
    """The room in the path, when it is this nurse's request or scheduled visit."""
    room = request.match_info["room"]
    if not is_room_id(room):
        raise web.HTTPNotFound
    engine = request.app[DATABASE]
    call = await stats.get_call(engine, room)
    if call is not None and call.nurse_id == nurse.id:
        request_item = (
            await request.app[TELECARE].queue.get(call.request_id) if call.request_id else None
        )
        return room, request_item
    visit = await visits.by_room(engine, room)
    if visit is not None and visit.nurse_id == nurse.id:
        await stats.open_call(
            engine, room, kind="visit", lang=visit.lang, nurse_id=nurse.id, visit_id=visit.id
        )
        return room, None
    raise web.HTTPNotFound


async def nurse_call_page(request: web.Request) -> web.Response:
    session, nurse = await _require_page(request)
    lang = request_lang(request)
    room, item = await _own_call(request, nurse)
    about = ""
    if item is not None:
        about = (
            f'<aside class="about"><p><strong>{_esc("reason", lang)}:</strong> '
            f"{html.escape(item.reason)}</p>"
            f"<p><strong>{_esc('urgency', lang)}:</strong> {_esc(item.urgency, lang)} · "
            f"<strong>{_esc('language', lang)}:</strong> {item.lang}</p>"
            + (
                f"<details open><summary>{_esc('summary', lang)}</summary>"
                f'<p class="summary">{html.escape(item.summary)}</p></details>'
                if item.summary
                else ""
            )
            + "</aside>"
        )
    outcomes = "".join(
        f'<option value="{key}">{_esc(key, lang)}</option>' for key in stats.OUTCOMES
    )
    note = (
        f'<form method="post" action="/nurse/call/{room}/note?lang={lang}" class="note">'
        f"<h2>{_esc('note_title', lang)}</h2>"
        f'<input type="hidden" name="csrf" value="{html.escape(session.csrf)}">'
        f'<label>{_esc("outcome", lang)}<select name="outcome">{outcomes}</select></label>'
        + _field(lang, "note", '<textarea name="note" rows="5" maxlength="5000"></textarea>')
        + f'<button class="big" type="submit">{_esc("save_note", lang)}</button></form>'
    )
    body = call_body(
        lang,
        role="nurse",
        token_url=f"/nurse/call/{room}/token",
        precall_url=f"/nurse/precall?lang={lang}",
        csrf=session.csrf,
        extra=about + note,
    )
    return page(lang, "call_title", body, scripts=("call.js",))


async def nurse_call_token(request: web.Request) -> web.Response:
    _session, nurse = await _require_post(request)
    room, _item = await _own_call(request, nurse)
    return room_token_reply(request, room, "nurse")


async def save_note(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    _session, nurse = await _require_post(request, str(form.get("csrf", "")))
    room, item = await _own_call(request, nurse)
    outcome = str(form.get("outcome", "other"))
    if outcome not in stats.OUTCOMES:
        raise web.HTTPBadRequest(text="outcome")
    engine = request.app[DATABASE]
    await stats.add_note(engine, room, nurse.id, outcome, str(form.get("note", "")))
    if item is not None:
        await request.app[TELECARE].queue.complete(item.id, str(nurse.id))
    visit = await visits.by_room(engine, room)
    if visit is not None:
        await visits.set_status(engine, room, "done" if outcome != "no_answer" else "missed")
    event(logger, "telecare.note_saved", nurse=nurse.id, room=pseudonym(room), outcome=outcome)
    raise web.HTTPSeeOther(f"/nurse?lang={request_lang(request)}")


async def book_visit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    _session, nurse = await _require_post(request, str(form.get("csrf", "")))
    lang = request_lang(request)
    engine = request.app[DATABASE]
    try:
        starts_at = dt.datetime.fromisoformat(str(form.get("starts_at", ""))).replace(
            tzinfo=HELSINKI
        )
        visit = await visits.schedule(
            engine,
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
    ttl = int((visit.link_expires - dt.datetime.now(dt.UTC)).total_seconds())
    link_token = sign(
        request.app[SETTINGS].secret, visit.room, "client", purpose="link", ttl_s=max(ttl, 60)
    )
    link = f"{base_url(request)}/call/{link_token}?lang={visit.lang}"
    messages = await visits.write_reminders(engine, visit.id, link)
    event(logger, "telecare.visit_booked", nurse=nurse.id, visit=visit.id, reminders=len(messages))
    raise web.HTTPSeeOther(f"/nurse?lang={lang}&booked=1")


async def nurse_precall(request: web.Request) -> web.Response:
    await _require_page(request)
    lang = request_lang(request)
    body = precall_body(lang, precall_token(request), f"/nurse?lang={lang}")
    return page(lang, "precall_title", body, scripts=("precall.js",))


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
