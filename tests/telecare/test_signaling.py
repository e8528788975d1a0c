"""Signaling through the real gateway routes, with two real aiortc peers on 127.0.0.1.

The nurse's peer offers, the client's answers, every message goes through
`/telecare/signal/{room}`; both peers must go new → connecting → connected and each must
receive the other's video frames. Tokens are checked before a socket opens.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from av import VideoFrame

from assistant.keys import DATABASE, SETTINGS
from telecare import stats
from telecare.tokens import new_room_id, sign
from tests.telecare.peer import SignalingPeer, negotiate

CONNECT_TIMEOUT_S = 15


Peer = SignalingPeer


def _url(server: TestServer, room: str, role: str, **sign_args: Any) -> str:
    secret = server.app[SETTINGS].secret
    token = sign(secret, room, role, purpose="room", ttl_s=sign_args.pop("ttl_s", 120), **sign_args)  # type: ignore[arg-type]
    return str(server.make_url(f"/telecare/signal/{room}?token={token}"))


async def _call(server: TestServer, session: aiohttp.ClientSession, room: str) -> tuple[Peer, Peer]:
    nurse, client = Peer("nurse"), Peer("client")
    await nurse.open(session, _url(server, room, "nurse"))
    assert (await nurse.expect("joined"))["peer"] is False
    await client.open(session, _url(server, room, "client"))
    assert (await client.expect("joined"))["peer"] is True
    await nurse.expect("peer-joined")

    offer = await negotiate(nurse, client)
    assert offer["from"] == "nurse"
    return nurse, client


async def _first_frame(peer: Peer) -> VideoFrame:
    return await peer.first_frame()


async def test_two_peers_connect_through_the_gateway_and_media_flows(server: TestServer) -> None:
    room = new_room_id()
    async with aiohttp.ClientSession() as session:
        nurse, client = await _call(server, session, room)
        try:
            for peer in (nurse, client):
                assert peer.states == ["new", "connecting", "connected"], peer.role
            to_nurse, to_client = await asyncio.gather(_first_frame(nurse), _first_frame(client))
            assert (to_nurse.width, to_nurse.height) == (640, 480)
            assert (to_client.width, to_client.height) == (640, 480)
            # Several frames keep coming, not one stray one.
            track = next(t for t in client.tracks if t.kind == "video")
            first_pts = to_client.pts
            for _ in range(5):
                frame = await asyncio.wait_for(track.recv(), 5)
            assert frame.pts is not None and first_pts is not None and frame.pts > first_pts
        finally:
            await nurse.close()
            await client.close()


async def test_call_quality_samples_are_stored_per_call(server: TestServer) -> None:
    room = new_room_id()
    async with aiohttp.ClientSession() as session:
        nurse, client = await _call(server, session, room)
        try:
            await client.ws.send_json(
                {"type": "stats", "rtt_ms": 2.5, "loss_pct": 0, "bitrate_kbps": 900, "fps": 30}
            )
            await nurse.ws.send_json(
                {"type": "stats", "rtt_ms": 3.5, "loss_pct": 1.5, "bitrate_kbps": 700, "fps": 24}
            )
            await client.ws.send_json({"type": "stats", "rtt_ms": -5})  # invalid: dropped
            await client.ws.send_json({"type": "ping"})
            await client.expect("pong")
            await nurse.ws.send_json({"type": "ping"})
            await nurse.expect("pong")
            quality = await stats.quality(server.app[DATABASE], room)
            assert quality.samples == 2
            assert quality.rtt_ms_median == 3.0 and quality.loss_pct_max == 1.5
            assert quality.bitrate_kbps_median == 800 and quality.fps_median == 27
            call = await stats.get_call(server.app[DATABASE], room)
            assert call is None, "a room without a call record stores samples all the same"
        finally:
            await nurse.close()
            await client.close()


async def _refused_with(session: aiohttp.ClientSession, url: str) -> int:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await session.ws_connect(url)
    return refused.value.status


async def test_tokens_expired_forged_for_another_room_or_a_third_party_are_refused(
    server: TestServer,
) -> None:
    room = new_room_id()
    secret = server.app[SETTINGS].secret
    base = f"/telecare/signal/{room}?token="
    async with aiohttp.ClientSession() as session:
        expired = sign(secret, room, "client", purpose="room", ttl_s=120, now=0)
        assert await _refused_with(session, str(server.make_url(base + expired))) == 403
        forged = sign(
            b"not-the-gateway-secret-not-the-gateway", room, "client", purpose="room", ttl_s=120
        )
        assert await _refused_with(session, str(server.make_url(base + forged))) == 403
        other_room = sign(secret, new_room_id(), "client", purpose="room", ttl_s=120)
        assert await _refused_with(session, str(server.make_url(base + other_room))) == 403
        link = sign(secret, room, "client", purpose="link", ttl_s=120)
        assert await _refused_with(session, str(server.make_url(base + link))) == 403
        assert await _refused_with(session, str(server.make_url(base))) == 403

        nurse, client = Peer("nurse"), Peer("client")
        try:
            await nurse.open(session, _url(server, room, "nurse"))
            await client.open(session, _url(server, room, "client"))
            await client.expect("joined")
            # A third party with a perfectly valid token, of either role.
            assert await _refused_with(session, _url(server, room, "client")) == 409
            assert await _refused_with(session, _url(server, room, "nurse")) == 409

            # The client's network drops: its seat is freed and it comes back.
            await client.ws.close()
            assert (await nurse.expect("peer-left"))["role"] == "client"
            again = Peer("client")
            await again.open(session, _url(server, room, "client"))
            assert (await again.expect("joined"))["peer"] is True
            await nurse.expect("peer-joined")
            await again.close()
        finally:
            await nurse.close()
            await client.close()


async def test_a_relayed_message_of_an_unknown_type_goes_nowhere(server: TestServer) -> None:
    room = new_room_id()
    async with aiohttp.ClientSession() as session:
        nurse, client = Peer("nurse"), Peer("client")
        try:
            await nurse.open(session, _url(server, room, "nurse"))
            await client.open(session, _url(server, room, "client"))
            await nurse.expect("peer-joined")
            await client.ws.send_json({"type": "joined", "role": "nurse"})
            await client.ws.send_str("not json")
            await client.ws.send_json({"type": "candidate", "candidate": {"candidate": ""}})
            relayed = await nurse.expect("candidate")
            assert relayed["from"] == "client"
        finally:
            await nurse.close()
            await client.close()
