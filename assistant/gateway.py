"""The gateway: Apuri's one public HTTP server (aiohttp).

`create_app(settings)` builds the application; every resource (Redis, the database, the
HTTP session to Rasa, the language detector) is opened and closed in a cleanup context
and reached through a typed `web.AppKey`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from redis.asyncio import BlockingConnectionPool, Redis

from assistant import admin, booking_api, identity_api, services_api
from assistant import openapi as api
from assistant.core import Assistant
from assistant.health import HealthChecker, HealthReport
from assistant.keys import (
    ASSISTANT,
    BOOKING,
    DATABASE,
    DETECTOR,
    HEALTH,
    HTTP,
    IDENTITIES,
    REDIS,
    SERVICES,
    SETTINGS,
)
from assistant.language import LanguageDetectorService
from assistant.logs import event
from assistant.problems import problem_middleware
from assistant.rasa_client import RasaClient
from assistant.service_search import ServiceSearchProvider
from assistant.settings import Settings
from booking.engine import BookingEngine
from booking.seed import seed
from channels import http_api, sms, voice
from channels import web as web_channel
from privacy.consent import stop_check
from privacy.identity import Identities
from store.db import create_engine, migrate_async
from store.outbox import OutboxWorker, TwilioCredentials, make_sender
from telecare.web import app as telecare_web

logger = logging.getLogger(__name__)

# Larger bodies are refused with 413 before they are read.
MAX_BODY_BYTES = 64 * 1024
# The HTTP parser's limits (aiohttp's default request line is 8 KiB): a long search query
# in the URL reaches the handler and gets a clear JSON 422 instead of a bare parser 400.
SERVER_LIMITS = {"max_line_size": 64 * 1024, "max_field_size": 16 * 1024}


async def _redis_ctx(app: web.Application) -> AsyncIterator[None]:
    # A burst of requests waits for a free connection instead of failing past the pool.
    pool = BlockingConnectionPool.from_url(
        app[SETTINGS].effective_redis_url, max_connections=256, timeout=5, socket_timeout=5
    )
    redis = Redis(connection_pool=pool)
    app[REDIS] = redis
    app[IDENTITIES] = Identities(redis, app[SETTINGS].secret)
    yield
    await redis.aclose()
    await pool.disconnect()


async def _database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.effective_database_url)
    try:
        # Current already under `apuri run`; here for a gateway started on its own.
        await migrate_async(settings.effective_database_url)
        await seed(engine)
    except Exception as error:  # the gateway still starts; /health shows the database failing
        event(logger, "database.prepare_failed", logging.ERROR, error=type(error).__name__)
    app[DATABASE] = engine
    app[BOOKING] = BookingEngine(engine, secret=settings.secret)
    yield
    await engine.dispose()


async def _outbox_ctx(app: web.Application) -> AsyncIterator[None]:
    """Sends the SMS outbox in the background (Twilio when configured, else kept locally)."""
    settings = app[SETTINGS]
    credentials = (
        TwilioCredentials(
            settings.twilio_account_sid or "",
            settings.twilio_auth_token,
            settings.twilio_from or "",
        )
        if settings.twilio_configured
        else None
    )
    worker = OutboxWorker(
        app[DATABASE], make_sender(credentials), stopped=stop_check(settings.secret)
    )
    task = asyncio.create_task(worker.run(), name="apuri-outbox")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _http_ctx(app: web.Application) -> AsyncIterator[None]:
    # Loopback only: many concurrent conversations share a generous connection pool.
    connector = aiohttp.TCPConnector(limit=200, limit_per_host=200)
    session = aiohttp.ClientSession(connector=connector)
    app[HTTP] = session
    yield
    await session.close()


async def _detector_ctx(app: web.Application) -> AsyncIterator[None]:
    detector = LanguageDetectorService()
    # Building the language models takes ~0.4 s of CPU: do it off the event loop, now.
    await asyncio.get_running_loop().run_in_executor(None, detector.warm_up)
    app[DETECTOR] = detector
    yield


async def _services_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    services = ServiceSearchProvider(settings.kb_dir, settings.kb_embedder)
    # Loads and warms the index in a worker thread; requests wait for it if they must.
    services.start()
    app[SERVICES] = services
    yield
    services.close()


async def _assistant_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    rasa = RasaClient(
        app[HTTP],
        settings.rasa_url,
        token=settings.internal_token,
        timeout=settings.rasa_timeout,
        retry_seconds=settings.rasa_retry_seconds,
    )
    app[ASSISTANT] = Assistant(settings, rasa, app[REDIS], app[DETECTOR])
    app[HEALTH] = HealthChecker(
        app[REDIS],
        rasa,
        app[DATABASE],
        app[HTTP],
        actions_url=settings.actions_url,
        services=app[SERVICES],
    )
    yield


async def health(request: web.Request) -> web.Response:
    """GET /health: each part ok or failing; 200 when all are ok, otherwise 503."""
    parts = await request.app[HEALTH].check()
    ok = all(part.ok for part in parts.values())
    body = {
        "status": "ok" if ok else "failing",
        "parts": {name: part.as_dict() for name, part in parts.items()},
    }
    return web.json_response(body, status=200 if ok else 503)


STATIC = Path(__file__).resolve().parent / "static"


async def index(request: web.Request) -> web.FileResponse:
    """GET /: a demo city service page with the embeddable web chat widget on it."""
    return web.FileResponse(STATIC / "index.html")


# The gateway's own routes; each API module declares its own beside its handlers.
OPERATIONS = (
    api.Operation(
        "GET",
        "/api/openapi.json",
        "This document",
        responses={200: api.Response("The OpenAPI document")},
    ),
    api.Operation(
        "GET",
        "/health",
        "Health of Redis, Rasa, the action server and the database",
        responses={
            200: api.Response("Every part is ok", HealthReport),
            503: api.Response("At least one part is failing", HealthReport),
        },
    ),
)

INFO = {
    "title": "Apuri gateway",
    "version": "0.1.0",
    "description": "The City of Helsinki's assistant: messages (JSON, WebSocket, SMS and voice "
    "through Twilio), city services, facility booking, health.",
}


def operations() -> tuple[api.Operation, ...]:
    """Every operation the gateway serves, as the API modules declare them."""
    return (
        *OPERATIONS,
        *http_api.OPERATIONS,
        *services_api.OPERATIONS,
        *booking_api.OPERATIONS,
        *identity_api.OPERATIONS,
        *web_channel.OPERATIONS,
        *sms.OPERATIONS,
        *voice.OPERATIONS,
    )


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of every operation the gateway serves."""
    return api.document(operations(), INFO)


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        client_max_size=MAX_BODY_BYTES,
        middlewares=[problem_middleware],
        handler_args=SERVER_LIMITS,
    )
    app[SETTINGS] = settings
    app.cleanup_ctx.extend(
        [
            _redis_ctx,
            _database_ctx,
            _outbox_ctx,
            _http_ctx,
            _detector_ctx,
            _services_ctx,
            _assistant_ctx,
        ]
    )
    app.router.add_get("/", index)
    app.router.add_get("/health", health)
    app.router.add_get("/api/openapi.json", openapi)
    http_api.add_routes(app)
    web_channel.add_routes(app)
    sms.add_routes(app)
    voice.add_routes(app)
    services_api.add_routes(app)
    booking_api.add_routes(app)
    identity_api.add_routes(app)
    admin.add_routes(app)
    telecare_web.add_routes(app)
    return app
