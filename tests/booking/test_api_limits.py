"""The booking API refuses input outside its limits with a clear 4xx, before the engine.

Each case is one an outside probe once answered with 500: JSON nested 20,000 deep, an
integer of 5,000 digits, a lone surrogate, days in year 1 and 9999 (OverflowError in time
zone and date arithmetic), and ids or kinds the database cannot even be asked about.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from assistant.gateway import create_app
from assistant.settings import Settings
from tests.booking.conftest import _reset_postgresql

PITCH = "tali-football-hall-half"
Client = TestClient[Any, Any]


@pytest.fixture
async def client(settings: Settings, database_url: str) -> AsyncIterator[Client]:
    if database_url.startswith("postgres"):
        await _reset_postgresql(database_url)
    client: Client = TestClient(TestServer(create_app(settings.with_(database_url=database_url))))
    await client.start_server()
    yield client
    await client.close()


def booking(**fields: Any) -> dict[str, Any]:
    return {
        "resource_id": PITCH,
        "start": "2026-12-02T18:00:00+02:00",
        "minutes": 60,
        "phone": "040 123 4567",
        "lang": "en",
        **fields,
    }


async def post_raw(client: Client, body: str) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        "/api/reservations", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    return response.status, await response.json()


@pytest.mark.parametrize(
    "start", ["0001-01-01T00:00:00+02:00", "9999-12-31T23:00:00-02:00", "1999-12-31T23:59:00Z"]
)
async def test_a_booking_far_outside_the_calendar_is_refused_with_the_range(
    client: Client, start: str
) -> None:
    response = await client.post("/api/reservations", json=booking(start=start))
    assert response.status == 422
    body = await response.json()
    assert body["fields"][0]["field"] == "start"
    assert "between 2000-01-01 and 2100-12-31" in body["fields"][0]["problem"]
    assert start not in await response.text()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
async def test_availability_far_outside_the_calendar_is_refused_with_the_range(
    client: Client, day: str
) -> None:
    response = await client.get(f"/api/resources/{PITCH}/availability", params={"date": day})
    assert response.status == 422
    body = await response.json()
    assert body["detail"] == "date must be a day between 2000-01-01 and 2100-12-31"
    assert body["fields"] == [{"field": "date", "problem": "out of range"}]


async def test_deeply_nested_json_is_refused_unparsed(client: Client) -> None:
    status, body = await post_raw(client, "[" * 20_000 + "]" * 20_000)
    assert status == 400
    assert body["detail"] == "the JSON nests deeper than 8 levels"


async def test_a_5000_digit_minutes_is_refused(client: Client) -> None:
    status, body = await post_raw(client, '{"minutes": ' + "9" * 5000 + "}")
    assert status == 422
    assert body["detail"] == "a number has more than 64 digits"
    assert "9999" not in str(body)


async def test_a_huge_but_short_minutes_is_a_field_error(client: Client) -> None:
    response = await client.post("/api/reservations", json=booking(minutes=10**40))
    assert response.status == 422
    assert (await response.json())["fields"][0]["field"] == "minutes"


@pytest.mark.parametrize("field", ["resource_id", "phone"])
async def test_a_lone_surrogate_is_refused(client: Client, field: str) -> None:
    body = json.dumps(booking(**{field: "abc\ud800"}))  # ensure_ascii writes it as \ud800
    status, answer = await post_raw(client, body)
    assert status == 422
    assert answer["detail"] == "a string holds a lone surrogate (not a Unicode character)"


@pytest.mark.parametrize("body", ["NaN", '{"minutes": Infinity}', '{"minutes": 1e999}'])
async def test_non_finite_numbers_are_refused(client: Client, body: str) -> None:
    status, _ = await post_raw(client, body)
    assert status in (400, 422)


async def test_a_body_in_an_unknown_charset_is_read_as_utf8(client: Client) -> None:
    response = await client.post(
        "/api/reservations",
        data=b'{"resource_id": "x"}',
        headers={"Content-Type": "application/json; charset=no-such-charset"},
    )
    assert response.status == 422


@pytest.mark.parametrize("resource_id", ["a\x00b", "Tali Hall", "x" * 65, "../etc"])
async def test_an_id_no_space_has_is_not_looked_up(client: Client, resource_id: str) -> None:
    response = await client.post("/api/reservations", json=booking(resource_id=resource_id))
    assert response.status == 422
    assert (await response.json())["fields"][0]["field"] == "resource_id"


@pytest.mark.parametrize("path_id", ["a%00b", "Tali%20Hall", "%ED%A0%80"])
async def test_availability_of_an_id_no_space_has_is_404(client: Client, path_id: str) -> None:
    response = await client.get(
        f"/api/resources/{path_id}/availability", params={"date": "2026-12-02"}
    )
    assert response.status == 404
    assert (await response.json())["error"] == "unknown_resource"


async def test_an_unknown_kind_is_refused_and_no_kind_lists_all(client: Client) -> None:
    bad = await client.get("/api/resources", params={"kind": "a\x00"})
    assert bad.status == 422
    assert (await bad.json())["fields"] == [{"field": "kind", "problem": "not a kind of space"}]
    every = await client.get("/api/resources", params={"kind": ""})
    assert every.status == 200
    assert len((await every.json())["resources"]) == 10
