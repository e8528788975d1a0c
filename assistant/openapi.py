"""The gateway's OpenAPI document, generated from the operations each API module declares.

Every module that serves API routes declares them beside its handlers as a tuple of
`Operation`s (`OPERATIONS`): path, method, summary, the request's pydantic model (JSON or a
form), its parameters and a `Response` per status, errors included. `document` builds the
OpenAPI 3.1 document from them, with every model's shared `$defs` lifted into
`components/schemas`. tests/assistant/test_openapi.py holds the routes served and the
operations documented equal; tests/e2e/test_schemathesis.py holds the gateway to every status
listed (no 5xx but the ones documented for a part that is down, and no undocumented status).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, SkipJsonSchema
from pydantic_core import core_schema

from texts import Language

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
REF = "#/components/schemas/{model}"


class ErrorField(BaseModel):
    """One field of a refused request, and what is wrong with it (never its value)."""

    field: str | SkipJsonSchema[None] = None
    problem: str | SkipJsonSchema[None] = None


class Error(BaseModel):
    """Every error's JSON body (`assistant.problems.problem`); some add more members."""

    error: str
    detail: str
    fields: list[ErrorField] | SkipJsonSchema[None] = None
    lang: Language | SkipJsonSchema[None] = None


@dataclass(frozen=True)
class Body:
    """A request body: one pydantic model, as JSON or as a form."""

    model: type[BaseModel]
    media_type: str = JSON
    description: str | None = None


@dataclass(frozen=True)
class Response:
    """One status an operation answers: its body's model, or only its media type."""

    description: str
    model: type[BaseModel] | None = None
    media_type: str | None = None


@dataclass(frozen=True)
class Parameter:
    name: str
    where: Literal["path", "query", "header"]
    schema: Mapping[str, Any]
    required: bool = False
    description: str | None = None
    example: object = None


@dataclass(frozen=True)
class Operation:
    """One route as its clients see it. `path` is the route's canonical form ({name})."""

    method: Literal["GET", "POST", "DELETE", "OPTIONS"]
    path: str
    summary: str
    responses: Mapping[int, Response]
    description: str | None = None
    parameters: tuple[Parameter, ...] = ()
    body: Body | None = None


def error(description: str) -> Response:
    return Response(description, Error)


# What every JSON body is read within (assistant/safe_json.py), for the operations that take one.
JSON_LIMITS = (
    " JSON bodies are read within limits: at most 64 KiB (413), nested at most 8 deep, numbers "
    "of at most 64 digits, no NaN or Infinity (400), and no lone surrogates in strings (422)."
)
BAD_JSON = "The body is not JSON, not UTF-8, nests deeper than 8 levels or holds NaN/Infinity"
TOO_LARGE = "The body is larger than 64 KiB"

LANG = Parameter("lang", "query", {"type": "string", "enum": ["fi", "sv", "en"]})


def parameters(model: type[BaseModel], *, path: Iterable[str] = ()) -> tuple[Parameter, ...]:
    """The parameters a model validates: `path` names those in the path, the rest are query."""
    in_path = set(path)
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    found = []
    for name, given in schema["properties"].items():
        prop = {key: value for key, value in given.items() if key not in ("title", "description")}
        # An omitted parameter is the None default: the parameter itself is never null.
        choices = [choice for choice in prop.pop("anyOf", ()) if choice != {"type": "null"}]
        if len(choices) == 1:
            prop.update(choices[0])
        elif choices:
            prop["anyOf"] = choices
        if prop.get("default", 0) is None:
            del prop["default"]
        examples = prop.pop("examples", None)
        found.append(
            Parameter(
                name,
                "path" if name in in_path else "query",
                prop,
                required=name in required or name in in_path,
                description=given.get("description"),
                example=examples[0] if examples else None,
            )
        )
    return tuple(found)


class _Schemas(GenerateJsonSchema):
    """Pydantic's schemas, less the `default: null` of a field that is absent, never null."""

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        if json_schema.get("default", 0) is None and not _allows_null(json_schema):
            del json_schema["default"]
        return json_schema


def _allows_null(schema: JsonSchemaValue) -> bool:
    return schema.get("type") == "null" or any(_allows_null(s) for s in schema.get("anyOf", ()))


class _Components:
    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}
        self._models: dict[str, type[BaseModel]] = {}

    def ref(self, model: type[BaseModel]) -> dict[str, str]:
        name = model.__name__
        known = self._models.setdefault(name, model)
        if known is not model:
            raise ValueError(f"two models are named {name}: {known} and {model}")
        if name not in self.schemas:
            schema = model.model_json_schema(ref_template=REF, schema_generator=_Schemas)
            self.schemas.update(schema.pop("$defs", {}))
            self.schemas[name] = schema
        return {"$ref": REF.format(model=name)}


def _parameter(parameter: Parameter) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": parameter.name,
        "in": parameter.where,
        "required": parameter.required or parameter.where == "path",
    }
    if parameter.description:
        described["description"] = parameter.description
    described["schema"] = dict(parameter.schema)
    if parameter.example is not None:
        described["example"] = parameter.example
    return described


def _response(response: Response, components: _Components) -> dict[str, Any]:
    described: dict[str, Any] = {"description": response.description}
    if response.model is not None:
        media = {"schema": components.ref(response.model)}
        described["content"] = {response.media_type or JSON: media}
    elif response.media_type is not None:
        described["content"] = {response.media_type: {}}
    return described


def _operation(operation: Operation, components: _Components) -> dict[str, Any]:
    described: dict[str, Any] = {"summary": operation.summary}
    if operation.description:
        described["description"] = operation.description
    if operation.parameters:
        described["parameters"] = [_parameter(p) for p in operation.parameters]
    if operation.body is not None:
        body: dict[str, Any] = {"required": True}
        if operation.body.description:
            body["description"] = operation.body.description
        body["content"] = {
            operation.body.media_type: {"schema": components.ref(operation.body.model)}
        }
        described["requestBody"] = body
    described["responses"] = {
        str(status): _response(response, components)
        for status, response in operation.responses.items()
    }
    return described


def document(operations: Iterable[Operation], info: Mapping[str, str]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of these operations; two for one path and method is an error."""
    components = _Components()
    components.ref(Error)
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        methods = paths.setdefault(operation.path, {})
        method = operation.method.lower()
        if method in methods:
            raise ValueError(f"{operation.method} {operation.path} is declared twice")
        methods[method] = _operation(operation, components)
    return {
        "openapi": "3.1.0",
        "info": dict(info),
        "paths": paths,
        "components": {"schemas": components.schemas},
    }
