"""Telecare call set-up benchmark: join → connected and time to first frame, through a real
gateway (`apuri gateway` in a subprocess, real Redis and SQLite), on loopback.

Two kinds of callers:
  aiortc (default)   two aiortc peers per call, as in tests/telecare/test_signaling.py;
  --browser          two headless Chromiums (Debian's /usr/bin/chromium, fake cameras),
                     the nurse signed in on the console, the resident on the link page,
                     timed by the page's own probe (window.apuriCall).
For each call: set-up = the second party's join → both sides `connected`; first frame =
the same join → the first remote video frame on both sides. p50/p95 over `--calls`
calls, and the gateway's CPU (user+system) per call. Media goes browser to browser, so
the gateway only relays signaling. Also: the pre-call echo peer's CPU per check.

Writes `benchmarks/results/telecare.json` (one entry per caller kind).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import aioice.ice
import psutil
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import VideoStreamTrack

from assistant.local_stack import start_gateway
from telecare.tokens import new_room_id, sign
from tests.telecare.peer import SignalingPeer, negotiate

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "telecare.json"
SECRET = "benchmark-secret-key-0123456789abcdef"  # noqa: S105 (a throw-away gateway)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
TIMEOUT_S = 20
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "benchmark nurse password"  # noqa: S105


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 3)


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": _percentile(values, 50),
        "p95": _percentile(values, 95),
        "max": round(max(values), 3),
        "mean": round(statistics.fmean(values), 3),
    }


async def _aiortc_call(session: aiohttp.ClientSession, base: str) -> tuple[float, float]:
    room = new_room_id()

    def url(role: str) -> str:
        token = sign(SECRET.encode(), room, role, purpose="room", ttl_s=120)  # type: ignore[arg-type]
        return f"{base.replace('http', 'ws', 1)}/telecare/signal/{room}?token={token}"

    nurse = SignalingPeer("nurse", audio=False, timeout_s=TIMEOUT_S)
    client = SignalingPeer("client", audio=False, timeout_s=TIMEOUT_S)
    await nurse.open(session, url("nurse"))
    await nurse.expect("joined")
    started = time.perf_counter()  # the resident joins: the call can begin
    await client.open(session, url("client"))
    await nurse.expect("peer-joined")
    await negotiate(nurse, client)
    connected = time.perf_counter() - started
    await asyncio.gather(nurse.first_frame(), client.first_frame())
    first_frame = time.perf_counter() - started
    await nurse.close()
    await client.close()
    return connected, first_frame


async def _aiortc_calls(base: str, calls: int) -> tuple[list[float], list[float]]:
    setups, frames = [], []
    async with aiohttp.ClientSession() as session:
        for _ in range(calls):
            setup, frame = await _aiortc_call(session, base)
            setups.append(setup)
            frames.append(frame)
    return setups, frames


def _browser_calls(base: str, calls: int, clips: Path) -> tuple[list[float], list[float]]:
    """Chromium pairs: the nurse accepts from the console, the resident opens the link."""
    from playwright.sync_api import sync_playwright
    from redis.asyncio import Redis

    from telecare.queue import CallQueue

    async def enqueue() -> str:
        redis = Redis.from_url(REDIS_URL)
        try:
            request = await CallQueue(redis, "helsinki").enqueue(
                room=new_room_id(), urgency="normal", lang="fi", reason="benchmark"
            )
        finally:
            await redis.aclose()
        return request.room

    args = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        "--allow-loopback-in-peer-connection",
        "--disable-features=WebRtcHideLocalIpsWithMdns",
    ]
    setups, frames = [], []
    probe = (
        "() => window.apuriCall && window.apuriCall.connectedAt !== null"
        " && window.apuriCall.firstFrameAt !== null"
    )
    with sync_playwright() as playwright:
        browsers = [
            playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[*args, f"--use-file-for-fake-video-capture={clips / name}"],
            )
            for name in ("nurse.y4m", "client.y4m")
        ]
        nurse = browsers[0].new_page()
        nurse.goto(f"{base}/nurse/login?lang=en")
        nurse.get_by_label("User name").fill("bench.nurse")
        nurse.get_by_label("Password").fill(PASSWORD)
        nurse.get_by_role("button", name="Sign in").click()
        nurse.wait_for_url("**/nurse?**")
        csrf = nurse.locator("main.console").get_attribute("data-csrf") or ""
        client = browsers[1].new_page()
        for _ in range(calls):
            # Playwright's own loop runs in this thread: Redis from a worker thread.
            with ThreadPoolExecutor(1) as pool:
                room = pool.submit(asyncio.run, enqueue()).result()
            accepted = nurse.request.post(f"{base}/nurse/accept", headers={"X-CSRF-Token": csrf})
            assert accepted.json()["room"] == room
            nurse.goto(f"{base}/nurse/call/{room}?lang=en")
            nurse.get_by_role("button", name="Join the call").click()
            nurse.wait_for_function(
                "() => document.getElementById('status').dataset.state === 'waitingClient'"
            )
            link = sign(SECRET.encode(), room, "client", purpose="link", ttl_s=600)
            client.goto(f"{base}/call/{link}?lang=en")
            client.get_by_role("button", name="Join the call").click()
            client.wait_for_function(probe, timeout=TIMEOUT_S * 1000)
            nurse.wait_for_function(probe, timeout=TIMEOUT_S * 1000)
            mine = client.evaluate("({...window.apuriCall})")
            other = nurse.evaluate("({...window.apuriCall})")
            # The resident's join starts the call; both pages' clocks are the epoch's.
            joined = mine["joinedAt"]
            setups.append((max(mine["connectedAt"], other["connectedAt"]) - joined) / 1000)
            frames.append((max(mine["firstFrameAt"], other["firstFrameAt"]) - joined) / 1000)
            client.get_by_role("button", name="End the call").click()
            nurse.goto("about:blank")
        for browser in browsers:
            browser.close()
    return setups, frames


def _clip(path: Path, y: int, u: int, v: int) -> None:
    width, height = 320, 240
    quarter = width * height // 4
    frame = b"FRAME\n" + bytes([y]) * (width * height) + bytes([u]) * quarter + bytes([v]) * quarter
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F30:1 Ip C420jpeg\n".encode() + frame * 10)


async def _one_precall(base: str, server: psutil.Process, token: str, seconds: float) -> float:
    """The gateway's CPU seconds during `seconds` of one connected echo check."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(VideoStreamTrack())
    connected = asyncio.Event()

    @pc.on("connectionstatechange")
    def _state() -> None:
        if pc.connectionState == "connected":
            connected.set()

    await pc.setLocalDescription(await pc.createOffer())
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"{base}/precall/offer",
            json={"sdp": pc.localDescription.sdp, "type": "offer", "token": token},
        )
        answer = await response.json()
    try:
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await asyncio.wait_for(connected.wait(), TIMEOUT_S)
        before = server.cpu_times()
        await asyncio.sleep(seconds)
        after = server.cpu_times()
    finally:
        await pc.close()
    return (after.user + after.system) - (before.user + before.system)


async def _precall_cpu(base: str, server: psutil.Process, checks: int, seconds: float) -> float:
    """Gateway CPU (cores) while one pre-call echo check runs."""
    token = sign(SECRET.encode(), "precall", "client", purpose="precall", ttl_s=600)
    used = 0.0
    for _ in range(checks):
        used += await _one_precall(base, server, token, seconds)
        await asyncio.sleep(0.5)
    return round(used / (checks * seconds), 3)


async def _prepare(var_dir: Path) -> None:
    from redis.asyncio import Redis

    from store.db import create_engine
    from telecare.accounts import NurseAccounts

    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    engine = create_engine(f"sqlite:///{var_dir / 'apuri.db'}")
    try:
        await NurseAccounts(engine).add(
            "bench.nurse", PASSWORD, display_name="Bench", team="helsinki", languages=("en",)
        )
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="apuri bench telecare", description=__doc__)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--browser", action="store_true", help="Chromium pairs, not aiortc")
    parser.add_argument("--precall-checks", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    # aiortc gathers on 127.0.0.1 only (loopback benchmark, and sandboxes without routes).
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

    kind = "chromium" if args.browser else "aiortc"
    with tempfile.TemporaryDirectory(prefix="apuri-bench-telecare-") as tmp:
        var_dir = Path(tmp)
        print(f"[bench] starting a gateway; {args.calls} calls between {kind} peers…", flush=True)
        process, base = start_gateway(
            var_dir,
            {
                "REDIS_URL": REDIS_URL,
                "APURI_SECRET_KEY": SECRET,
                "APURI_LOG_LEVEL": "WARNING",
                "APURI_SECURE_COOKIES": "true",
            },
            "/nurse/login",
        )
        server = psutil.Process(process.pid)
        try:
            asyncio.run(_prepare(var_dir))
            cpu_before = server.cpu_times()
            if args.browser:
                _clip(var_dir / "nurse.y4m", 76, 85, 255)
                _clip(var_dir / "client.y4m", 29, 255, 107)
                setups, frames = _browser_calls(base, args.calls, var_dir)
            else:
                setups, frames = asyncio.run(_aiortc_calls(base, args.calls))
            cpu_after = server.cpu_times()
            precall = (
                asyncio.run(_precall_cpu(base, server, args.precall_checks, 4.0))
                if args.precall_checks
                else None
            )
        finally:
            process.terminate()
            process.wait(30)
    cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    result = {
        "calls": args.calls,
        "setup_s": _summary(setups),
        "first_frame_s": _summary(frames),
        "gateway_cpu_s_per_call": round(cpu / args.calls, 4),
        "precall_echo_cpu_cores": precall,
        "goals": {"setup_s_p95": 1.0, "first_frame_s_p95": 1.5},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    }
    stored: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    stored[kind] = result
    args.out.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2))
    ok = result["setup_s"]["p95"] <= 1.0 and result["first_frame_s"]["p95"] <= 1.5
    print(f"[bench] goals {'met' if ok else 'NOT met'}: set-up ≤ 1 s, first frame ≤ 1.5 s (p95)")
    return 0 if ok else 1
