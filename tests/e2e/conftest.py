"""The real stack for end-to-end and browser tests: a private Redis, the action server, Rasa
with the trained model, and the gateway, all under `apuri run` on free ports in a temporary
var/ directory, started once per test module.

`make test` trains the model (var/models) before pytest runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from assistant.local_stack import LocalStack
from assistant.service_search import ServiceSearchProvider
from booking.rules import is_public_holiday
from store.models import HELSINKI

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = Path(os.environ.get("APURI_MODEL_DIR", ROOT / "var" / "models"))
START_LIMIT_S = 420


# The phone channels verify Twilio's signatures against these (no Twilio account: SMS from
# the outbox stay local).
TWILIO_AUTH_TOKEN = "e2e-twilio-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://apuri.e2e.example"
TWILIO_ENV = {"TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN, "PUBLIC_BASE_URL": PUBLIC_BASE_URL}


def open_weekday(days_ahead: int) -> dt.date:
    """A weekday `days_ahead` or more days from today that is not a public holiday."""
    day = dt.datetime.now(HELSINKI).date() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5 or is_public_holiday(day):
        day += dt.timedelta(days=1)
    return day


class Stack(LocalStack):
    """The running stack, with the requests the tests make."""

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.gateway_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def say(self, conversation: str, text: str, **extra: Any) -> dict[str, Any]:
        status, body = self.request(
            "POST", "/api/messages", {"conversation_id": conversation, "text": text, **extra}
        )
        assert status == 200, body
        assert body["replies"], "Apuri answered nothing"
        return dict(body)

    def wait_health(self, status: int, limit_s: float = START_LIMIT_S) -> dict[str, Any]:
        assert self.process is not None
        deadline = time.monotonic() + limit_s
        body: Any = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"apuri run exited with {self.process.returncode}: {self.logs()}")
            try:
                got, body = self.request("GET", "/health")
            except (urllib.error.URLError, OSError):
                got = None
            if got == status:
                return dict(body)
            time.sleep(0.5)
        pytest.fail(f"/health did not turn {status} in {limit_s:.0f} s; last: {body}")


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, service_provider: ServiceSearchProvider
) -> Iterator[Stack]:
    # The service_provider fixture has built the shared service index, which the stack reuses.
    with running_stack(tmp_path_factory.mktemp("apuri-var")) as running:
        yield running


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


@contextlib.contextmanager
def running_stack(var_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """A stack of its own (as the `stack` fixture starts one) in `var_dir`, with Twilio's
    settings and `extra_env`; stopped with SIGTERM at the end, leaving nothing running."""
    if not (MODEL_DIR / "apuri.tar.gz").exists():
        pytest.fail(f"no trained model in {MODEL_DIR}: run 'make train' first")
    running = Stack(
        model_dir=MODEL_DIR, var_dir=var_dir, extra_env={**TWILIO_ENV, **(extra_env or {})}
    )
    running.start()
    try:
        running.wait_health(200)
        yield running
    finally:
        pids = running.pids()
        assert running.stop() == 0, "apuri run exits 0 on SIGTERM"
        for name, pid in pids.items():
            assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid), f"{name} left running"


@contextlib.contextmanager
def supervisor_paused(stack: Stack) -> Iterator[None]:
    """`apuri run` stopped (SIGSTOP) for the block, so it restarts no process that dies in
    it; continued (SIGCONT) afterwards, when it restarts them with its usual backoff. Keep
    the block short: the supervisor copies its children's output, and a full pipe stalls
    a child."""
    assert stack.process is not None
    stack.process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        stack.process.send_signal(signal.SIGCONT)


def kill_process(stack: Stack, name: str) -> None:
    """SIGKILL one of the stack's processes with all of its own (Sanic's workers too)."""
    os.killpg(stack.pid(name), signal.SIGKILL)


def twilio_post(stack: Stack, path: str, params: dict[str, str]) -> str:
    """POSTs a webhook signed with the stack's Twilio token over its public URL, exactly
    as Twilio signs it; returns the TwiML."""
    signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(
        PUBLIC_BASE_URL + path, params
    )
    request = urllib.request.Request(
        stack.gateway_url + path,
        data=urlencode(params).encode(),
        method="POST",
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return str(response.read().decode())


def sms_reply(twiml: str) -> str:
    """The text message a resident receives from the TwiML ("" when there is none)."""
    found = re.search(r"<Message>(.*)</Message>", twiml, re.DOTALL)
    return unescape(found.group(1)) if found else ""
