"""The one-time code Apuri texted to a number, read from the stack's outbox as the resident
would read it from their phone (the stack has no Twilio account: SMS stay in the outbox)."""

from __future__ import annotations

import re
import sqlite3
import time

from assistant.local_stack import LocalStack

CODE = re.compile(r"\b(\d{6})\b")


def code_sent_to(stack: LocalStack, phone_e164: str, limit_s: float = 10) -> str:
    """The six digits of the newest code message to `phone_e164`."""
    deadline = time.monotonic() + limit_s
    while True:
        with sqlite3.connect(stack.var_dir / "apuri.db") as db:
            row = db.execute(
                "SELECT body FROM outbox_messages WHERE kind = 'code' AND to_phone = ? "
                "ORDER BY id DESC LIMIT 1",
                (phone_e164,),
            ).fetchone()
        if row is not None:
            found = CODE.search(row[0])
            assert found, "the code message holds six digits"
            return found.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no code was texted within {limit_s:.0f} s")
        time.sleep(0.2)
