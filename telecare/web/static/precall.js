// The pre-call check: camera, microphone and network, against the gateway's echo peer.
// The server (aiortc) sends our own camera back; a data channel measures the round trip
// ("ping n" -> "pong n") and asks the server what it received ("stats").
"use strict";

(() => {
  const main = document.querySelector("main.precall");
  if (!main) return;
  const texts = document.getElementById("texts").dataset;
  const startBtn = document.getElementById("start");
  const echo = document.getElementById("echo");
  const detail = document.getElementById("network-detail");
  const RUN_MS = 10000;
  const result = { camera: null, microphone: null, network: null, rttMs: null, lossPct: null };
  window.apuriPrecall = result;

  function mark(name, ok) {
    result[name] = ok;
    const el = document.getElementById(`check-${name}`);
    el.dataset.state = ok ? "ok" : "fail";
    el.textContent = ok ? texts.ok : texts.fail;
  }

  function hearsSound(stream) {
    return new Promise((resolve) => {
      const track = stream.getAudioTracks()[0];
      if (!track) return resolve(false);
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      context.createMediaStreamSource(stream).connect(analyser);
      const data = new Uint8Array(analyser.fftSize);
      const until = performance.now() + 2500;
      const listen = () => {
        analyser.getByteTimeDomainData(data);
        const peak = Math.max(...data.map((v) => Math.abs(v - 128)));
        if (peak > 2) {
          context.close();
          resolve(true);
        } else if (performance.now() > until) {
          context.close();
          resolve(track.readyState === "live" && false);
        } else {
          setTimeout(listen, 100);
        }
      };
      listen();
    });
  }

  function gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (pc.iceGatheringState === "complete") resolve();
      };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, 2000);
    });
  }

  async function run() {
    startBtn.disabled = true;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    } catch (error) {
      detail.textContent = texts.noCamera;
      mark("camera", false);
      mark("microphone", false);
      startBtn.disabled = false;
      return;
    }
    const video = stream.getVideoTracks()[0];
    mark("camera", Boolean(video && video.readyState === "live"));
    const microphone = hearsSound(stream);

    const pc = new RTCPeerConnection({ iceServers: [] });
    const channel = pc.createDataChannel("precall");
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    let echoed = false;
    pc.ontrack = (event) => {
      if (event.track.kind !== "video") return;
      echo.srcObject = new MediaStream([event.track]);
      echo.addEventListener("playing", () => (echoed = true), { once: true });
    };
    const rtts = [];
    const sent = new Map();
    let serverStats = null;
    channel.onmessage = (event) => {
      if (event.data.startsWith("pong")) {
        const n = event.data.slice(5);
        if (sent.has(n)) rtts.push(performance.now() - sent.get(n));
      } else {
        try {
          serverStats = JSON.parse(event.data);
        } catch (error) {
          serverStats = null;
        }
      }
    };
    channel.onopen = () => {
      let n = 0;
      const ping = setInterval(() => {
        if (channel.readyState !== "open" || n >= 20) return clearInterval(ping);
        n += 1;
        sent.set(String(n), performance.now());
        channel.send(`ping ${n}`);
      }, 250);
    };
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const response = await fetch("/precall/offer", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        sdp: pc.localDescription.sdp,
        type: "offer",
        token: main.dataset.token,
      }),
    });
    if (!response.ok) {
      detail.textContent = response.status === 503 ? texts.busy : texts.fail;
      mark("microphone", await microphone);
      mark("network", false);
      startBtn.disabled = false;
      return;
    }
    await pc.setRemoteDescription(await response.json());
    mark("microphone", await microphone);
    await new Promise((resolve) => setTimeout(resolve, RUN_MS / 2));
    if (channel.readyState === "open") channel.send("stats");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    rtts.sort((a, b) => a - b);
    result.rttMs = rtts.length ? Math.round(rtts[Math.floor(rtts.length / 2)]) : null;
    result.lossPct = serverStats ? serverStats.loss_pct : null;
    const good = echoed && result.rttMs !== null && result.rttMs < 400 && (result.lossPct ?? 0) < 5;
    mark("network", good);
    detail.textContent = `RTT ${result.rttMs ?? "–"} ms · ${result.lossPct ?? "–"} %`;
    setTimeout(() => {
      pc.close();
      for (const track of stream.getTracks()) track.stop();
      startBtn.disabled = false;
    }, RUN_MS / 2);
  }

  startBtn.addEventListener("click", () => {
    run().catch((error) => {
      console.warn("precall", error);
      mark("network", false);
      startBtn.disabled = false;
    });
  });
})();
