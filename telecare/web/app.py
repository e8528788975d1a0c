"""Telecare on the gateway: one cleanup context and one `add_routes` for every page and socket.

    /call/{link}                 the resident's call page (big buttons, fi/sv/en)
    POST /call/{link}/token      a two-minute room token for the signaling socket
    /call/{link}/precall         the pre-call check, for the resident
    POST /precall/offer          the server peer that echoes media back (telecare.precall)
                                 (these four: telecare/web/call.py)
    /nurse, /nurse/login, ...    the nurse console (telecare/web/console.py)
    GET /telecare/signal/{room}  signaling: offer/answer/ICE candidates between two parties
                                 (telecare/web/signaling.py)

The domain (queue, tokens, links, rooms, accounts, visits, statistics) is in `telecare/`;
`telecare/web/` is its transport, and nothing in the domain imports it.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from telecare.web import call, console, signaling
from telecare.web.context import telecare_ctx
from telecare.web.pages import setup_templates

STATIC = Path(__file__).resolve().parent / "static"


def add_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(telecare_ctx)
    setup_templates(app)
    call.add_routes(app)
    signaling.add_routes(app)
    console.add_routes(app)
    app.router.add_static("/telecare/static/", STATIC, name="telecare_static")
