"""Telecare in two real headless Chromiums (Debian's /usr/bin/chromium) through a real gateway.

The nurse's browser films a red clip, the resident's a blue one (fake cameras from y4m
files written here). The nurse signs in, sees the waiting request on the console,
accepts it and joins; the resident opens the link and joins. Each browser then samples
the colour of the *other* side's video on a canvas. The gateway is the real telecare app
(Redis, SQLite, signaling) in a thread, on 127.0.0.1.

Set APURI_SCREENSHOTS=docs/screenshots to keep the console, call and pre-call screenshots.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from redis.asyncio import Redis

from assistant.keys import DATABASE
from assistant.settings import Settings
from telecare import stats
from telecare.accounts import NurseAccounts
from telecare.queue import CallRequest
from telecare.tokens import sign
from telecare.web.context import TELECARE
from tests.telecare.conftest import PASSWORD, TELECARE_REDIS_URL, make_app

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
RED = (230, 30, 30)
BLUE = (30, 60, 230)
T = TypeVar("T")
SAMPLE_COLOUR = """(video) => {
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 48;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(video, 0, 0, 64, 48);
  const data = ctx.getImageData(16, 12, 32, 24).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) {
    sum[0] += data[i]; sum[1] += data[i + 1]; sum[2] += data[i + 2];
  }
  const n = data.length / 4;
  return sum.map((v) => Math.round(v / n));
}"""


def write_y4m(path: Path, rgb: tuple[int, int, int], width: int = 320, height: int = 240) -> Path:
    """A one-colour YUV 4:2:0 clip (10 frames; Chromium loops it)."""
    r, g, b = rgb
    y = round(0.299 * r + 0.587 * g + 0.114 * b)
    u = round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)
    v = round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)
    frame = (
        b"FRAME\n"
        + bytes([y]) * (width * height)
        + bytes([u]) * (width * height // 4)
        + bytes([v]) * (width * height // 4)
    )
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * 10)
    return path


class Gateway:
    """The telecare app on its own event loop in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = make_app(settings)
        self.runner = web.AppRunner(self.app)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def run(self, coroutine: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await coroutine

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout=30)

    def start(self) -> None:
        self.thread.start()
        self.run(self.runner.setup())
        self.run(web.TCPSite(self.runner, "127.0.0.1", self.port).start())

    def stop(self) -> None:
        self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture
def gateway(settings: Settings) -> Iterator[Gateway]:
    async def flush() -> None:
        client = Redis.from_url(TELECARE_REDIS_URL)
        await client.flushdb()
        await client.aclose()

    running = Gateway(settings.with_(redis_url=TELECARE_REDIS_URL))
    running.start()
    running.run(flush())
    yield running
    running.run(flush())
    running.stop()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh (it installs Debian's chromium)")
    with sync_playwright() as running:
        yield running


def launch(playwright: Playwright, clip: Path) -> Browser:
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            "--allow-loopback-in-peer-connection",
            "--disable-features=WebRtcHideLocalIpsWithMdns",
            f"--use-file-for-fake-video-capture={clip}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )


def colour_of(page: Page, selector: str) -> list[int]:
    return page.eval_on_selector(selector, SAMPLE_COLOUR)  # type: ignore[no-any-return]


def dominant(rgb: list[int]) -> str:
    return "red" if rgb[0] > rgb[2] + 60 else "blue" if rgb[2] > rgb[0] + 60 else "unclear"


def wait_for_call(page: Page) -> dict[str, Any]:
    page.wait_for_function(
        "() => window.apuriCall && window.apuriCall.connectedAt !== null"
        " && window.apuriCall.firstFrameAt !== null",
        timeout=20_000,
    )
    return page.evaluate("({...window.apuriCall})")  # type: ignore[no-any-return]


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("APURI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"telecare-{name}.png"), full_page=True)


def test_nurse_and_resident_see_each_other(
    gateway: Gateway, playwright: Playwright, tmp_path: Path
) -> None:
    telecare = gateway.app[TELECARE]
    accounts = NurseAccounts(gateway.app[DATABASE])
    gateway.run(accounts.add("anna.nurse", PASSWORD, display_name="Anna Nurse", team="helsinki"))
    request: CallRequest = gateway.run(
        telecare.queue.enqueue(
            room=__import__("telecare.tokens").tokens.new_room_id(),
            urgency="soon",
            lang="fi",
            reason="Äidin lääkkeet loppuivat",
            summary="hei\nÄidin lääkkeet loppuivat",
        )
    )
    link = sign(telecare.settings.secret, request.room, "client", purpose="link", ttl_s=600)

    nurse_browser = launch(playwright, write_y4m(tmp_path / "red.y4m", RED))
    client_browser = launch(playwright, write_y4m(tmp_path / "blue.y4m", BLUE))
    try:
        nurse = nurse_browser.new_page(viewport={"width": 1280, "height": 900}, locale="fi-FI")
        nurse.goto(f"{gateway.url}/nurse/login?lang=fi")
        nurse.get_by_label("Käyttäjätunnus").fill("anna.nurse")
        nurse.get_by_label("Salasana").fill(PASSWORD)
        nurse.get_by_role("button", name="Kirjaudu sisään").click()
        expect(nurse.locator("#queue tr.urgency-soon")).to_contain_text("Äidin lääkkeet loppuivat")
        expect(nurse.locator("#live")).to_have_attribute("data-state", "live")
        shoot(nurse, "console")

        nurse.get_by_role("button", name="Ota seuraava puhelu").click()
        nurse.wait_for_url(f"**/nurse/call/{request.room}**")
        expect(nurse.locator("aside.about")).to_contain_text("Äidin lääkkeet loppuivat")
        nurse.get_by_role("button", name="Liity puheluun").click()

        client = client_browser.new_page(viewport={"width": 1024, "height": 768}, locale="fi-FI")
        client.goto(f"{gateway.url}/call/{link}?lang=fi")
        client.get_by_role("button", name="Liity puheluun").click()

        nurse_probe = wait_for_call(nurse)
        client_probe = wait_for_call(client)
        assert nurse_probe["states"][-1] == "connected"
        assert client_probe["states"][-1] == "connected"
        expect(client.locator("#status")).to_have_text("Puhelu on käynnissä")
        client.wait_for_timeout(1000)  # a few frames of the clip, not the first black one

        seen_by_nurse = colour_of(nurse, "#remote")
        seen_by_client = colour_of(client, "#remote")
        assert dominant(seen_by_nurse) == "blue", f"nurse sees {seen_by_nurse}, not the client"
        assert dominant(seen_by_client) == "red", f"client sees {seen_by_client}, not the nurse"
        shoot(client, "call")

        # getStats() summaries reach the server while the call goes on.
        client.wait_for_timeout(2500)
        quality = gateway.run(stats.quality(gateway.app[DATABASE], request.room))
        assert quality.samples >= 2 and quality.rtt_ms_median is not None

        # A network change: the nurse's side restarts ICE; the call comes back, video flows.
        nurse.evaluate("window.apuriCall.restartIce()")
        nurse.wait_for_function(
            "() => window.apuriCall.restarts === 1"
            " && window.apuriCall.states[window.apuriCall.states.length - 1] === 'connected'"
        )
        client.wait_for_timeout(1000)
        assert dominant(colour_of(nurse, "#remote")) == "blue"
        # Poor bandwidth: the resident's side drops its video and says so; audio goes on.
        client.evaluate("window.apuriCall.setAudioOnly(true)")
        expect(client.locator("#status")).to_have_attribute("data-state", "audioOnly")
        assert (
            client.evaluate(
                "document.getElementById('local').srcObject.getAudioTracks()[0].readyState"
            )
            == "live"
        )
        client.get_by_role("button", name="Kamera päälle").click()
        expect(client.locator("#status")).to_have_text("Puhelu on käynnissä")

        # Mute and camera off are plain toggles on the resident's own tracks.
        client.get_by_role("button", name="Mikrofoni pois").click()
        assert (
            client.evaluate(
                "document.getElementById('local').srcObject.getAudioTracks()[0].enabled"
            )
            is False
        )
        client.get_by_role("button", name="Lopeta puhelu").click()
        expect(client.locator("#status")).to_have_text("Puhelu päättyi. Kiitos!")

        precall = client_browser.new_page(viewport={"width": 1024, "height": 768}, locale="fi-FI")
        precall.goto(f"{gateway.url}/call/{link}/precall?lang=fi")
        precall.get_by_role("button", name="Aloita testi").click()
        expect(precall.locator("#check-network")).to_have_attribute(
            "data-state", "ok", timeout=20_000
        )
        expect(precall.locator("#check-camera")).to_have_attribute("data-state", "ok")
        result = precall.evaluate("({...window.apuriPrecall})")
        assert result["rttMs"] is not None and result["rttMs"] < 400
        shoot(precall, "precall")
    finally:
        nurse_browser.close()
        client_browser.close()
