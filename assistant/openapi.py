"""The gateway's OpenAPI document, built from the same pydantic models that validate."""

from __future__ import annotations

from typing import Any

from assistant.replies import AssistantResponse
from channels.http_api import MessageRequest

_ERROR = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string"},
        "detail": {"type": "string"},
        "fields": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "problem": {"type": "string"}},
            },
        },
        "lang": {"type": "string", "enum": ["fi", "sv", "en"]},
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def openapi_document() -> dict[str, Any]:
    request_schema = MessageRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    response_schema = AssistantResponse.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = {"Error": _ERROR}
    for schema in (request_schema, response_schema):
        schemas.update(schema.pop("$defs", {}))
    schemas["MessageRequest"] = request_schema
    schemas["AssistantResponse"] = response_schema
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Apuri gateway",
            "version": "0.1.0",
            "description": "The City of Helsinki's assistant: messages, health.",
        },
        "paths": {
            "/api/messages": {
                "post": {
                    "summary": "Send a resident's message and get Apuri's replies",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/MessageRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Apuri's replies, in the conversation's language",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/AssistantResponse"}
                                }
                            },
                        },
                        "400": _error("The body is not a JSON object"),
                        "413": _error("The body is larger than 64 KiB"),
                        "422": _error("A field is missing, of the wrong type or too long"),
                        "502": _error("The dialogue engine failed on this message"),
                        "503": _error(
                            "The dialogue engine is restarting; the message was not "
                            "processed and can be sent again (see Retry-After)"
                        ),
                    },
                }
            },
            "/health": {
                "get": {
                    "summary": "Health of Redis, Rasa, the action server and the database",
                    "responses": {
                        "200": {"description": "Every part is ok"},
                        "503": {"description": "At least one part is failing"},
                    },
                }
            },
        },
        "components": {"schemas": schemas},
    }
