"""`GET /api/services/search` and `GET /api/services/{id}` on the gateway, over the real
index, with the gateway's own HTTP parser limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from assistant.gateway import create_app
from assistant.service_search import ServiceSearchProvider
from assistant.settings import Settings

PARKING = 4217

Client = TestClient[Any, Any]


async def make_client(settings: Settings) -> Client:
    client: Client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    return client


@pytest.fixture
async def client(settings: Settings, service_provider: ServiceSearchProvider) -> Any:
    await service_provider.get()  # the index is built once for the whole test session
    client = await make_client(settings.with_(kb_dir=service_provider.index_dir))
    yield client
    await client.close()


async def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body: dict[str, Any] = await response.json()
    return body


async def test_search_finds_the_service_with_cards_in_the_asked_language(client: Client) -> None:
    response = await client.get(
        "/api/services/search", params={"q": "boendeparkeringstillstånd", "lang": "sv", "k": "3"}
    )
    assert response.status == 200
    body = await response.json()
    assert body["lang"] == "sv"
    assert body["answered"] is True
    assert 0.5 <= body["confidence"] <= 1.0
    assert len(body["results"]) == 3
    top = body["results"][0]
    assert top["service_id"] == PARKING
    assert top["card"]["lang"] == "sv"
    assert top["card"]["eservice"]["url"] == "https://pysakointitunnukset.hel.fi/"
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True)


async def test_search_without_lang_guesses_it_from_the_question(client: Client) -> None:
    response = await client.get(
        "/api/services/search", params={"q": "how do I buy a resident parking permit"}
    )
    body = await response.json()
    assert body["lang"] == "en"
    assert body["results"][0]["service_id"] == PARKING
    assert len(body["results"]) == 5


async def test_an_out_of_scope_question_is_not_answered_but_lists_results(client: Client) -> None:
    response = await client.get(
        "/api/services/search", params={"q": "who won the football match yesterday", "lang": "en"}
    )
    body = await response.json()
    assert body["answered"] is False
    assert len(body["results"]) == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "pysäköinti " * 1000}, "q"),
        ({"q": "pysäköinti", "lang": "de"}, "lang"),
        ({"q": "pysäköinti", "k": "0"}, "k"),
        ({"q": "pysäköinti", "k": "21"}, "k"),
        ({"q": "pysäköinti", "k": "many"}, "k"),
    ],
)
async def test_bad_search_parameters_get_a_clear_422(
    client: Client, params: dict[str, str], field: str
) -> None:
    body = await problem(await client.get("/api/services/search", params=params), 422)
    assert body["error"] == "invalid_request"
    assert [item["field"] for item in body["fields"]] == [field]
    assert "pysäköinti" not in str(body), "an error never echoes the input"


async def test_one_service_by_id_in_each_language(client: Client) -> None:
    names = {}
    for lang in ("fi", "sv", "en"):
        response = await client.get(f"/api/services/{PARKING}", params={"lang": lang})
        assert response.status == 200
        card = await response.json()
        assert card["service_id"] == PARKING
        assert card["lang"] == lang
        assert card["fallback_lang"] is None
        names[lang] = card["name"]
    assert names["fi"].startswith("Osta asukaspysäköintitunnus")
    assert names["sv"].startswith("Köp boendeparkeringstillstånd")
    assert names["en"].startswith("Buy a resident parking permit")


async def test_a_service_missing_the_asked_language_comes_in_another(client: Client) -> None:
    card = await (await client.get("/api/services/5057", params={"lang": "en"})).json()
    assert card["lang"] == "fi"
    assert card["fallback_lang"] == "fi"


async def test_unknown_and_malformed_service_ids(client: Client) -> None:
    body = await problem(await client.get("/api/services/999999"), 404)
    assert body["error"] == "not_found"
    body = await problem(await client.get("/api/services/abc"), 422)
    assert [item["field"] for item in body["fields"]] == ["service_id"]
    body = await problem(await client.get(f"/api/services/{PARKING}?lang=xx"), 422)
    assert [item["field"] for item in body["fields"]] == ["lang"]


async def test_without_an_index_the_api_answers_503(settings: Settings, tmp_path: Path) -> None:
    client = await make_client(settings.with_(kb_dir=tmp_path / "missing"))
    try:
        response = await client.get("/api/services/search", params={"q": "kirjasto"})
        body = await problem(response, 503)
        assert body["error"] == "search_unavailable"
        assert response.headers["Retry-After"] == "30"
    finally:
        await client.close()


async def test_the_openapi_document_describes_the_service_api(client: Client) -> None:
    document = await (await client.get("/api/openapi.json")).json()
    search = document["paths"]["/api/services/search"]["get"]
    assert {p["name"] for p in search["parameters"]} == {"q", "lang", "k"}
    assert set(search["responses"]) == {"200", "422", "503"}
    service = document["paths"]["/api/services/{service_id}"]["get"]
    assert set(service["responses"]) == {"200", "404", "422", "503"}
    schemas = document["components"]["schemas"]
    assert {"SearchResult", "SearchHit", "AnswerCard", "PhoneContact"} <= set(schemas)
