"""The pre-call check's echo peer, with a real aiortc peer as the browser."""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp
from aiohttp.test_utils import TestServer
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamTrack, VideoStreamTrack
from av import VideoFrame

from assistant.keys import SETTINGS
from telecare.tokens import new_room_id, sign
from telecare.web.context import TELECARE


async def _offer(pc: RTCPeerConnection) -> dict[str, str]:
    await pc.setLocalDescription(await pc.createOffer())
    return {"sdp": pc.localDescription.sdp, "type": "offer"}


async def test_the_echo_peer_sends_our_video_back_and_answers_pings(server: TestServer) -> None:
    secret = server.app[SETTINGS].secret
    link = sign(secret, new_room_id(), "client", purpose="link", ttl_s=600)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    echoed: list[MediaStreamTrack] = []
    got_track = asyncio.Event()
    pongs: asyncio.Queue[str] = asyncio.Queue()

    @pc.on("track")
    def _track(track: MediaStreamTrack) -> None:
        if track.kind == "video":
            echoed.append(track)
            got_track.set()

    channel = pc.createDataChannel("precall")
    channel.on("message", pongs.put_nowait)
    opened = asyncio.Event()
    channel.on("open", opened.set)
    pc.addTrack(VideoStreamTrack())
    pc.addTrack(AudioStreamTrack())
    async with aiohttp.ClientSession() as session:
        page = await session.get(server.make_url(f"/call/{link}/precall"))
        token = re.search(r'data-token="([^"]+)"', await page.text())
        assert token is not None
        response = await session.post(
            server.make_url("/precall/offer"), json={**await _offer(pc), "token": token.group(1)}
        )
        assert response.status == 200
        answer = await response.json()
    try:
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await asyncio.wait_for(got_track.wait(), 10)
        frame = await asyncio.wait_for(echoed[0].recv(), 10)
        assert isinstance(frame, VideoFrame)
        assert (frame.width, frame.height) == (640, 480)

        await asyncio.wait_for(opened.wait(), 10)
        channel.send("ping 7")
        assert await asyncio.wait_for(pongs.get(), 5) == "pong 7"
        await asyncio.sleep(1)
        channel.send("stats")
        report = json.loads(await asyncio.wait_for(pongs.get(), 5))
        assert report["type"] == "stats" and report["packets"] > 0 and report["loss_pct"] == 0
        assert len(server.app[TELECARE].precall) == 1
    finally:
        await pc.close()


async def test_only_a_few_checks_run_at_once(server: TestServer) -> None:
    precall = server.app[TELECARE].precall
    precall.limit = 1
    token = sign(server.app[SETTINGS].secret, "precall", "client", purpose="precall", ttl_s=60)
    peers = [RTCPeerConnection(RTCConfiguration(iceServers=[])) for _ in range(2)]
    statuses = []
    try:
        async with aiohttp.ClientSession() as session:
            for pc in peers:
                pc.addTrack(VideoStreamTrack())
                response = await session.post(
                    server.make_url("/precall/offer"), json={**await _offer(pc), "token": token}
                )
                statuses.append(response.status)
        assert statuses == [200, 503]
    finally:
        for pc in peers:
            await pc.close()
        await precall.close()
    assert len(precall) == 0
