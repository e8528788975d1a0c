"""The OpenAPI document is generated from the operations each API module declares, and it
describes exactly the routes the gateway serves."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import BaseModel
from redis.asyncio import Redis

from assistant import openapi
from assistant.gateway import create_app, openapi_document, operations
from assistant.settings import Settings
from tests.booking.test_api import PHONE, PITCH, at, open_day, proved, reservation

# Served for people in a browser, not for API clients, and so not in the document: the demo
# page, the operator's outbox page, and telecare's pages, sign-in forms and their sockets
# (schemathesis would sign nurses in and out and lock their accounts). A new route is either
# declared as an operation or named here.
PAGES = {
    ("GET", "/"),
    ("GET", "/admin/outbox"),
    ("GET", "/call/{link}"),
    ("POST", "/call/{link}/token"),
    ("GET", "/call/{link}/precall"),
    ("POST", "/precall/offer"),
    ("GET", "/telecare/signal/{room}"),
    ("GET", "/nurse"),
    ("GET", "/nurse/login"),
    ("POST", "/nurse/login"),
    ("POST", "/nurse/logout"),
    ("GET", "/nurse/ws"),
    ("POST", "/nurse/accept"),
    ("GET", "/nurse/precall"),
    ("POST", "/nurse/visits"),
    ("GET", "/nurse/call/{room}"),
    ("POST", "/nurse/call/{room}/token"),
    ("POST", "/nurse/call/{room}/note"),
}


def served(app: web.Application) -> set[tuple[str, str]]:
    """Each (method, canonical path) the app routes, less static files and the HEAD that
    aiohttp adds to every GET."""
    routes = set()
    for route in app.router.routes():
        resource = route.resource
        if resource is None or isinstance(resource, web.StaticResource):
            continue
        routes.add((route.method, resource.canonical))
    return {
        (method, path) for method, path in routes if method != "HEAD" or ("GET", path) not in routes
    }


def documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_every_route_served_is_documented_and_every_documented_one_is_served(
    settings: Settings,
) -> None:
    routes = served(create_app(settings))
    operations = documented(openapi_document())
    assert routes - PAGES - operations == set(), "served but neither documented nor a page"
    assert operations - routes == set(), "documented but not served"
    assert routes >= PAGES, "a page named here is no longer served: drop it from PAGES"
    assert not PAGES & operations


def test_shared_definitions_are_lifted_into_components() -> None:
    document = openapi_document()
    schemas = document["components"]["schemas"]
    assert {"MessageRequest", "AssistantResponse", "Reply", "Error", "TwilioForm"} <= set(schemas)
    text = str(document)
    assert "$defs" not in text
    refs = {ref.split("/")[-1] for ref in _refs(document)}
    assert refs <= set(schemas), "a $ref names no component"


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_an_operation_names_its_models_and_statuses() -> None:
    class Asked(BaseModel):
        word: str

    class Answered(BaseModel):
        words: list[str]

    document = openapi.document(
        [
            openapi.Operation(
                "POST",
                "/words",
                "Words",
                body=openapi.Body(Asked),
                parameters=(openapi.Parameter("n", "query", {"type": "integer"}),),
                responses={200: openapi.Response("The words", Answered), 404: openapi.error("No")},
            )
        ],
        {"title": "t", "version": "1"},
    )
    operation = document["paths"]["/words"]["post"]
    assert operation["requestBody"] == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Asked"}}},
    }
    assert operation["parameters"] == [
        {"name": "n", "in": "query", "required": False, "schema": {"type": "integer"}}
    ]
    assert set(operation["responses"]) == {"200", "404"}
    assert {"Asked", "Answered", "Error"} <= set(document["components"]["schemas"])


def test_an_operation_declared_twice_is_refused() -> None:
    twice = openapi.Operation("GET", "/x", "X", responses={200: openapi.Response("x")})
    with pytest.raises(ValueError, match="declared twice"):
        openapi.document([twice, twice], {"title": "t", "version": "1"})


def test_two_models_of_one_name_are_refused() -> None:
    def model() -> type[BaseModel]:
        class Same(BaseModel):
            x: int

        return Same

    first = openapi.Operation("GET", "/a", "A", responses={200: openapi.Response("a", model())})
    second = openapi.Operation("GET", "/b", "B", responses={200: openapi.Response("b", model())})
    with pytest.raises(ValueError, match="two models are named Same"):
        openapi.document([first, second], {"title": "t", "version": "1"})


def test_model_parameters_are_never_null_and_keep_their_rules() -> None:
    from assistant.services_api import SearchParams, ServiceParams

    search = {p.name: p for p in openapi.parameters(SearchParams)}
    assert search["q"].required and search["q"].schema == {
        "type": "string",
        "minLength": 1,
        "maxLength": 500,
    }
    assert search["lang"].schema == {"type": "string", "enum": ["fi", "sv", "en"]}
    assert not search["lang"].required
    service = {p.name: p for p in openapi.parameters(ServiceParams, path=["service_id"])}
    assert service["service_id"].where == "path" and service["service_id"].example == 4217


def test_absent_fields_of_a_response_are_not_nullable() -> None:
    error = openapi_document()["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "detail"]
    assert error["properties"]["lang"] == {
        "enum": ["fi", "sv", "en"],
        "title": "Lang",
        "type": "string",
    }
    assert "default" not in error["properties"]["fields"]


def answer_model(method: str, path: str, status: int) -> type[BaseModel]:
    """The model the document names for this operation's answer with this status."""
    for operation in operations():
        if (operation.method, operation.path) == (method, path):
            model = operation.responses[status].model
            assert model is not None, f"{method} {path} {status} names no model"
            return model
    raise AssertionError(f"{method} {path} is not declared")


async def test_the_booking_and_identity_answers_are_what_the_document_says(
    settings: Settings, redis: Redis
) -> None:
    await redis.flushdb()
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(settings)))
    await client.start_server()

    async def answer(method: str, path: str, url: str, status: int, **kwargs: Any) -> Any:
        response = await client.request(method, url, **kwargs)
        assert response.status == status, await response.text()
        body = await response.json()
        answer_model(method, path, status).model_validate(body)
        return body

    try:
        await answer("GET", "/api/resources", "/api/resources", 200)
        day = open_day()
        await answer(
            "GET",
            "/api/resources/{id}/availability",
            f"/api/resources/{PITCH}/availability",
            200,
            params={"date": day.isoformat()},
        )
        await answer(
            "POST", "/api/identity/codes", "/api/identity/codes", 202, json={"phone": PHONE}
        )
        code = {"phone": PHONE, "code": "000000"}
        await answer("POST", "/api/identity/sessions", "/api/identity/sessions", 401, json=code)
        proof = await proved(client, PHONE)
        booked = await answer(
            "POST",
            "/api/reservations",
            "/api/reservations",
            201,
            json=reservation(at(day, 18)),
            headers=proof,
        )
        auth = {"Authorization": f"Bearer {booked['token']}"}
        url = f"/api/reservations/{booked['id']}"
        await answer("GET", "/api/reservations/{id}", url, 200, headers=auth)
        await answer("DELETE", "/api/reservations/{id}", url, 200, headers=auth)
        await answer("DELETE", "/api/reservations/{id}", url, 409, headers=auth)
    finally:
        await client.close()


async def test_the_health_answer_is_what_the_document_says(settings: Settings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(settings.with_(rasa_port=port, actions_port=port))
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    try:
        response = await client.get("/health")
        assert response.status == 503
        answer_model("GET", "/health", 503).model_validate(await response.json())
    finally:
        await client.close()
