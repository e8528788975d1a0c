"""The operator's page of outgoing messages: `GET /admin/outbox`.

Shows what Apuri sent or is about to send to residents (confirmations, reminders,
cancellations) and what failed, newest first, with phone numbers masked. Protected by
HTTP Basic authentication with APURI_ADMIN_PASSWORD; with no password set, it is served
to this machine (loopback) only.
"""

from __future__ import annotations

import base64
import hmac
from html import escape

from aiohttp import web
from sqlalchemy import select

from assistant.keys import BOOKING, SETTINGS
from booking.models import OutboxMessage
from booking.phones import masked
from booking.rules import HELSINKI

LOOPBACK = {"127.0.0.1", "::1"}


def _allowed(request: web.Request) -> bool:
    password = request.app[SETTINGS].admin_password
    if not password:
        return request.remote in LOOPBACK
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        _, _, given = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(given.encode(), password.encode())


async def outbox_page(request: web.Request) -> web.Response:
    """GET /admin/outbox"""
    if not _allowed(request):
        raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Basic realm="Apuri admin"'})
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
            body=escape(m.body),
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
    return web.Response(text=html, content_type="text/html")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/admin/outbox", outbox_page)
