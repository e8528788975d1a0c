"""The pre-call check's server peer: it echoes the resident's camera and microphone back.

The browser sends an offer with its tracks and a data channel; this peer (aiortc) sends
each received track straight back and answers the data channel's pings (`ping <n>` →
`pong <n>`) and `stats` requests (what it received: packets, loss, round-trip time from
RTCP), so the page can show the picture it got back, the round-trip time and the loss.
At most `limit` checks run at once, each for at most `max_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiortc import (
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack
from aiortc.stats import RTCInboundRtpStreamStats, RTCRemoteInboundRtpStreamStats


class PrecallBusy(Exception):
    """Too many checks are running; try again in a moment."""


def ice_configuration(servers: tuple[dict[str, Any], ...]) -> RTCConfiguration:
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(
                urls=server["urls"],
                username=server.get("username"),
                credential=server.get("credential"),
            )
            for server in servers
        ]
    )


async def _stats(pc: RTCPeerConnection) -> dict[str, Any]:
    report = await pc.getStats()
    received = lost = 0
    rtts: list[float] = []
    for item in report.values():
        if isinstance(item, RTCInboundRtpStreamStats):
            received += item.packetsReceived
            lost += max(0, item.packetsLost)
        elif isinstance(item, RTCRemoteInboundRtpStreamStats) and item.roundTripTime:
            rtts.append(item.roundTripTime * 1000)
    total = received + lost
    return {
        "type": "stats",
        "packets": received,
        "loss_pct": round(100 * lost / total, 2) if total else 0.0,
        "rtt_ms": round(sum(rtts) / len(rtts), 1) if rtts else None,
    }


class PrecallEchoes:
    """The running echo peers."""

    def __init__(
        self,
        ice_servers: tuple[dict[str, Any], ...] = (),
        *,
        limit: int = 2,
        max_seconds: float = 60,
    ) -> None:
        self.ice_servers = ice_servers
        self.limit = limit
        self.max_seconds = max_seconds
        self._peers: set[RTCPeerConnection] = set()
        self._timers: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._peers)

    async def answer(self, sdp: str, kind: str = "offer") -> RTCSessionDescription:
        if len(self._peers) >= self.limit:
            raise PrecallBusy
        pc = RTCPeerConnection(ice_configuration(self.ice_servers))
        self._peers.add(pc)

        @pc.on("track")
        def _echo(track: MediaStreamTrack) -> None:
            pc.addTrack(track)

        @pc.on("datachannel")
        def _channel(channel: RTCDataChannel) -> None:
            @channel.on("message")
            async def _message(message: str | bytes) -> None:
                text = message.decode(errors="replace") if isinstance(message, bytes) else message
                if text.startswith("ping"):
                    channel.send("pong" + text[4:40])
                elif text == "stats":
                    channel.send(json.dumps(await _stats(pc)))

        @pc.on("connectionstatechange")
        async def _state() -> None:
            if pc.connectionState in ("failed", "closed"):
                await self._close(pc)

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception:
            await self._close(pc)
            raise
        timer = asyncio.create_task(self._expire(pc))
        self._timers.add(timer)
        timer.add_done_callback(self._timers.discard)
        return pc.localDescription

    async def _expire(self, pc: RTCPeerConnection) -> None:
        await asyncio.sleep(self.max_seconds)
        await self._close(pc)

    async def _close(self, pc: RTCPeerConnection) -> None:
        self._peers.discard(pc)
        await pc.close()

    async def close(self) -> None:
        for timer in list(self._timers):
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        await asyncio.gather(*(self._close(pc) for pc in list(self._peers)))
