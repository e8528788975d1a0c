"""A scripted call party: an aiortc RTCPeerConnection that speaks the gateway's signaling
protocol (`/telecare/signal/{room}`). The signaling tests and the call benchmark use it as
the second browser; it plays a test video (and tone) and records what it goes through."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamTrack, VideoStreamTrack
from av import VideoFrame


class SignalingPeer:
    """One side of a call: its peer connection, its signaling socket, its states and tracks."""

    def __init__(self, role: str, *, audio: bool = True, timeout_s: float = 15) -> None:
        self.role = role
        self.timeout_s = timeout_s
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.states = [self.pc.connectionState]
        self.connected = asyncio.Event()
        self.tracks: list[MediaStreamTrack] = []
        self.got_track = asyncio.Event()
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.pc.addTrack(VideoStreamTrack())
        if audio:
            self.pc.addTrack(AudioStreamTrack())

        @self.pc.on("connectionstatechange")
        def _state() -> None:
            self.states.append(self.pc.connectionState)
            if self.pc.connectionState == "connected":
                self.connected.set()

        @self.pc.on("track")
        def _track(track: MediaStreamTrack) -> None:
            self.tracks.append(track)
            if track.kind == "video":
                self.got_track.set()

    async def open(self, session: aiohttp.ClientSession, url: str) -> None:
        self.ws = await session.ws_connect(url)
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            await self.messages.put(json.loads(message.data))

    async def expect(self, kind: str) -> dict[str, Any]:
        """The next signaling message of type `kind` (others are skipped)."""
        while True:
            message = await asyncio.wait_for(self.messages.get(), self.timeout_s)
            if message["type"] == kind:
                return message

    async def first_frame(self) -> VideoFrame:
        """The first video frame received from the other side."""
        await asyncio.wait_for(self.got_track.wait(), self.timeout_s)
        track = next(track for track in self.tracks if track.kind == "video")
        frame = await asyncio.wait_for(track.recv(), self.timeout_s)
        assert isinstance(frame, VideoFrame)
        return frame

    async def close(self) -> None:
        await self.pc.close()
        if hasattr(self, "ws"):
            await self.ws.close()
            self.reader.cancel()


async def negotiate(offerer: SignalingPeer, answerer: SignalingPeer) -> dict[str, Any]:
    """Offer, answer and wait until both are connected; returns the offer as relayed."""
    await offerer.pc.setLocalDescription(await offerer.pc.createOffer())
    await offerer.ws.send_json({"type": "offer", "sdp": offerer.pc.localDescription.sdp})
    offer = await answerer.expect("offer")
    await answerer.pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
    await answerer.pc.setLocalDescription(await answerer.pc.createAnswer())
    await answerer.ws.send_json({"type": "answer", "sdp": answerer.pc.localDescription.sdp})
    answer = await offerer.expect("answer")
    await offerer.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
    await asyncio.wait_for(
        asyncio.gather(offerer.connected.wait(), answerer.connected.wait()), offerer.timeout_s
    )
    return offer
