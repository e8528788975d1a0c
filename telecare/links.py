"""The join links residents get: `<base>/call/<link token>?lang=<lang>`.

A link token is a `telecare.tokens` token for the room's `client`, purpose `link`. A link
made when a resident asks for a nurse lasts `LINK_TTL_S`; a scheduled visit's link lasts
until the visit's own end plus its grace (`visit_link_ttl_s`).
"""

from __future__ import annotations

import datetime as dt

from telecare.tokens import sign

LINK_TTL_S = 4 * 3600
# A visit's link never lasts less than this, even when booked after its start.
MIN_VISIT_LINK_TTL_S = 60


def join_link(
    secret: bytes,
    base_url: str,
    room: str,
    lang: str,
    *,
    ttl_s: int = LINK_TTL_S,
    now: float | None = None,
) -> str:
    """The address a resident opens to join `room`, valid for `ttl_s` seconds from `now`."""
    token = sign(secret, room, "client", purpose="link", ttl_s=ttl_s, now=now)
    return f"{base_url}/call/{token}?lang={lang}"


def visit_link_ttl_s(expires: dt.datetime, now: dt.datetime | None = None) -> int:
    """Seconds until a scheduled visit's link expires (`Visit.link_expires`), at least 60."""
    remaining = int((expires - (now or dt.datetime.now(dt.UTC))).total_seconds())
    return max(remaining, MIN_VISIT_LINK_TTL_S)
