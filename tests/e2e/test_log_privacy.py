"""What residents write never reaches a log file, through the real stack: ordinary messages,
button payloads Rasa cannot parse (its own warnings quote them whole), and a booking with a
phone number, each carrying markers (an address, an e-mail address, a phone number), and
then every file under the stack's var/log is searched for them."""

from __future__ import annotations

import json
import random
import time
import uuid

import pytest

from tests.e2e.conftest import Stack, open_weekday

pytestmark = pytest.mark.e2e


def _log_files(stack: Stack) -> dict[str, str]:
    return {
        str(path.relative_to(stack.var_dir / "log")): path.read_text(errors="replace")
        for path in sorted((stack.var_dir / "log").rglob("*"))
        if path.is_file()
    }


def test_markers_in_messages_and_payloads_are_in_no_log_file(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:8]
    address = f"Kustaankatu {tag}"
    email = f"asukas.{tag}@example.fi"
    digits = f"{random.randrange(10**6, 10**7)}"
    phone, national = f"+35850{digits}", f"050 {digits[:3]} {digits[3:]}"
    conversation = "privacy-" + uuid.uuid4().hex[:12]

    def send(**message: str) -> int:
        status, _ = stack.request(
            "POST", "/api/messages", {"conversation_id": conversation, **message}
        )
        assert status in (200, 422), status
        return status

    # Ordinary text, in a conversation that goes on.
    send(text=f"asun osoitteessa {address}, sähköpostini on {email} ja numeroni {phone}")
    # Payloads the gateway lets through and Rasa's regex message handler warns about:
    # unknown entity names, an unknown intent, a line break inside the entities.
    send(payload="/inform" + json.dumps({"booking_phone": phone, "x": email}))
    send(payload="/nosuchintent" + json.dumps({"booking_resource": address}))
    send(payload='/inform{"booking_resource":\n' + json.dumps(f"{address} {email}") + "}")
    # Typed text that looks like a payload (entities that never close, a payload without an
    # intent): the gateway removes every leading slash, so Rasa reads it as plain text.
    send(text=f'/ /inform{{"booking_phone":"{phone}","x":"{email}"')
    send(text=f"/ /{{{address} {email}}}")
    # A booking, up to the number the confirmation goes to.
    day = open_weekday(9)
    send(text=f"I'd like to book group room 1 at Oodi on {day:%B} {day.day} at 3 pm for an hour")
    send(text=national)
    time.sleep(1.0)

    logs = _log_files(stack)
    assert {"rasa.log", "actions.log", "gateway.log"} <= set(logs), sorted(logs)
    for marker in (address, email, phone, national, tag):
        found = [name for name, content in logs.items() if marker in content]
        assert not found, f"{marker!r} is in {found}"
    # The payloads did reach Rasa's warnings, which said only what happened.
    rasa = logs["rasa.log"]
    for event in ("intent_unknown", "entity_unknown", "text_after_entities"):
        assert f"rasa.redacted event=payload.{event}" in rasa, rasa[-3000:]
    # No typed text is parsed as a payload, so Rasa never fails to parse one.
    assert '"event": "message.parsing.failed"' not in rasa, rasa[-3000:]
