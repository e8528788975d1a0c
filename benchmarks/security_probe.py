"""The outside security probe of Apuri, run again against a real stack on loopback.

    apuri bench security [--out benchmarks/results/security_probe.json]

Starts its own Apuri (`assistant.local_stack.LocalStack`: `apuri run` on free ports with a
private Redis and a temporary var/ directory, using the trained model) with a Twilio auth
token and a public URL, so that SMS and voice webhooks are signed exactly as Twilio signs
them, and probes it as a stranger, a script and a careless client would (`PROBES` lists
every check, what it expects and what the outside probe saw before the fixes):

1. booking ownership: another resident's number typed on the web gets a code question and
   five wrong guesses lock it; by SMS only the sender's own bookings are listed;
2. the booking API: sessions, the slot grid, lengths, attempts a minute, codes a number;
3. a "yes" lost while the actions are down: not probed here (tests/e2e/test_action_server_down.py);
4. logs: every file under var/log searched for the numbers, codes and e-mail address sent;
5. nurse sign-in: failures for one account from one address lock no other account;
6. no 5xx on deep JSON, huge integers, lone surrogates, years 1 and 9999, a huge CallDuration;
7. SMS opt-out written in other widths, with zero-width characters, or as STOP ALL;
8. /admin/outbox needs its password; the nurse queue socket checks the Origin's scheme.

Prints a table (id, probe, expected, observed, result), writes it with the "before" column
to `benchmarks/results/security_probe.json` and exits 1 when a probe fails. Bounded: each
request times out after 60 s and the probes take about a minute once the stack is up.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import sqlite3
import sys
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

import aiohttp
from twilio.request_validator import RequestValidator

from assistant.local_stack import LocalStack, wait_for_status
from booking.rules import is_public_holiday
from channels.gsm import to_gsm7
from channels.phone_texts import TEXTS as PHONE_TEXTS
from store.models import HELSINKI

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "security_probe.json"
TWILIO_AUTH_TOKEN = "security-probe-twilio-token-0123456789"  # noqa: S105 - its own stack
PUBLIC_BASE_URL = "https://apuri.probe.example"
NURSE_PASSWORD = "security probe nurse password"  # noqa: S105 - its own stack
START_LIMIT_S = 420
ROOM = "kallio-library-meeting-room"  # 30-minute slots
HALL = "tali-football-hall-half"
DEEP = 20_000
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
PAYLOAD = '/inform{"booking_phone":"+358401239999","x":"probe@example.fi"'
STOP_WORDS = ("ＳＴＯＰ", "S\u200bTOP", "STOP ALL")
FIVE_HUNDREDS = "500s on deep JSON/huge ints/surrogates/year 1 and 9999/30-digit CallDuration"

# id: (what is probed, what Apuri does now, what the outside probe saw before the fixes)
PROBES: dict[str, tuple[str, str, str]] = {
    "0.1": ("apuri run stopped with SIGTERM after the probes", "exit 0", "-"),
    "1.0": ("set-up: a resident books on the web (her number, its code, yes)",
            "Your booking is made … Booking code …", "-"),
    "1.1": ("web, new conversation: 'show my bookings', then her number",
            "I sent a 6-digit code… (to her); nothing listed",
            "her bookings listed, with cancel buttons"),
    "1.2": ("web: 5 wrong 6-digit guesses at her code",
            "the 5th: …too many times…; never her bookings",
            "bookings listed/cancelled/moved by typing a number"),
    "1.3": ("web, new conversation: 'I want to cancel my booking', then her number",
            "a code question; nothing listed or cancelled",
            "bookings listed/cancelled/moved by typing a number"),
    "1.4": ("SMS from another number: 'show my bookings', then her number",
            "the sender's own booking listed, none of hers",
            "bookings listed/cancelled/moved by typing a number"),
    "1.5": ("her own conversation afterwards: 'show my bookings'",
            "her booking still listed", "cancelled or moved by others"),
    "2.1": ("POST /api/reservations without X-Resident-Session", "401 session_required",
            "booked; confirmation texted to any number"),
    "2.2": ("POST /api/reservations with a session for another number",
            "403 phone_not_proved", "any number texted"),
    "2.3": ("POST /api/reservations starting T08:00:00.999999+02:00", "422 off_grid",
            "microseconds accepted"),
    "2.4": (f"POST /api/reservations, 45 minutes on {ROOM} (30-minute slots)",
            "422 bad_length", "45 min accepted"),
    "2.5": ("21 booking attempts in one minute from one address",
            "the first 20 not 429, the 21st 429", "no rate limit"),
    "2.6": ("4 codes to one number within 15 minutes (POST /api/identity/codes)",
            "202 202 202 429", "no rate limit; any number texted"),
    "3.1": ("'yes' while the action server is down", "a retry, never a lost yes",
            "'yes' lost with HTTP 200 when actions were down"),
    "4.1": ("var/log searched for every number, code and e-mail address sent (and the "
            "malformed button payload's)", "0 hits", "PII in rasa.log"),
    "5.1": ("25 wrong passwords for nurse A from one address, a new X-Forwarded-For each",
            "401 × 5, then 429 × 20 (the header ignored)", "one address locked every nurse"),
    "5.2": ("nurse B signs in from that address", "303 to /nurse, a session",
            "one address locked every nurse"),
    "6.1": (f"JSON nested {DEEP:,} deep on the message APIs, /api/reservations and /ws/chat "
            "(and 8,000 deep, which fits a socket frame)", "4xx, an error frame or 1009",
            FIVE_HUNDREDS),
    "6.2": ("a 5,000-digit integer on the same four", "4xx or an error frame", FIVE_HUNDREDS),
    "6.3": ('a lone surrogate "\\ud800" in text on the same four', "4xx or an error frame",
            FIVE_HUNDREDS),
    "6.4": (f"availability of {HALL} on 0001-01-01 and 9999-12-31", "4xx", FIVE_HUNDREDS),
    "6.5": ("signed /twilio/voice/status with a 30-digit CallDuration", "2xx", FIVE_HUNDREDS),
    "6.6": ("every response the probe got", "no 5xx", FIVE_HUNDREDS),
    "7.1": (f"SMS {STOP_WORDS[0]!r}, then a question from that number",
            "the stopped text, then no reply", "full-width STOP etc. not opt-out"),
    "7.2": (f"SMS {STOP_WORDS[1]!r}, then a question from that number",
            "the stopped text, then no reply", "full-width STOP etc. not opt-out"),
    "7.3": (f"SMS {STOP_WORDS[2]!r}, then a question from that number",
            "the stopped text, then no reply", "full-width STOP etc. not opt-out"),
    "8.1": ("/admin/outbox without credentials, with a wrong password, with the operator's",
            "401, 401, 200", "/admin/outbox open on loopback"),
    "8.2": ("nurse queue socket with Origin https:// on the http:// gateway (same host, port)",
            "403 (http:// itself opens)", "Origin scheme ignored"),
}  # fmt: skip


@dataclass
class Row:
    id: str
    probe: str
    expected: str
    observed: str
    result: str  # "pass", "FAIL" or "skip"
    before: str


def result(id_: str, observed: str, ok: bool | None) -> Row:
    """The row of probe `id_`: what it saw, and pass, FAIL or (None) skip."""
    probe, expected, before = PROBES[id_]
    outcome = "skip" if ok is None else "pass" if ok else "FAIL"
    return Row(id_, probe, expected, observed, outcome, before)


class ProbeError(Exception):
    """A request the probe needed did not get an answer it could go on from."""


def clip(text: str | None, limit: int = 90) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _problem(text: str) -> str:
    """The reason code of a JSON problem answer."""
    try:
        return str(json.loads(text).get("error"))
    except (ValueError, AttributeError):
        return "?"


def open_weekday(days_ahead: int) -> dt.date:
    """A weekday `days_ahead` or more days from today that is not a public holiday."""
    day = dt.datetime.now(HELSINKI).date() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5 or is_public_holiday(day):
        day += dt.timedelta(days=1)
    return day


def _start(day: dt.date, hour: int, microsecond: int = 0) -> str:
    return dt.datetime(day.year, day.month, day.day, hour, 0, 0, microsecond, HELSINKI).isoformat()


def new_conversation() -> str:
    return "probe-" + uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Phone:
    """A Finnish mobile number as Apuri stores it (E.164) and as a resident types it."""

    e164: str

    @classmethod
    def fresh(cls, lead: str) -> Phone:
        """+358 40 `lead` (3 digits) and 4 random digits."""
        return cls(f"+35840{lead}{random.randrange(10**4):04d}")

    @property
    def national(self) -> str:
        digits = "0" + self.e164[4:]
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"

    def forms(self) -> dict[str, str]:
        """Each way the number was sent, for the search of the logs."""
        return dict.fromkeys((self.e164, self.national, "0" + self.e164[4:]), "phone number")


@dataclass
class Client:
    """The probe's requests to one stack, and every status they got back."""

    stack: LocalStack
    http: aiohttp.ClientSession
    statuses: Counter[int] = field(default_factory=Counter)
    markers: dict[str, str] = field(default_factory=dict)  # text sent: what it is

    @property
    def base(self) -> str:
        return self.stack.gateway_url

    async def call(
        self,
        method: str,
        path: str,
        *,
        data: str | dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, str, aiohttp.ClientResponse]:
        """One request (JSON when the body is text); its status, body and response."""
        if json_body is not None:
            data = json.dumps(json_body)
        if isinstance(data, str):
            headers = {"Content-Type": "application/json", **(headers or {})}
        async with self.http.request(
            method, self.base + path, data=data, headers=headers, params=params,
            allow_redirects=False,
        ) as response:  # fmt: skip
            text = await response.text(errors="replace")
        self.statuses[response.status] += 1
        return response.status, text, response

    async def say(self, conversation: str, text: str) -> str:
        """Apuri's answer on the web (`POST /api/messages`), its replies' texts joined."""
        message = {"conversation_id": conversation, "text": text}
        status, body, _ = await self.call("POST", "/api/messages", json_body=message)
        if status != 200:
            raise ProbeError(f"POST /api/messages answered {status}: {clip(body)}")
        return "\n".join(r["text"] for r in json.loads(body)["replies"] if r.get("text"))

    async def twilio(self, path: str, params: dict[str, str]) -> tuple[int, str]:
        """A webhook signed with the stack's token over its public URL, as Twilio signs it."""
        validator = RequestValidator(TWILIO_AUTH_TOKEN)
        signature = validator.compute_signature(PUBLIC_BASE_URL + path, params)
        status, text, _ = await self.call(
            "POST", path, data=params, headers={"X-Twilio-Signature": signature}
        )
        return status, text

    async def sms(self, phone: Phone, body: str) -> str | None:
        """The text message Apuri sends back, or None when it sends none."""
        params = {"From": phone.e164, "Body": body, "MessageSid": f"SM{uuid.uuid4().hex}"}
        status, twiml = await self.twilio("/twilio/sms", params)
        if status != 200:
            raise ProbeError(f"POST /twilio/sms answered {status}")
        found = re.search(r"<Message>(.*)</Message>", twiml, re.DOTALL)
        return unescape(found.group(1)) if found else None

    # The stack has no Twilio account: its SMS stay in the outbox, read as a phone would.

    def _outbox(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with sqlite3.connect(self.stack.var_dir / "apuri.db") as db:
            return db.execute(sql, args).fetchall()

    def last_outbox_id(self) -> int:
        return int(self._outbox("SELECT COALESCE(MAX(id), 0) FROM outbox_messages")[0][0])

    async def code_sent_to(self, phone: Phone, after: int, limit_s: float = 10) -> str:
        """The six digits of the newest code texted to `phone` since outbox id `after`."""
        deadline = time.monotonic() + limit_s
        while True:
            rows = self._outbox(
                "SELECT body FROM outbox_messages WHERE kind = 'code' AND to_phone = ? "
                "AND id > ? ORDER BY id DESC LIMIT 1",
                (phone.e164, after),
            )
            found = CODE.search(rows[0][0]) if rows else None
            if found:
                return found.group(1)
            if time.monotonic() > deadline:
                raise ProbeError(f"no code was texted to …{phone.e164[-2:]} in {limit_s:.0f} s")
            await asyncio.sleep(0.2)

    def codes_sent(self) -> dict[str, str]:
        rows = self._outbox("SELECT body FROM outbox_messages WHERE kind = 'code'")
        return {m.group(1): "code" for (body,) in rows for m in CODE.finditer(body)}


# -- 1. booking ownership -------------------------------------------------------------------

# What a conversation says only to a resident whose number it proved.
LEAKS = ("Your active bookings", "Which booking would you like to cancel", "Shall I cancel",
         "booking is cancelled", "booking is moved")  # fmt: skip


async def probe_ownership(c: Client) -> list[Row]:
    victim, other = Phone.fresh("555"), Phone.fresh("556")
    c.markers |= victim.forms() | other.forms()
    owner, day = new_conversation(), open_weekday(12)
    mark = c.last_outbox_id()
    await c.say(owner, f"I want to book the Maunula sports hall on {day:%B} {day.day} at 6 pm "
                f"for an hour, my number is {victim.national}")  # fmt: skip
    await c.say(owner, await c.code_sent_to(victim, mark))
    made = await c.say(owner, "yes")
    found = re.search(r"Booking code ([0-9A-Z]+)", made)
    booking = found.group(1) if found else "Maunula"
    rows = [result("1.0", clip(made), found is not None)]

    def hers(text: str) -> bool:
        return booking in text or "Maunula" in text

    def leaked(text: str) -> bool:
        return hers(text) or any(leak in text for leak in LEAKS)

    stranger = new_conversation()
    first = await c.say(stranger, "show my bookings")
    mark = c.last_outbox_id()
    asked = await c.say(stranger, victim.national)
    ok = asked.startswith("I sent a 6-digit code") and not leaked(first + asked)
    rows.append(result("1.1", clip(asked), ok))
    real = await c.code_sent_to(victim, mark)
    guesses = [str(n) * 6 for n in range(1, 10) if str(n) * 6 != real][:5]
    replies = [await c.say(stranger, guess) for guess in guesses]
    ok = "too many times" in replies[-1] and not any(leaked(r) for r in replies)
    rows.append(result("1.2", clip(replies[-1]), ok))

    canceller = new_conversation()
    first = await c.say(canceller, "I want to cancel my booking")
    asked = await c.say(canceller, victim.national)
    rows.append(result("1.3", clip(asked), "6-digit code" in asked and not leaked(first + asked)))

    # Another resident with a booking of their own, by SMS from their own number.
    when = open_weekday(8)
    await c.sms(other, f"I'd like to book group room 1 at Oodi on {when:%B} {when.day} at 3 pm "
                "for an hour")  # fmt: skip
    await c.sms(other, other.national)
    found = re.search(r"Booking code ([0-9A-Z]+)", await c.sms(other, "yes") or "")
    listed = await c.sms(other, "show my bookings") or ""
    typed = await c.sms(other, victim.national) or ""
    own = found is not None and found.group(1) in listed
    ok = own and listed.startswith("Your active bookings") and not hers(listed + typed)
    rows.append(result("1.4", clip(listed) + f" | then: {clip(typed, 40)}", ok))

    still = await c.say(owner, "show my bookings")
    rows.append(result("1.5", clip(still), booking in still))
    return rows


# -- 2. the booking API ---------------------------------------------------------------------


async def _session(c: Client, phone: Phone) -> str:
    """A resident session for `phone`, opened with the code texted to it."""
    mark = c.last_outbox_id()
    status, body, _ = await c.call("POST", "/api/identity/codes", json_body={"phone": phone.e164})
    if status != 202:
        raise ProbeError(f"POST /api/identity/codes answered {status}: {clip(body)}")
    asked = {"phone": phone.e164, "code": await c.code_sent_to(phone, mark)}
    status, body, _ = await c.call("POST", "/api/identity/sessions", json_body=asked)
    if status != 201:
        raise ProbeError(f"POST /api/identity/sessions answered {status}: {clip(body)}")
    return str(json.loads(body)["session"])


async def probe_api(c: Client) -> list[Row]:
    mine, theirs, texted = Phone.fresh("557"), Phone.fresh("558"), Phone.fresh("559")
    c.markers |= mine.forms() | theirs.forms() | texted.forms()
    day = open_weekday(5)
    body = {"resource_id": ROOM, "start": _start(day, 10), "minutes": 60, "phone": mine.e164}

    async def reserve(asked: dict[str, Any], headers: dict[str, str] | None) -> tuple[int, str]:
        status, text, _ = await c.call(
            "POST", "/api/reservations", json_body=asked, headers=headers
        )
        return status, _problem(text)

    status, error = await reserve(body, None)
    rows = [result("2.1", f"{status} {error}", status == 401)]
    session = {"X-Resident-Session": await _session(c, mine)}
    status, error = await reserve({**body, "phone": theirs.e164}, session)
    rows.append(result("2.2", f"{status} {error}", status == 403))

    # The limit counts attempts per wall-clock minute: all 21 in one.
    if 60 - time.time() % 60 < 15:
        await asyncio.sleep(60 - time.time() % 60 + 0.2)
    off_grid = {**body, "start": _start(day, 8, 999_999)}
    bad_length = {**body, "minutes": 45}
    minutes, answers = set(), []
    for attempt in [off_grid, bad_length, *[off_grid] * 19]:
        minutes.add(int(time.time() // 60))
        answers.append(await reserve(attempt, session))
    (grid_status, grid), (length_status, length) = answers[:2]
    rows.append(result("2.3", f"{grid_status} {grid}", answers[0] == (422, "off_grid")))
    rows.append(result("2.4", f"{length_status} {length}", answers[1] == (422, "bad_length")))
    first = Counter(status for status, _ in answers[:20])
    crossed = "" if len(minutes) == 1 else " (across two minutes)"
    observed = f"first 20: {dict(first)}; 21st: {answers[20][0]}{crossed}"
    rows.append(result("2.5", observed, answers[20][0] == 429 and 429 not in first))

    statuses = []
    for _ in range(4):
        status, _text, _ = await c.call(
            "POST", "/api/identity/codes", json_body={"phone": texted.e164}
        )
        statuses.append(status)
    rows.append(result("2.6", " ".join(map(str, statuses)), statuses == [202, 202, 202, 429]))
    return rows


# -- 5. nurse sign-in, and 8.2 the queue socket's Origin ------------------------------------


async def _add_nurses(var_dir: Path) -> None:
    from store.db import create_engine
    from telecare.accounts import NurseAccounts

    engine = create_engine(f"sqlite:///{var_dir / 'apuri.db'}")
    try:
        for name in ("probe.nurse.a", "probe.nurse.b"):
            await NurseAccounts(engine).add(
                name, NURSE_PASSWORD, display_name=name, team="helsinki", languages=("en",)
            )
    finally:
        await engine.dispose()


async def _sign_in(
    c: Client, username: str, password: str, forwarded_for: str | None = None
) -> tuple[int, str | None]:
    """A sign-in on /nurse/login as a browser makes one: its status and session cookie."""
    status, page, _ = await c.call("GET", "/nurse/login?lang=en")
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    if status != 200 or not found:
        raise ProbeError(f"GET /nurse/login answered {status} without a sign-in form")
    headers = {"Cookie": f"apuri_nurse_login={found.group(1)}"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    form = {"csrf": found.group(1), "username": username, "password": password}
    status, _page, response = await c.call(
        "POST", "/nurse/login?lang=en", data=form, headers=headers
    )
    cookie = response.cookies.get("apuri_nurse")
    return status, cookie.value if cookie else None


async def _queue_socket(c: Client, session: str, origin: str) -> str:
    headers = {"Cookie": f"apuri_nurse={session}", "Origin": origin}
    try:
        async with c.http.ws_connect(c.base + "/nurse/ws", headers=headers):
            c.statuses[101] += 1
            return "101 open"
    except aiohttp.WSServerHandshakeError as error:
        c.statuses[error.status] += 1
        return f"{error.status} refused"


async def probe_nurses(c: Client) -> list[Row]:
    await _add_nurses(c.stack.var_dir)
    tries = [
        (await _sign_in(c, "probe.nurse.a", f"wrong {n}", f"203.0.113.{n + 1}"))[0]
        for n in range(25)
    ]
    observed = f"{tries[:5].count(401)} × 401, then {dict(Counter(tries[5:]))}"
    rows = [result("5.1", observed, tries == [401] * 5 + [429] * 20)]
    status, session = await _sign_in(c, "probe.nurse.b", NURSE_PASSWORD)
    observed = f"{status}, session {'set' if session else 'not set'}"
    rows.append(result("5.2", observed, status == 303 and session is not None))
    if session is None:
        return [*rows, result("8.2", "not run: nurse B did not sign in", False)]
    port = c.stack.ports["gateway"]
    other = await _queue_socket(c, session, f"https://127.0.0.1:{port}")
    own = await _queue_socket(c, session, f"http://127.0.0.1:{port}")
    ok = other.startswith("403") and own.startswith("101")
    rows.append(result("8.2", f"https: {other}; http: {own}", ok))
    return rows


# -- 6. no 5xx on any input ------------------------------------------------------------------


async def _chat_frame(c: Client, frame: str) -> tuple[str, bool]:
    """What /ws/chat does with one frame (its error frame's code, or how it closed), and
    whether that is a refusal rather than a failure."""
    async with c.http.ws_connect(c.base + "/ws/chat?lang=en") as ws:
        c.statuses[101] += 1
        await ws.send_str(frame)
        while True:
            msg = await ws.receive(timeout=30)
            if msg.type is aiohttp.WSMsgType.TEXT:
                answer = json.loads(msg.data)
                if answer.get("type") == "error":
                    code = answer.get("code")
                    return f"error frame {code}", code != "internal_error"
                continue
            return f"closed {ws.close_code}", ws.close_code not in (None, 1011)


async def probe_inputs(c: Client) -> list[Row]:
    deep, huge, cid = "[" * DEEP + "]" * DEEP, "9" * 5000, new_conversation()
    start = _start(open_weekday(5), 10)
    reservation = f'"resource_id": "{ROOM}", "start": "{start}"'
    frame = f'"type": "message", "conversation_id": "{cid}", "message_id": "m1"'
    inputs = {
        "6.1": ([deep, deep, deep], [deep, "[" * 8000 + "]" * 8000]),
        "6.2": (
            [f'{{"conversation_id": "{cid}", "text": {huge}}}',
             f'{{"conversation_id": "{cid}", "text": "hi", "lang": {huge}}}',
             f'{{{reservation}, "minutes": {huge}}}'],
            [f'{{{frame}, "text": {huge}}}'],
        ),
        "6.3": (
            [f'{{"conversation_id": "{cid}", "text": "\\ud800"}}',
             f'{{"conversation_id": "{cid}", "text": "a\\ud800b"}}',
             f'{{{reservation}, "minutes": 60, "phone": "\\ud800"}}'],
            [f'{{{frame}, "text": "\\ud800"}}'],
        ),
    }  # fmt: skip
    rows = []
    for id_, (bodies, frames) in inputs.items():
        seen, ok = [], True
        paths = ("/api/messages", "/api/web/messages", "/api/reservations")
        for path, raw in zip(paths, bodies, strict=True):
            status, _text, _ = await c.call("POST", path, data=raw)
            seen.append(f"{path} {status}")
            ok = ok and status < 500
        for text in frames:
            said, refused = await _chat_frame(c, text)
            seen.append(f"ws {said}")
            ok = ok and refused
        rows.append(result(id_, "; ".join(seen), ok))

    days = []
    for day in ("0001-01-01", "9999-12-31"):
        status, _text, _ = await c.call(
            "GET", f"/api/resources/{HALL}/availability", params={"date": day}
        )
        days.append(status)
    rows.append(result("6.4", " ".join(map(str, days)), all(400 <= s < 500 for s in days)))
    call = {"CallSid": f"CA{uuid.uuid4().hex}", "CallStatus": "completed", "CallDuration": "9" * 30}
    status, _ = await c.twilio("/twilio/voice/status", call)
    rows.append(result("6.5", str(status), 200 <= status < 300))
    return rows


# -- 7. SMS opt-out --------------------------------------------------------------------------


async def probe_opt_out(c: Client) -> list[Row]:
    stopped = {to_gsm7(text) for text in PHONE_TEXTS["stopped"].values()}
    rows = []
    for n, word in enumerate(STOP_WORDS, start=1):
        phone = Phone.fresh(f"56{n}")
        c.markers |= phone.forms()
        answer = await c.sms(phone, word)
        after = await c.sms(phone, "hello, what can you do?")
        then = "no reply" if after is None else repr(clip(after, 30))
        ok = answer in stopped and after is None
        rows.append(result(f"7.{n}", f"{clip(answer, 44)!r}; then {then}", ok))
    return rows


# -- 8.1 /admin/outbox -----------------------------------------------------------------------


async def probe_admin(c: Client) -> list[Row]:
    password = (c.stack.var_dir / "admin.password").read_text().strip()
    seen = []
    for auth in (None, aiohttp.BasicAuth("admin", "not-the-password"),
                 aiohttp.BasicAuth("admin", password)):  # fmt: skip
        headers = {"Authorization": auth.encode()} if auth else None
        status, _text, _ = await c.call("GET", "/admin/outbox", headers=headers)
        seen.append(status)
    return [result("8.1", ", ".join(map(str, seen)), seen == [401, 401, 200])]


# -- 4. logs ---------------------------------------------------------------------------------


async def send_log_markers(c: Client) -> None:
    """Text and a malformed button payload carrying an e-mail address and a number."""
    email = f"probe.{uuid.uuid4().hex[:8]}@example.fi"
    c.markers |= {email: "e-mail address", "probe@example.fi": "e-mail address",
                  "+358401239999": "phone number", "0401239999": "phone number"}  # fmt: skip
    conversation = new_conversation()
    await c.say(conversation, f"my e-mail is {email}, can you help me?")
    message = {"conversation_id": conversation, "payload": PAYLOAD}
    status, _text, _ = await c.call("POST", "/api/messages", json_body=message)
    if status not in (200, 422):
        raise ProbeError(f"the malformed payload was answered {status}")


def search_logs(var_dir: Path, markers: dict[str, str]) -> Row:
    """Every file under var/log searched for each marker; digits only where no digit is
    next to them (a code is six digits, as are many numbers in log lines)."""
    files = [p for p in sorted((var_dir / "log").rglob("*")) if p.is_file()]
    hits, size = [], 0
    for path in files:
        content = path.read_text(errors="replace")
        size += len(content)
        for marker, kind in sorted(markers.items()):
            if marker.isdigit():
                found = re.search(rf"(?<!\d){marker}(?!\d)", content) is not None
            else:
                found = marker in content
            if found:
                hits.append(f"a {kind} in {path.name}")
    # The logs did record the probe: the events of the codes it asked for, without the codes.
    events = sum(p.read_text(errors="replace").count("identity.code_sent") for p in files)
    observed = (
        f"{len(markers)} markers in {len(files)} files ({size:,} characters, "
        f"{events} code_sent events): {len(hits)} hits"
    )
    if hits:
        observed += " (" + ", ".join(hits[:6]) + ")"
    return result("4.1", observed, not hits and events > 0)


# -- the run ---------------------------------------------------------------------------------


async def run_probes(stack: LocalStack) -> tuple[list[Row], dict[str, str], Counter[int]]:
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as http:
        c = Client(stack, http)
        rows: list[Row] = []
        probes = (probe_ownership, probe_api, probe_nurses, probe_inputs, probe_opt_out,
                  probe_admin)  # fmt: skip
        for probe in probes:
            started = time.perf_counter()
            try:
                rows.extend(await probe(c))
            except (ProbeError, aiohttp.ClientError, TimeoutError, KeyError, ValueError) as error:
                rows.append(
                    Row(
                        f"{probe.__name__}",
                        "a probe stopped",
                        "to run to its end",
                        f"{type(error).__name__}: {clip(str(error))}",
                        "FAIL",
                        "-",
                    )
                )
            print(f"[probe] {probe.__name__}: {time.perf_counter() - started:.1f} s", flush=True)
        try:
            await send_log_markers(c)
        except (ProbeError, aiohttp.ClientError, TimeoutError) as error:
            rows.append(Row("4.0", "log markers sent", "sent", clip(str(error)), "FAIL", "-"))
        return rows, {**c.markers, **c.codes_sent()}, c.statuses


def _order(row: Row) -> list[int]:
    return [int(part) if part.isdigit() else 99 for part in row.id.split(".")]


def table(rows: list[Row]) -> str:
    widths = {"id": 4, "probe": 46, "expected": 36, "observed": 56, "result": 6}
    lines = [" | ".join(name.ljust(width) for name, width in widths.items())]
    lines.append("-+-".join("-" * width for width in widths.values()))
    for row in rows:
        values = asdict(row)
        lines.append(" | ".join(clip(values[n], w).ljust(w) for n, w in widths.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="apuri bench security", description=__doc__)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--var-dir", type=Path, help="keep the stack's var/ (logs, database) here to read after"
    )
    args = parser.parse_args(argv)

    print("[probe] starting Apuri on free ports…", flush=True)
    env = {"TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN, "PUBLIC_BASE_URL": PUBLIC_BASE_URL}
    stack = LocalStack(var_dir=args.var_dir, extra_env=env)
    stack.start()
    try:
        stack_start_s = wait_for_status(f"{stack.gateway_url}/health", 200, START_LIMIT_S)
        started = time.perf_counter()
        rows, markers, statuses = asyncio.run(run_probes(stack))
        probe_s = time.perf_counter() - started
        exit_code = stack.stop()
        rows.append(search_logs(stack.var_dir, markers))
    finally:
        stack.stop()
        stack.cleanup()
    answered = ", ".join(f"{status} × {n}" for status, n in sorted(statuses.items()))
    rows.append(result("6.6", f"{statuses.total()}: {answered}", max(statuses) < 500))
    rows.append(result("0.1", f"exit {exit_code}", exit_code == 0))
    rows.append(result("3.1", "not probed here: tests/e2e/test_action_server_down.py", None))
    rows.sort(key=_order)

    failed = [row.id for row in rows if row.result == "FAIL"]
    skipped = [row.id for row in rows if row.result == "skip"]
    report = {
        "benchmark": "security_probe",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "stack_start_s": round(stack_start_s, 1),
        "probe_s": round(probe_s, 1),
        "passed": len(rows) - len(failed) - len(skipped),
        "failed": failed,
        "skipped": skipped,
        "responses": {str(status): n for status, n in sorted(statuses.items())},
        "results": [asdict(row) for row in rows],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(table(rows))
    print(
        f"[probe] {report['passed']} passed, {len(failed)} failed"
        f"{' (' + ', '.join(failed) + ')' if failed else ''}, "
        f"{len(skipped)} skipped; stack up in {stack_start_s:.0f} s, probes {probe_s:.0f} s; "
        f"written to {args.out}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
