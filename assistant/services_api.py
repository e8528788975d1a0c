"""The service knowledge base over HTTP: search, and one service's answer card.

    GET /api/services/search?q=...&lang=fi|sv|en&k=5
    GET /api/services/{service_id}?lang=fi|sv|en

Parameters are validated before any search runs, and a bad one gets a 422 that names the
parameter and the rule, never echoing the input. Searching happens in worker threads
(`ServiceSearchProvider`), so the gateway's event loop keeps serving conversations. While
the index is still loading a request waits for it; if it cannot load, 503.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from assistant.keys import SERVICES
from assistant.openapi import Operation, Response, error, parameters
from assistant.problems import invalid_request, problem
from assistant.service_search import ServiceSearchUnavailable
from knowledge_base.models import AnswerCard, SearchResult
from texts import Language

MAX_QUERY_CHARS = 500

M = TypeVar("M", bound=BaseModel)
MAX_K = 20


class SearchParams(BaseModel):
    """The query string of `GET /api/services/search`."""

    model_config = ConfigDict(extra="ignore")

    q: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY_CHARS)
    ] = Field(description="The resident's question, in their own words.")
    lang: Language | None = Field(
        default=None, description="The language to answer in; omitted: guessed from the question."
    )
    k: int = Field(default=5, ge=1, le=MAX_K, description="How many services to list.")


class ServiceParams(BaseModel):
    """The path and query of `GET /api/services/{service_id}`."""

    model_config = ConfigDict(extra="ignore")

    service_id: int = Field(
        ge=1, description="A service id from the city's service register.", examples=[4217]
    )
    lang: Language = Field(
        default="fi",
        description="Card language (default fi); the best available language when the "
        "service lacks it (see fallback_lang).",
    )


def _params(model: type[M], values: dict[str, str]) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise invalid_request(422, "the request's parameters are not valid", error) from None


def _unavailable(error: ServiceSearchUnavailable) -> web.HTTPException:
    exc = problem(503, "search_unavailable", "the service knowledge base is not available")
    exc.headers["Retry-After"] = "30"
    return exc


async def search_services(request: web.Request) -> web.Response:
    """GET /api/services/search"""
    params = _params(SearchParams, dict(request.query))
    try:
        result = await request.app[SERVICES].search(params.q, params.lang, k=params.k)
    except ServiceSearchUnavailable as error:
        raise _unavailable(error) from None
    return web.json_response(result.model_dump(mode="json"))


async def get_service(request: web.Request) -> web.Response:
    """GET /api/services/{service_id}"""
    params = _params(
        ServiceParams, {**request.query, "service_id": request.match_info["service_id"]}
    )
    try:
        card = await request.app[SERVICES].card(params.service_id, params.lang)
    except ServiceSearchUnavailable as error:
        raise _unavailable(error) from None
    if card is None:
        raise problem(404, "not_found", "there is no service with this id")
    return web.json_response(card.model_dump(mode="json"))


OPERATIONS = (
    Operation(
        "GET",
        "/api/services/search",
        "Find the city services that answer a question",
        description="Hybrid (e5 embeddings + BM25) search over every Helsinki errand service. "
        "`answered` is false when the calibrated confidence is too low to answer; the closest "
        "services are still listed.",
        parameters=parameters(SearchParams),
        responses={
            200: Response("The services found, best first", SearchResult),
            422: error("A parameter is missing, empty, too long or not allowed"),
            503: error("The knowledge base is not loaded (see Retry-After)"),
        },
    ),
    Operation(
        "GET",
        "/api/services/{service_id}",
        "One service's answer card",
        parameters=parameters(ServiceParams, path=["service_id"]),
        responses={
            200: Response("The service's card", AnswerCard),
            404: error("No service has this id"),
            422: error("The id is not a number, or lang is not fi, sv or en"),
            503: error("The knowledge base is not loaded (see Retry-After)"),
        },
    ),
)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/services/search", search_services)
    app.router.add_get("/api/services/{service_id}", get_service)
