"""Join links: the address a resident opens, and how long it lasts."""

from __future__ import annotations

import datetime as dt

from telecare.links import LINK_TTL_S, join_link, visit_link_ttl_s
from telecare.tokens import new_room_id, verify

SECRET = b"s" * 32


def test_a_join_link_opens_the_call_page_for_the_rooms_client_for_four_hours() -> None:
    room = new_room_id()
    link = join_link(SECRET, "https://apuri.example", room, "sv", now=1_000_000)
    prefix, _, query = link.partition("?")
    assert prefix.startswith("https://apuri.example/call/")
    assert query == "lang=sv"
    token = verify(SECRET, prefix.rsplit("/", 1)[1], purpose="link", now=1_000_000)
    assert (token.room, token.role, token.purpose) == (room, "client", "link")
    assert token.expires == 1_000_000 + LINK_TTL_S == 1_000_000 + 4 * 3600


def test_a_visits_link_lasts_until_the_visit_expires_and_never_under_a_minute() -> None:
    now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    assert visit_link_ttl_s(now + dt.timedelta(hours=2), now) == 7200
    assert visit_link_ttl_s(now - dt.timedelta(hours=2), now) == 60
