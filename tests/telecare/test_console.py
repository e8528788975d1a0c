"""The nurse console through the real routes: accounts, sign-in, CSRF, the live queue,
accepting a call, notes, booking a visit with its reminder, and the resident's pages."""

from __future__ import annotations

import datetime as dt
import re

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from assistant.keys import DATABASE, SETTINGS
from store.db import sessions
from store.models import HELSINKI, OutboxMessage
from telecare import visits
from telecare.accounts import AccountError, NurseAccounts
from telecare.models import Nurse, VisitNote
from telecare.tokens import new_room_id, sign
from telecare.web.console import SESSION_COOKIE
from telecare.web.context import TELECARE
from tests.telecare.conftest import PASSWORD, NurseLogin, new_client, sign_in

Client = TestClient[web.Request, web.Application]


async def test_passwords_are_stored_as_argon2id_hashes(server: TestServer) -> None:
    accounts = NurseAccounts(server.app[DATABASE])
    await accounts.add("carla.nurse", PASSWORD, display_name="Carla", team="helsinki")
    async with sessions(server.app[DATABASE])() as session:
        stored = await session.scalar(select(Nurse).where(Nurse.username == "carla.nurse"))
    assert stored is not None
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    assert await accounts.authenticate("carla.nurse", PASSWORD) is not None
    assert await accounts.authenticate("carla.nurse", PASSWORD + "x") is None
    assert await accounts.authenticate("nobody", PASSWORD) is None
    with pytest.raises(AccountError, match="already taken"):
        await accounts.add("carla.nurse", PASSWORD, display_name="C", team="helsinki")
    with pytest.raises(AccountError, match="password"):
        await accounts.add("dora.nurse", "short", display_name="D", team="helsinki")


async def test_the_console_needs_a_session(client: Client) -> None:
    response = await client.get("/nurse", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/nurse/login")
    assert (await client.post("/nurse/accept")).status == 401


async def test_signing_in_sets_a_strict_httponly_secure_cookie(
    client: Client, nurses: list[NurseLogin]
) -> None:
    form_page = await client.get("/nurse/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', await form_page.text())
    assert csrf is not None
    response = await client.post(
        "/nurse/login",
        data={"username": nurses[0].username, "password": PASSWORD, "csrf": csrf.group(1)},
        allow_redirects=False,
    )
    assert response.status == 303
    cookie = next(
        value
        for name, value in response.headers.items()
        if name == "Set-Cookie" and value.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" in cookie
    console = await client.get("/nurse")
    assert console.status == 200 and "Anna.Nurse" in await console.text()


async def test_a_wrong_password_or_a_missing_csrf_token_does_not_sign_in(
    client: Client, nurses: list[NurseLogin]
) -> None:
    form_page = await client.get("/nurse/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', await form_page.text())
    assert csrf is not None
    wrong = await client.post(
        "/nurse/login",
        data={"username": nurses[0].username, "password": "wrong password!", "csrf": csrf.group(1)},
    )
    assert wrong.status == 401 and "väärin" in await wrong.text()
    no_csrf = await client.post(
        "/nurse/login", data={"username": nurses[0].username, "password": PASSWORD}
    )
    assert no_csrf.status == 403
    assert (await client.get("/nurse", allow_redirects=False)).status == 303


async def test_five_wrong_passwords_lock_the_account_for_a_while(
    client: Client, nurses: list[NurseLogin]
) -> None:
    async def attempt(username: str, password: str) -> tuple[int, str]:
        form_page = await client.get("/nurse/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', await form_page.text())
        assert csrf is not None
        response = await client.post(
            "/nurse/login",
            data={"username": username, "password": password, "csrf": csrf.group(1)},
            allow_redirects=False,
        )
        return response.status, await response.text()

    for _ in range(5):
        assert (await attempt(nurses[0].username, "guessing!"))[0] == 401
    status, page = await attempt(nurses[0].username, PASSWORD)
    assert status == 429 and "15 minuutin" in page, "even the right password waits"
    assert (await client.get("/nurse", allow_redirects=False)).status == 303
    # Another nurse at the same address still signs in.
    assert (await attempt(nurses[1].username, PASSWORD))[0] == 303


async def test_state_changes_need_the_sessions_csrf_token(
    client: Client, nurses: list[NurseLogin]
) -> None:
    csrf = await sign_in(client, nurses[0])
    assert (await client.post("/nurse/accept")).status == 403
    assert (await client.post("/nurse/accept", headers={"X-CSRF-Token": "guess"})).status == 403
    accepted = await client.post("/nurse/accept", headers={"X-CSRF-Token": csrf})
    assert accepted.status == 200 and (await accepted.json()) == {"room": None}
    assert (await client.post("/nurse/logout", data={"csrf": "guess"})).status == 403


async def test_a_nurse_sees_the_queue_live_and_accepts_into_the_call(
    server: TestServer, client: Client, nurses: list[NurseLogin]
) -> None:
    csrf = await sign_in(client, nurses[0])
    queue = server.app[TELECARE].queue
    async with client.ws_connect("/nurse/ws") as ws:
        first = await ws.receive_json(timeout=5)
        assert first["type"] == "queue" and first["waiting"] == []
        request = await queue.enqueue(
            room=new_room_id(),
            urgency="soon",
            lang="sv",
            reason="<b>lääkkeet</b>",
            summary="Asukas kysyi lääkkeistä.",
        )
        update = await ws.receive_json(timeout=5)
        assert [item["id"] for item in update["waiting"]] == [request.id]
        assert update["waiting"][0]["reason"] == "<b>lääkkeet</b>"  # the page uses textContent
        assert update["waiting"][0]["lang"] == "sv"

        accepted = await (await client.post("/nurse/accept", headers={"X-CSRF-Token": csrf})).json()
        assert accepted["room"] == request.room
        mine = await ws.receive_json(timeout=5)
        assert mine["waiting"] == [] and [item["id"] for item in mine["mine"]] == [request.id]

    call_page = await client.get(accepted["url"])
    page_text = await call_page.text()
    assert call_page.status == 200
    assert "&lt;b&gt;lääkkeet&lt;/b&gt;" in page_text and "<b>lääkkeet" not in page_text
    token = await client.post(f"/nurse/call/{request.room}/token", headers={"X-CSRF-Token": csrf})
    assert token.status == 200 and (await token.json())["ws"] == f"/telecare/signal/{request.room}"

    note = await client.post(
        f"/nurse/call/{request.room}/note",
        data={"csrf": csrf, "outcome": "resolved", "note": "Ohjeistettu."},
        allow_redirects=False,
    )
    assert note.status == 303
    assert (await queue.get(request.id)).status == "done"  # type: ignore[union-attr]
    async with sessions(server.app[DATABASE])() as session:
        saved = list(await session.scalars(select(VisitNote)))
    assert [(n.room, n.outcome, n.nurse_id) for n in saved] == [
        (request.room, "resolved", nurses[0].id)
    ]

    # Another nurse cannot open this call (closing this client closes the server: last).
    other = new_client(server)
    await other.start_server()
    try:
        other_csrf = await sign_in(other, nurses[1])
        assert (await other.get(accepted["url"])).status == 404
        refused = await other.post(
            f"/nurse/call/{request.room}/token", headers={"X-CSRF-Token": other_csrf}
        )
        assert refused.status == 404
    finally:
        await other.close()


async def test_booking_a_visit_writes_reminders_due_15_minutes_before(
    server: TestServer, client: Client, nurses: list[NurseLogin]
) -> None:
    csrf = await sign_in(client, nurses[0])
    start = (dt.datetime.now(HELSINKI) + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    response = await client.post(
        "/nurse/visits",
        data={
            "csrf": csrf,
            "client_label": "A.K. 1234",
            "client_phone": "040 123 4567",
            "carer_phone": "050 765 4321",
            "carer_consent": "1",
            "lang": "sv",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "minutes": "20",
        },
        allow_redirects=False,
    )
    assert response.status == 303 and "booked=1" in response.headers["Location"]
    async with sessions(server.app[DATABASE])() as session:
        reminders = list(await session.scalars(select(OutboxMessage)))
    assert sorted(m.to_phone for m in reminders) == ["+358401234567", "+358507654321"]
    for message in reminders:
        assert message.kind == "telecare_reminder" and message.lang == "sv"
        assert message.next_attempt_at == start - dt.timedelta(minutes=15)
        assert f"kl. {start:%H:%M}" in message.body
        found = re.search(r"(/call/\S+)", message.body)
        assert found is not None
        link = found.group(1)
    # The link in the reminder opens the resident's page.
    resident = await client.get(link)
    assert resident.status == 200 and "Gå med i samtalet" in await resident.text()

    console = await client.get("/nurse?lang=en")
    assert "A.K. 1234" in await console.text()


async def test_a_visit_nobody_joined_is_flagged_missed(
    server: TestServer, nurses: list[NurseLogin]
) -> None:
    engine = server.app[DATABASE]
    now = dt.datetime(2026, 12, 2, 12, 0, tzinfo=HELSINKI)
    missed = await visits.schedule(
        engine,
        nurse_id=nurses[0].id,
        client_label="missed",
        client_phone="0401234567",
        carer_phone="0507654321",
        carer_consented=False,
        lang="fi",
        starts_at=now - dt.timedelta(minutes=30),
        minutes=20,
        now=now,
    )
    joined = await visits.schedule(
        engine,
        nurse_id=nurses[0].id,
        client_label="joined",
        client_phone="0401234567",
        carer_phone=None,
        carer_consented=False,
        lang="fi",
        starts_at=now - dt.timedelta(minutes=30),
        minutes=20,
        now=now,
    )
    later = await visits.schedule(
        engine,
        nurse_id=nurses[0].id,
        client_label="later",
        client_phone="0401234567",
        carer_phone=None,
        carer_consented=False,
        lang="fi",
        starts_at=now + dt.timedelta(hours=1),
        minutes=20,
        now=now,
    )
    await visits.client_joined(engine, joined.room)
    today = await visits.for_day(engine, nurses[0].id, now.date(), now=now)
    assert [(v.client_label, v.status) for v in today] == [
        ("missed", "missed"),
        ("joined", "scheduled"),
        ("later", "scheduled"),
    ]
    assert {missed.id, joined.id, later.id} == {v.id for v in today}
    ids = await visits.write_reminders(engine, missed.id, "https://x/call/t", now=now)
    assert ids == [], "a missed visit's numbers are forgotten; no late reminder goes out"


async def test_the_residents_pages_refuse_a_bad_link(server: TestServer, client: Client) -> None:
    room = new_room_id()
    secret = server.app[SETTINGS].secret
    good = sign(secret, room, "client", purpose="link", ttl_s=600)
    page = await client.get(f"/call/{good}?lang=en")
    body = await page.text()
    assert page.status == 200 and "Join the call" in body and 'lang="en"' in body
    assert "Content-Security-Policy" in page.headers
    token = await (await client.post(f"/call/{good}/token")).json()
    assert token["ws"] == f"/telecare/signal/{room}" and token["ice"] == []
    for bad in (
        sign(secret, room, "client", purpose="link", ttl_s=600, now=0),  # expired
        sign(secret, room, "nurse", purpose="link", ttl_s=600),  # not a resident's link
        sign(secret, room, "client", purpose="room", ttl_s=600),  # not a link
        good[:-3] + "abc",  # forged
    ):
        assert (await client.get(f"/call/{bad}")).status == 403
        assert (await client.post(f"/call/{bad}/token")).status == 403
    precall = await client.get(f"/call/{good}/precall?lang=sv")
    assert precall.status == 200 and "Starta testet" in await precall.text()


async def test_the_precall_echo_needs_its_token(client: Client) -> None:
    refused = await client.post(
        "/precall/offer", json={"sdp": "v=0", "type": "offer", "token": "x"}
    )
    assert refused.status == 403
    assert (await client.post("/precall/offer", data=b"{")).status == 400


async def test_the_queue_socket_refuses_another_origin(
    client: Client, nurses: list[NurseLogin]
) -> None:
    await sign_in(client, nurses[0])
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/nurse/ws", headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403


async def test_names_on_the_console_are_escaped_not_run(server: TestServer, client: Client) -> None:
    script = "<script>alert(1)</script>"
    accounts = NurseAccounts(server.app[DATABASE])
    info = await accounts.add("eeva.nurse", PASSWORD, display_name=script, team="helsinki")
    await sign_in(client, NurseLogin(info.id, "eeva.nurse", PASSWORD))
    starts_at = dt.datetime.now(HELSINKI).replace(hour=12, minute=0, second=0, microsecond=0)
    await visits.schedule(
        server.app[DATABASE],
        nurse_id=info.id,
        client_label=f'{script}"&',
        client_phone="0401234567",
        carer_phone=None,
        carer_consented=False,
        lang="fi",
        starts_at=starts_at,
        minutes=20,
    )
    page = await (await client.get("/nurse?lang=en")).text()
    assert "<script>alert" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2, "the nurse's and the visit's"
    assert "&lt;/script&gt;&#34;&amp;" in page
