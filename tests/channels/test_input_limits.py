"""No input makes a channel answer 5xx or crash: the probes that once did, and properties.

Each JSON entry point (`POST /api/messages`, `POST /api/web/messages`, the widget's
`/ws/chat` and the telecare signaling socket) reads JSON through `assistant.safe_json`; the
Twilio webhooks take any form values, signed as Twilio signs them, and answer each with
TwiML, 204 or a 4xx. The dialogue engine is a stand-in that records what reaches it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from assistant.keys import DATABASE
from channels.web_frames import ClientMessage, Refused, parse_frame
from store.db import sessions
from store.models import CallRecord
from telecare.web.signaling import parse_signal
from tests.channels import test_twilio as twilio_tests
from tests.channels.test_twilio import signed

PHONE = "+358401234567"
CALL = "CA" + "7" * 32
DEEP = "[" * 20_000 + "]" * 20_000
HUGE = '{"conversation_id": "conv-0001", "text": "moi", "lang": ' + "9" * 5000 + "}"
SURROGATE = '{"conversation_id": "conv-0001", "text": "moi \\ud800"}'
Client = TestClient[Any, Any]

# Deterministic, no example database; the gateway's state carries over between examples,
# which is what a stream of hostile requests does too.
PROPERTY = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# The gateway under test is the one the Twilio tests build, with its stand-in Rasa.
clean_redis, rasa, client = twilio_tests.clean_redis, twilio_tests.rasa, twilio_tests.client


async def post_json(client: Client, path: str, body: str, **headers: str) -> tuple[int, Any]:
    response = await client.post(
        path, data=body.encode(), headers={"Content-Type": "application/json", **headers}
    )
    return response.status, await response.json()


# --- POST /api/messages and /api/web/messages ------------------------------------------------

MESSAGE_PATHS = ["/api/messages", "/api/web/messages"]


@pytest.mark.parametrize("path", MESSAGE_PATHS)
async def test_json_nested_20000_deep_is_a_400(client: Client, rasa: Any, path: str) -> None:
    status, body = await post_json(client, path, DEEP)
    assert status == 400
    assert body == {
        "error": "invalid_request",
        "detail": "the JSON nests deeper than 8 levels",
        "fields": [],
    }
    assert rasa[0].received == []


@pytest.mark.parametrize("path", MESSAGE_PATHS)
async def test_an_integer_of_5000_digits_is_a_422(client: Client, rasa: Any, path: str) -> None:
    status, body = await post_json(client, path, HUGE)
    assert status == 422
    assert body["detail"] == "a number has more than 64 digits"
    assert "9999" not in json.dumps(body)
    assert rasa[0].received == []


@pytest.mark.parametrize("path", MESSAGE_PATHS)
async def test_a_lone_surrogate_is_a_422_and_never_reaches_rasa(
    client: Client, rasa: Any, path: str
) -> None:
    status, body = await post_json(client, path, SURROGATE)
    assert status == 422
    assert body["detail"] == "a string holds a lone surrogate (not a Unicode character)"
    assert rasa[0].received == []
    # The same message without it is answered.
    status, _ = await post_json(client, path, SURROGATE.replace("\\ud800", "\\ud83d\\ude00"))
    assert status == 200
    assert rasa[0].received[0]["message"] == "moi \U0001f600"


@pytest.mark.parametrize("path", MESSAGE_PATHS)
@pytest.mark.parametrize("body", ["NaN", '{"text": Infinity}', "\ufeff{}", '{"text": "a"'])
async def test_what_is_not_json_is_a_400(client: Client, path: str, body: str) -> None:
    status, answer = await post_json(client, path, body)
    assert status == 400
    assert answer["error"] == "invalid_request"


async def test_a_body_naming_an_unknown_charset_is_read_as_utf8(client: Client) -> None:
    status, _ = await post_json(
        client,
        "/api/messages",
        '{"conversation_id": "conv-0001", "text": "hei"}',
        **{"Content-Type": "application/json; charset=no-such-charset"},
    )
    assert status == 200


# --- the widget's WebSocket -------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "[" * 5000 + "]" * 5000,
        '{"type": "message", "message_id": "m-1", "conversation_id": "conv-0001", "text": '
        + "1" * 5000
        + "}",
        '{"type": "message", "message_id": "m-1", "conversation_id": "conv-0001", '
        '"text": "\\udc00"}',
        '{"type": "ping", "x": NaN}',
    ],
    ids=["deep", "5000-digits", "lone-surrogate", "nan"],
)
async def test_a_bad_frame_gets_the_error_frame_and_the_socket_stays_open(
    client: Client, rasa: Any, data: str
) -> None:
    async with client.ws_connect("/ws/chat?lang=en") as ws:
        await ws.send_str(data)
        error = await ws.receive_json(timeout=10)
        assert error["type"] == "error"
        assert error["code"] == "invalid_request"
        assert error["lang"] == "en"
        await ws.send_str('{"type": "ping"}')
        assert await ws.receive_json(timeout=10) == {"type": "pong"}
    assert rasa[0].received == []


FRAMES = st.one_of(
    st.text(max_size=300),
    st.text(alphabet='[]{}"\\:,0123456789.eE-+ ntrufalsNIy', max_size=300),
    st.builds(
        json.dumps,
        st.dictionaries(
            st.sampled_from(
                ["type", "conversation_id", "message_id", "text", "payload", "lang", "x"]
            ),
            st.one_of(
                st.sampled_from(["message", "ping", "fi", "conv-0001", "m-1", "/help"]),
                st.none(),
                st.integers(),
                st.floats(allow_nan=False),
                st.text(max_size=40),
                st.lists(st.integers(), max_size=3),
            ),
        ),
    ),
)


@settings(max_examples=500, derandomize=True, database=None, deadline=None)
@given(FRAMES)
def test_parse_frame_takes_or_refuses_any_text(data: str) -> None:
    try:
        frame = parse_frame(data)
    except Refused as refused:
        assert refused.code in ("invalid_request", "unknown_type")
        assert refused.message_id is None or len(refused.message_id) <= 64
    else:
        assert frame == "ping" or isinstance(frame, ClientMessage)


# --- the telecare signaling socket ------------------------------------------------------------


@settings(max_examples=500, derandomize=True, database=None, deadline=None)
@given(FRAMES | st.just(DEEP) | st.just('{"type": "offer", "sdp": "\\ud800"}'))
def test_parse_signal_gives_an_object_or_drops_the_frame(data: str) -> None:
    parsed = parse_signal(data)
    assert parsed is None or isinstance(parsed, dict)


@pytest.mark.parametrize(
    "data",
    [
        DEEP,
        '{"type": "offer", "sdp": "\\ud800"}',
        '{"type": "stats", "rtt_ms": ' + "9" * 5000 + "}",
    ],
    ids=["deep", "lone-surrogate", "5000-digits"],
)
def test_signaling_frames_outside_the_limits_are_dropped(data: str) -> None:
    assert parse_signal(data) is None
    assert parse_signal('{"type": "ping"}') == {"type": "ping"}


# --- Twilio webhooks ----------------------------------------------------------------------------


def signed_post(path: str, form: list[tuple[str, str | bytes]]) -> tuple[bytes, dict[str, str]]:
    """The form's body and headers, signed over the parameters as the gateway will read them."""
    body = urlencode(form).encode()
    return body, signed(path, dict(parse_qsl(body.decode(), keep_blank_values=True)))


async def twilio(client: Client, path: str, form: Mapping[str, str | bytes]) -> tuple[int, str]:
    body, headers = signed_post(path, list(form.items()))
    response = await client.post(path, data=body, headers=headers)
    return response.status, await response.text()


async def test_a_30_digit_call_duration_is_accepted_and_stored_as_unknown(client: Client) -> None:
    assert (await twilio(client, "/twilio/voice", {"CallSid": CALL, "From": PHONE}))[0] == 200
    for duration in ("1" * 30, "86401", "²", "-5", "73"):
        form = {"CallSid": CALL, "CallStatus": "completed", "CallDuration": duration}
        assert (await twilio(client, "/twilio/voice/status", form))[0] == 204
    form = {"CallSid": CALL, "CallStatus": "\x00" * 30, "CallDuration": "9"}
    assert (await twilio(client, "/twilio/voice/status", form))[0] == 204
    async with sessions(client.app[DATABASE])() as session:
        records = (await session.scalars(select(CallRecord).order_by(CallRecord.id))).all()
    assert [(r.status, r.duration_s) for r in records] == [
        ("completed", None),
        ("completed", None),
        ("completed", None),
        ("completed", None),
        ("completed", 73),
        ("unknown", 9),
    ]


ANY_VALUE = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=60),
    st.binary(max_size=30),
    st.from_regex(r"[0-9]{1,40}", fullmatch=True),
    st.sampled_from(
        ["", "0", "1", "2", "3", "²", "٣", "9" * 5000, "STOP", "LOPETA", "hei", PHONE, "+1"]
    ),
)


CHOICE_VALUE = ANY_VALUE
TWILIO_PATHS = [
    "/twilio/sms",
    "/twilio/voice",
    "/twilio/voice/language",
    "/twilio/voice/turn",
    "/twilio/voice/silence?step=turn",
    "/twilio/voice/silence?step=language",
    "/twilio/voice/status",
]


def mostly(usual: str) -> st.SearchStrategy[str | bytes]:
    """`usual` three times in four (so that a handler gets past its first check), else any."""
    return st.tuples(st.integers(0, 3), ANY_VALUE).map(lambda pick: usual if pick[0] else pick[1])


FORMS = st.fixed_dictionaries(
    {
        "MessageSid": mostly("SM" + "1" * 32),
        "CallSid": mostly(CALL),
        "From": mostly(PHONE),
    },
    optional={
        "To": ANY_VALUE,
        "Body": CHOICE_VALUE,
        "Digits": CHOICE_VALUE,
        "SpeechResult": ANY_VALUE,
        "CallStatus": ANY_VALUE,
        "CallDuration": ANY_VALUE,
    },
)


@pytest.mark.parametrize("path", TWILIO_PATHS)
@PROPERTY
@given(form=FORMS)
async def test_any_signed_twilio_form_gets_a_clear_answer(
    client: Client, path: str, form: dict[str, str | bytes]
) -> None:
    status, text = await twilio(client, path, form)
    assert status < 500, text
    assert status in (200, 204, 400), (status, text)
    if status == 200:
        assert text.startswith("<?xml"), text


@pytest.mark.parametrize("answer", ["²", "9" * 5000])
@pytest.mark.parametrize("path", ["/twilio/sms", "/twilio/voice/turn"])
async def test_a_digit_answer_int_cannot_read_gets_a_clear_answer(
    client: Client, path: str, answer: str
) -> None:
    first = {"MessageSid": "SM" + "2" * 32, "CallSid": CALL, "From": PHONE, "Body": "hei"}
    assert (await twilio(client, "/twilio/sms", first))[0] == 200  # choices are offered
    form = {"MessageSid": "SM" + "3" * 32, "CallSid": CALL, "From": PHONE}
    status, _ = await twilio(client, path, {**form, "Body": answer, "Digits": answer})
    assert status < 500


@pytest.mark.parametrize(
    "entities",
    ['{"language": "\\ud800"}', '{"n": ' + "9" * 400 + "}", '{"a": ' + "[" * 200 + "]" * 200 + "}"],
    ids=["lone-surrogate", "400-digits", "deep"],
)
async def test_payload_entities_outside_the_limits_never_reach_rasa(
    client: Client, rasa: Any, entities: str
) -> None:
    message = {"conversation_id": "conv-0001", "payload": "/switch_language" + entities}
    status, _ = await post_json(client, "/api/messages", json.dumps(message))
    assert status == 422
    assert rasa[0].received == []
