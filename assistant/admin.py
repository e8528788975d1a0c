"""The operator's page of outgoing messages: `GET /admin/outbox`.

Shows what Apuri sent or is about to send to residents (confirmations, reminders,
cancellations) and what failed, newest first, with phone numbers masked. Always behind
HTTP Basic authentication: user `admin` and APURI_ADMIN_PASSWORD (`apuri run` makes one in
var/admin.password when it is not set). With no password at all the page answers 503 and
shows nothing. Failed attempts are limited like the nurse sign-in (`telecare.lockout`):
10 from one address, 25 from all addresses together (at most 100 guesses an hour), each
count lasting 15 minutes after its last failure.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from html import escape

from aiohttp import web
from sqlalchemy import select

from assistant.client_address import request_address
from assistant.keys import BOOKING, REDIS, SETTINGS
from assistant.logs import event
from privacy.phones import masked
from store.models import HELSINKI, OutboxMessage
from telecare.lockout import Limits, SignInLockout

logger = logging.getLogger(__name__)

USERNAME = "admin"
LIMITS = Limits(pair=10, account=25, address=None)
CHALLENGE = {"WWW-Authenticate": 'Basic realm="Apuri admin", charset="UTF-8"'}
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def _credentials(request: web.Request) -> tuple[str, str] | None:
    """The (user, password) of a Basic Authorization header, or None."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def _matches(given: tuple[str, str] | None, password: str) -> bool:
    """Both user and password compared in constant time, whatever the first gives."""
    user, secret = given or ("", "")
    same_user = hmac.compare_digest(user.encode(), USERNAME.encode())
    same_password = hmac.compare_digest(secret.encode(), password.encode())
    return given is not None and same_user and same_password


async def _authorize(request: web.Request) -> None:
    """Raises unless the request carries the admin credential (and may try now)."""
    settings = request.app[SETTINGS]
    if not settings.admin_password:
        raise web.HTTPServiceUnavailable(
            text="The admin pages are closed: APURI_ADMIN_PASSWORD is not set. "
            "`apuri run` makes one in var/admin.password.",
            headers=HEADERS,
        )
    given = _credentials(request)
    if given is None:
        raise web.HTTPUnauthorized(text="Sign in as admin.", headers={**CHALLENGE, **HEADERS})
    lockout = SignInLockout(
        request.app[REDIS], settings.secret_key.encode(), prefix="apuri:admin:failed", limits=LIMITS
    )
    address = request_address(request, settings)
    waits = await lockout.refused(USERNAME, address)
    if waits is not None:
        event(logger, "admin.login_locked", logging.WARNING, limit=waits)
        raise web.HTTPTooManyRequests(
            text="Too many failed sign-ins: try again in 15 minutes.",
            headers={"Retry-After": str(LIMITS.window_s), **HEADERS},
        )
    if not _matches(given, settings.admin_password):
        await lockout.failed(USERNAME, address)
        event(logger, "admin.login_failed", logging.WARNING)
        raise web.HTTPUnauthorized(text="Wrong user or password.", headers={**CHALLENGE, **HEADERS})
    await lockout.succeeded(USERNAME, address)


async def outbox_page(request: web.Request) -> web.Response:
    """GET /admin/outbox"""
    await _authorize(request)
    engine = request.app[BOOKING]
    async with engine.sessions() as session:
        messages = list(
            (
                await session.scalars(
                    select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)
                )
            ).all()
        )
    rows = "\n".join(
        "<tr class='{status}'><td>{id}</td><td>{kind}</td><td>{status}</td><td>{attempts}</td>"
        "<td>{to}</td><td>{due}</td><td>{sent}</td><td>{body}</td><td>{error}</td></tr>".format(
            id=m.id,
            kind=escape(m.kind),
            status=escape(m.status),
            attempts=m.attempts,
            to=escape(masked(m.to_phone)),
            due=f"{m.send_after.astimezone(HELSINKI):%Y-%m-%d %H:%M}",
            sent=f"{m.sent_at.astimezone(HELSINKI):%Y-%m-%d %H:%M}" if m.sent_at else "",
            body=escape("(a verification code: not shown)" if m.kind == "code" else m.body),
            error=escape(m.last_error or ""),
        )
        for m in messages
    )
    sender = "Twilio" if request.app[SETTINGS].twilio_configured else "local (not sent out)"
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Apuri - outgoing messages</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #1a1a1a; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #ccc; padding: 0.4rem; text-align: left; vertical-align: top; }}
tr.failed td {{ background: #fde7e7; }}
tr.pending td, tr.sending td {{ background: #fff8dc; }}
</style></head>
<body><h1>Outgoing messages</h1>
<p>Sender: {sender}. Newest first; failed messages are kept and shown in red.</p>
<table><thead><tr><th>#</th><th>Kind</th><th>Status</th><th>Attempts</th><th>To</th>
<th>Due</th><th>Sent</th><th>Message</th><th>Last error</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>"""
    return web.Response(text=html, content_type="text/html", headers=HEADERS)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/admin/outbox", outbox_page)
