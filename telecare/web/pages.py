"""What every telecare page shares: its language, its public address, the origin check,
the security headers, and rendering from `templates/` (Jinja2, autoescaped).

Templates are written one element to a line for reading; the line breaks and the
indentation that follows them are not part of the page (`JoinLines`), so a space the
page needs is written inside a line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from jinja2.ext import Extension

from assistant.client_address import request_scheme
from assistant.keys import SETTINGS
from telecare.web.texts import pick_lang, text

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATES = web.AppKey("telecare_templates", jinja2.Environment)
LANGUAGE_LINKS = (("fi", "Suomi"), ("sv", "Svenska"), ("en", "English"))

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
        "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_LINE_BREAK = re.compile(r"\n[ \t]*")


class JoinLines(Extension):
    """Drops each line break and the indentation after it from a template's source."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _LINE_BREAK.sub("", source)


def setup_templates(app: web.Application) -> None:
    """The pages' Jinja2 environment on `app`, under its own key (autoescape on)."""
    aiohttp_jinja2.setup(
        app,
        app_key=TEMPLATES,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=[JoinLines],
        default_helpers=False,
    )


def render(
    request: web.Request,
    template: str,
    lang: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> web.Response:
    """A whole page from `template`, with `t(key)` saying `key` in `lang`."""
    values = {"lang": lang, "t": partial(text, lang=lang), "languages": LANGUAGE_LINKS}
    response = aiohttp_jinja2.render_template(
        template, request, {**values, **context}, app_key=TEMPLATES, status=status
    )
    response.headers.update(SECURITY_HEADERS)
    return response


def request_lang(request: web.Request) -> str:
    return pick_lang(request.query.get("lang"), request.headers.get("Accept-Language"))


def base_url(request: web.Request) -> str:
    """The public address for links: PUBLIC_BASE_URL, or the address this request used."""
    configured = request.app[SETTINGS].public_base_url
    return configured or f"{request.scheme}://{request.host}"


Origin = tuple[str, str, int]
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL or Origin header, ports made explicit;
    None for anything else (an opaque "null" origin, another scheme, no host)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def own_origins(request: web.Request) -> set[Origin]:
    """The origins Apuri's own pages have: the one this request was made to (its scheme
    as the client used it) and PUBLIC_BASE_URL's when it is set."""
    settings = request.app[SETTINGS]
    candidates = [f"{request_scheme(request, settings)}://{request.host}"]
    if settings.public_base_url:
        candidates.append(settings.public_base_url)
    return {origin for origin in map(origin_of, candidates) if origin is not None}


def same_origin(request: web.Request) -> bool:
    """Whether the page that opened this request is one of Apuri's own: its Origin's
    scheme, host and port all match. A request without Origin comes from no browser
    page (browsers always send it on a WebSocket) and is left to its credentials."""
    header = request.headers.get("Origin")
    if header is None:
        return True
    origin = origin_of(header)
    return origin is not None and origin in own_origins(request)
