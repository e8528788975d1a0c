"""Typed keys for what the gateway application holds."""

from __future__ import annotations

import aiohttp
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from assistant.core import Assistant
from assistant.health import HealthChecker
from assistant.language import LanguageDetectorService
from assistant.service_search import ServiceSearchProvider
from assistant.settings import Settings
from booking.engine import BookingEngine
from privacy.identity import Identities

SETTINGS = web.AppKey("settings", Settings)
REDIS = web.AppKey("redis", Redis)
HTTP = web.AppKey("http", aiohttp.ClientSession)
DATABASE = web.AppKey("database", AsyncEngine)
DETECTOR = web.AppKey("detector", LanguageDetectorService)
ASSISTANT = web.AppKey("assistant", Assistant)
HEALTH = web.AppKey("health", HealthChecker)
SERVICES = web.AppKey("services", ServiceSearchProvider)
BOOKING = web.AppKey("booking", BookingEngine)
IDENTITIES = web.AppKey("identities", Identities)
