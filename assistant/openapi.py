"""The gateway's OpenAPI document, built from the same pydantic models that validate.

Every status an operation can answer is listed, errors included; tests/e2e/
test_schemathesis.py holds the gateway to it (no 5xx but the ones documented here for a
part that is down, and no undocumented status).
"""

from __future__ import annotations

from typing import Any

from assistant.booking_api import EARLIEST_DAY, LATEST_DAY, ReservationRequest
from assistant.identity_api import CodeRequest, SessionRequest
from assistant.replies import AssistantResponse
from assistant.services_api import MAX_K, MAX_QUERY_CHARS
from channels.http_api import MessageRequest
from knowledge_base.models import AnswerCard, SearchResult

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


# What every JSON body is read within (assistant/safe_json.py), for the operations that take one.
_JSON_LIMITS = (
    " JSON bodies are read within limits: at most 64 KiB (413), nested at most 8 deep, numbers "
    "of at most 64 digits, no NaN or Infinity (400), and no lone surrogates in strings (422)."
)
_BAD_JSON = "The body is not JSON, not UTF-8, nests deeper than 8 levels or holds NaN/Infinity"
_TOO_LARGE = "The body is larger than 64 KiB"


# The parameters Apuri reads from Twilio's forms; Twilio sends more, all of them text.
_TWILIO_FORM = {
    "type": "object",
    "properties": {
        name: {"type": "string"}
        for name in (
            "MessageSid",
            "CallSid",
            "From",
            "To",
            "Body",
            "Digits",
            "SpeechResult",
            "CallStatus",
            "CallDuration",
        )
    },
    "additionalProperties": {"type": "string"},
}


def _twilio(summary: str, answer: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "description": "Called by Twilio. The X-Twilio-Signature header is verified "
            "against TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL before the form is used.",
            "parameters": [
                {
                    "name": "X-Twilio-Signature",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": _TWILIO_FORM}},
            },
            "responses": {
                "200": {"description": answer, "content": {"application/xml": {}}},
                "400": {
                    "description": "A required parameter (CallSid, or From and MessageSid) "
                    "is missing or malformed"
                },
                "403": {
                    "description": "Missing, forged or altered signature, or a body over "
                    "64 KiB or not a form"
                },
                "503": {
                    "description": "Twilio is not configured (TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL)"
                },
            },
        }
    }


def _twilio_status() -> dict[str, Any]:
    """The status callback: recorded, answered with no content."""
    operation = _twilio("Call status callback", "unused")
    responses = operation["post"]["responses"]
    del responses["200"]
    responses["204"] = {
        "description": "Recorded; a CallDuration that is not 0 to 86,400 seconds is kept "
        "as unknown, an unknown CallStatus as 'unknown'"
    }
    return operation


_CHANNEL_PATHS: dict[str, Any] = {
    "/ws/chat": {
        "get": {
            "summary": "The web chat widget's WebSocket",
            "description": "Frames are JSON: the client sends {type: message, conversation_id, "
            "message_id, text | payload, lang}; the server answers {type: typing}, then "
            "{type: reply, message_id, response: AssistantResponse} or {type: error, "
            "message_id, code, text}. A message_id sent again is answered once.",
            "responses": {
                "101": {"description": "Switching to the WebSocket protocol"},
                "400": {"description": "Not a WebSocket handshake"},
            },
        }
    },
    "/api/web/messages": {
        "options": {
            "summary": "CORS preflight: any page may post to the fallback",
            "responses": {"204": {"description": "The CORS headers"}},
        },
        "post": {
            "summary": "The widget's HTTP fallback: POST /api/messages in the web conversation",
            "description": "The same body, limits and errors as POST /api/messages." + _JSON_LIMITS,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/MessageRequest"}}
                },
            },
            "responses": {
                "200": {
                    "description": "Apuri's replies",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/AssistantResponse"}
                        }
                    },
                },
                "400": _error(_BAD_JSON),
                "413": _error(_TOO_LARGE),
                "422": _error(
                    "A field is missing, of the wrong type or too long, a number is too long, "
                    "or a string holds a lone surrogate"
                ),
                "502": _error("The dialogue engine failed on this message"),
                "503": _error(
                    "The dialogue engine is restarting; the message was not processed and can "
                    "be sent again (see Retry-After)"
                ),
            },
        },
    },
    "/twilio/sms": _twilio("A text message from a resident", "TwiML with one <Message>"),
    "/twilio/voice": _twilio("A call comes in", "TwiML: greeting and language choice"),
    "/twilio/voice/language": _twilio("The caller chose a language", "TwiML"),
    "/twilio/voice/turn": _twilio("What the caller said or pressed", "TwiML"),
    "/twilio/voice/silence": _twilio("The caller said nothing", "TwiML"),
    "/twilio/voice/status": _twilio_status(),
    "/m/{token}": {
        "get": {
            "summary": "The whole of an answer a text message could only begin (7 days)",
            "parameters": [
                {
                    "name": "token",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,32}$"},
                }
            ],
            "responses": {
                "200": {"description": "An HTML page"},
                "404": {"description": "Expired, or no such answer"},
            },
        }
    },
}


def _json(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


_LANG_PARAM = {
    "name": "lang",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["fi", "sv", "en"]},
}

_SERVICE_PATHS: dict[str, Any] = {
    "/api/services/search": {
        "get": {
            "summary": "Find the city services that answer a question",
            "description": "Hybrid (e5 embeddings + BM25) search over every Helsinki errand "
            "service. `answered` is false when the calibrated confidence is too low to "
            "answer; the closest services are still listed.",
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
                },
                {**_LANG_PARAM, "description": "Answer language; omitted: guessed from q."},
                {
                    "name": "k",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": 5},
                },
            ],
            "responses": {
                "200": _json("The services found, best first", "SearchResult"),
                "422": _error("A parameter is missing, empty, too long or not allowed"),
                "503": _error("The knowledge base is not loaded (see Retry-After)"),
            },
        }
    },
    "/api/services/{service_id}": {
        "get": {
            "summary": "One service's answer card",
            "parameters": [
                {
                    "name": "service_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                    "example": 4217,
                },
                {
                    **_LANG_PARAM,
                    "description": "Card language (default fi); the best "
                    "available language when the service lacks it (see fallback_lang).",
                },
            ],
            "responses": {
                "200": _json("The service's card", "AnswerCard"),
                "404": _error("No service has this id"),
                "422": _error("The id is not a number, or lang is not fi, sv or en"),
                "503": _error("The knowledge base is not loaded (see Retry-After)"),
            },
        }
    },
}


_TOKEN = {
    "name": "Authorization",
    "in": "header",
    "required": True,
    "description": "Bearer <the token returned when the reservation was made>",
    "schema": {"type": "string"},
}
_RESERVATION_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
}
_REFUSED = "Refused: the reason code, its text in the asked language, alternatives"

_SESSION = {
    "name": "X-Resident-Session",
    "in": "header",
    "required": False,
    "description": "A resident session from POST /api/identity/sessions: the number it "
    "proved receives the confirmation. Required; without it the answer is 401.",
    "schema": {"type": "string", "maxLength": 128},
}

_IDENTITY_PATHS: dict[str, Any] = {
    "/api/identity/codes": {
        "post": {
            "summary": "Text a 6-digit code to a mobile number, to prove it is the client's",
            "description": "Valid 10 minutes, 5 tries; at most 3 codes per number in 15 "
            "minutes and 10 per client address an hour." + _JSON_LIMITS,
            "requestBody": _json("The number and the language of the message", "CodeRequest"),
            "responses": {
                "202": {"description": "Sent; the body shows the masked number"},
                "400": _error(_BAD_JSON),
                "413": _error(_TOO_LARGE),
                "422": _error("Not a mobile number, or a field is missing or mistyped"),
                "429": _error("Too many codes for this number or client (see Retry-After)"),
            },
        }
    },
    "/api/identity/sessions": {
        "post": {
            "summary": "Open a resident session with the code texted to the number",
            "requestBody": _json("The number and the code", "SessionRequest"),
            "responses": {
                "201": {"description": "The session token (X-Resident-Session), 30 minutes"},
                "400": _error(_BAD_JSON),
                "401": _error("Wrong, expired or never sent code (tries_left tells)"),
                "413": _error(_TOO_LARGE),
                "422": _error("Not a mobile number, or a field is missing or mistyped"),
                "429": _error("Too many wrong codes: ask for a new one"),
            },
        }
    },
    "/api/identity/sessions/current": {
        "delete": {
            "summary": "End the resident session",
            "parameters": [{**_SESSION, "required": True}],
            "responses": {
                "204": {"description": "Ended"},
                "401": _error("No live session"),
            },
        }
    },
}

_BOOKING_PATHS: dict[str, Any] = {
    "/api/resources": {
        "get": {
            "summary": "Bookable city spaces with their rules",
            "parameters": [
                {
                    "name": "kind",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "enum": ["sports_hall", "sauna", "meeting_room", "music_studio"],
                    },
                }
            ],
            "responses": {
                "200": {"description": "The spaces"},
                "422": _error("kind is not one of the kinds of space"),
            },
        }
    },
    "/api/resources/{id}/availability": {
        "get": {
            "summary": "Opening hours, free start times and taken ranges on one day",
            "parameters": [
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "example": "tali-football-hall-half",
                },
                {
                    "name": "date",
                    "in": "query",
                    "required": True,
                    "description": f"A day from {EARLIEST_DAY} to {LATEST_DAY}.",
                    "schema": {"type": "string", "format": "date"},
                },
                _LANG_PARAM,
            ],
            "responses": {
                "200": {"description": "The day's availability"},
                "404": _error("No such space"),
                "422": _error(
                    f"date is not YYYY-MM-DD, or not from {EARLIEST_DAY} to {LATEST_DAY}"
                ),
            },
        }
    },
    "/api/reservations": {
        "post": {
            "summary": "Book a space (an SMS confirmation follows)",
            "description": f"start must be on a day from {EARLIEST_DAY} to {LATEST_DAY}."
            + _JSON_LIMITS,
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "A client key: a retried request returns the first "
                    "booking (200) and never books twice.",
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,128}$"},
                },
                _SESSION,
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/ReservationRequest"}
                    }
                },
            },
            "responses": {
                "201": {"description": "Booked; the body holds the reservation token, once"},
                "200": {"description": "A retry with the same Idempotency-Key"},
                "400": _error(_BAD_JSON),
                "404": _error("No such space"),
                "401": _error("No resident session (X-Resident-Session): prove the number first"),
                "403": _error("The phone is not the number the resident session proved"),
                "409": _error(_REFUSED + " (taken, over the limit)"),
                "413": _error(_TOO_LARGE),
                "422": _error(
                    _REFUSED + " (a rule: closed, too long, too far ahead...); or a field is "
                    "missing, mistyped or out of range, a number is too long, a string holds a "
                    "lone surrogate, or the Idempotency-Key is malformed"
                ),
                "429": _error("Too many booking attempts from this client (see Retry-After)"),
            },
        }
    },
    "/api/reservations/{id}": {
        "get": {
            "summary": "One reservation (its holder only)",
            "parameters": [_RESERVATION_ID, _TOKEN, _LANG_PARAM],
            "responses": {
                "200": {"description": "The reservation"},
                "403": _error("No token, or the wrong one"),
                "404": _error("No such reservation"),
            },
        },
        "delete": {
            "summary": "Cancel a reservation (its holder only, before the deadline)",
            "parameters": [_RESERVATION_ID, _TOKEN, _LANG_PARAM],
            "responses": {
                "200": {"description": "Cancelled; an SMS confirms it"},
                "401": _error("No token"),
                "403": _error("Wrong token"),
                "404": _error("No such reservation"),
                "409": _error("Already cancelled, or past the cancellation deadline"),
            },
        },
    },
    "/api/reservations/{id}.ics": {
        "get": {
            "summary": "The reservation as an iCalendar file (token as ?token=)",
            "parameters": [
                _RESERVATION_ID,
                {"name": "token", "in": "query", "required": False, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {"description": "text/calendar"},
                "403": _error("No token, or the wrong one"),
                "404": _error("No such reservation"),
            },
        }
    },
}


def openapi_document() -> dict[str, Any]:
    ref = "#/components/schemas/{model}"
    models = {
        "MessageRequest": MessageRequest.model_json_schema(ref_template=ref),
        "AssistantResponse": AssistantResponse.model_json_schema(ref_template=ref),
        "SearchResult": SearchResult.model_json_schema(ref_template=ref),
        "AnswerCard": AnswerCard.model_json_schema(ref_template=ref),
        "ReservationRequest": ReservationRequest.model_json_schema(ref_template=ref),
        "CodeRequest": CodeRequest.model_json_schema(ref_template=ref),
        "SessionRequest": SessionRequest.model_json_schema(ref_template=ref),
    }
    schemas: dict[str, Any] = {"Error": _ERROR}
    for name, schema in models.items():
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Apuri gateway",
            "version": "0.1.0",
            "description": "The City of Helsinki's assistant: messages (JSON, WebSocket, "
            "SMS and voice through Twilio), city services, facility booking, health.",
        },
        "paths": {
            "/api/messages": {
                "post": {
                    "summary": "Send a resident's message and get Apuri's replies",
                    "description": "Give text (at most 2,000 characters after clean-up) or a "
                    "button's payload." + _JSON_LIMITS,
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
                        "400": _error(_BAD_JSON + ", or is not a JSON object"),
                        "413": _error(_TOO_LARGE),
                        "422": _error(
                            "A field is missing, of the wrong type or too long, a number is "
                            "too long, or a string holds a lone surrogate"
                        ),
                        "502": _error("The dialogue engine failed on this message"),
                        "503": _error(
                            "The dialogue engine is restarting; the message was not "
                            "processed and can be sent again (see Retry-After)"
                        ),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "The OpenAPI document"}},
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
            **_SERVICE_PATHS,
            **_BOOKING_PATHS,
            **_IDENTITY_PATHS,
            **_CHANNEL_PATHS,
        },
        "components": {"schemas": schemas},
    }
