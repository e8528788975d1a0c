"""Rasa's own warnings and log lines that quote a message are redacted
(`assistant/rasa_plugins/log_privacy.py`), inside real Rasa 3.6.

A script under Rasa's interpreter configures logging as `rasa run` does (structlog as JSON
lines, the root logger to stdout), installs the redaction, then feeds payloads carrying
markers to Rasa's own regex message handler (`YAMLStoryReader.unpack_regex_message`, what
`RegexMessageHandler` runs on every message starting with "/") and prints everything that
was written. tests/e2e/test_log_privacy.py checks the same through the running stack.
"""

from __future__ import annotations

import json

import pytest

from tests.rasa_plugins.in_rasa import run_in_rasa

SCRIPT = r"""
import io, json, logging, sys, warnings

written = io.StringIO()
real_stdout, real_stderr = sys.stdout, sys.stderr
sys.stdout = sys.stderr = written

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.log_utils import configure_structlog

from assistant.rasa_plugins import log_privacy

configure_structlog(logging.INFO)
warnings.simplefilter("always")
log_privacy.install()
domain = Domain.from_yaml('''
version: "3.1"
intents: [inform]
entities: [booking_resource]
''')
for payload in json.loads(sys.argv[1]):
    with log_privacy.redacting(payload):
        YAMLStoryReader.unpack_regex_message(Message({"text": payload}), domain)

said = "asun osoitteessa Marker-echo 5"
with log_privacy.redacting(said):
    logging.getLogger("some.library").warning("could not handle %r", said)
    logging.getLogger("assistant.rasa_plugins.turns").warning("apuri.own event=kept")
logging.getLogger("some.library").warning("outside a message: kept")
sys.stdout, sys.stderr = real_stdout, real_stderr
print(json.dumps({"written": written.getvalue()}))
"""

# Each carries a marker Rasa's warnings would quote whole.
PAYLOADS = {
    "entity_unknown": '/inform{"booking_phone": "+358401234567", "x": "Marker-1@example.fi"}',
    "intent_unknown": '/nosuchintent{"booking_resource": "Marker-2"}',
    "text_after_entities": '/inform{"booking_resource":\n "Marker-3"}',
    "unclosed": '/inform{"booking_resource": "Marker-4"',
    "entities_not_json": '/inform{"Marker-5"}',
    "no_intent": "/{Marker-6 a@example.fi}",
    "confidence_and_trailing_text": '/inform@0.9{"booking_resource": "x"} Marker-7',
}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> str:
    payloads = json.dumps(list(PAYLOADS.values()))
    result = run_in_rasa(SCRIPT, payloads, workdir=tmp_path_factory.mktemp("log-privacy"))
    return str(result["written"])


def test_no_marker_of_a_payload_is_written(written: str) -> None:
    for marker in ("Marker", "+358401234567", "example.fi"):
        assert marker not in written, written


@pytest.mark.parametrize(
    "event",
    [
        "payload.entity_unknown",
        "payload.intent_unknown",
        "payload.text_after_entities",
        "payload.entities_not_json",
    ],
)
def test_each_redacted_warning_says_what_happened(written: str, event: str) -> None:
    assert f"rasa.redacted event={event}" in written, written


def test_a_structlog_event_keeps_its_name_without_the_message(written: str) -> None:
    lines = [line for line in written.splitlines() if "message.parsing.failed" in line]
    assert lines, written
    event = json.loads(lines[0][lines[0].index("{") :])
    assert event["event"] == "message.parsing.failed"
    assert event["redacted"] == ["user_text"]
    assert "user_text" not in event


def test_a_line_quoting_the_message_being_handled_is_redacted(written: str) -> None:
    assert "rasa.redacted event=message.echo" in written


def test_apuri_s_own_events_and_lines_outside_a_message_are_kept(written: str) -> None:
    assert "apuri.own event=kept" in written
    assert "outside a message: kept" in written
