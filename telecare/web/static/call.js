// The call page, for the resident (role "client") and the nurse (role "nurse").
// Signaling goes through the gateway's WebSocket; media goes browser to browser.
// The nurse's side makes the offers (and the ICE restarts); the client's side answers.
// Text from the server is only ever put on the page with textContent.
"use strict";

(() => {
  const main = document.querySelector("main.call");
  if (!main) return;
  const role = main.dataset.role;
  const tokenUrl = main.dataset.tokenUrl;
  const csrf = main.dataset.csrf || "";
  const texts = document.getElementById("texts").dataset;
  const statusEl = document.getElementById("status");
  const remoteVideo = document.getElementById("remote");
  const localVideo = document.getElementById("local");
  const joinBtn = document.getElementById("join");
  const muteBtn = document.getElementById("mute");
  const cameraBtn = document.getElementById("camera");
  const hangupBtn = document.getElementById("hangup");

  const STATS_EVERY_MS = 2000;
  const REPORT_EVERY = 3; // send every third sample to the server
  const POOR_BITRATE_BPS = 150000;
  const POOR_LOSS_PCT = 15;

  let ws = null;
  let pc = null;
  let localStream = null;
  let iceServers = [];
  let ended = false;
  let audioOnly = false;
  let poorSamples = 0;
  let statsTimer = null;
  let samples = 0;
  let previous = null;
  let pending = [];
  let videoSlot = null; // the RTCRtpSender that carries our camera

  // Timings (milliseconds since the epoch, comparable between two pages on one machine)
  // and connection states, read by the browser tests and the benchmark.
  const now = () => performance.timeOrigin + performance.now();
  const probe = { joinedAt: null, connectedAt: null, firstFrameAt: null, states: [], restarts: 0 };
  window.apuriCall = probe;

  const waitingKey = role === "client" ? "waiting" : "waitingClient";

  function setStatus(key) {
    statusEl.textContent = texts[key] || "";
    statusEl.dataset.state = key;
  }

  function send(message) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  async function fetchToken() {
    const headers = csrf ? { "X-CSRF-Token": csrf } : {};
    const response = await fetch(tokenUrl, { method: "POST", headers, credentials: "same-origin" });
    if (response.status === 403 || response.status === 404) throw new Error("refused");
    if (!response.ok) throw new Error("retry");
    return response.json();
  }

  async function join() {
    joinBtn.hidden = true;
    for (const aside of document.querySelectorAll(".intro, .precall-link")) aside.hidden = true;
    probe.joinedAt = now();
    setStatus("connecting");
    try {
      localStream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: { ideal: 640 }, height: { ideal: 480 } },
      });
    } catch (error) {
      setStatus("noCamera");
      joinBtn.hidden = false;
      return;
    }
    localVideo.srcObject = localStream;
    muteBtn.hidden = false;
    cameraBtn.hidden = false;
    hangupBtn.hidden = false;
    await connectSignal();
  }

  async function connectSignal() {
    if (ended) return;
    let info;
    try {
      info = await fetchToken();
    } catch (error) {
      if (error.message === "refused") {
        setStatus("refused");
        return;
      }
      setTimeout(connectSignal, 2000);
      return;
    }
    iceServers = info.ice || [];
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${location.host}${info.ws}?token=${encodeURIComponent(info.token)}`;
    ws = new WebSocket(url);
    ws.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      onSignal(message).catch((error) => console.warn("signal", error));
    };
    ws.onclose = () => {
      if (ended) return;
      setStatus("reconnecting");
      setTimeout(connectSignal, 1500);
    };
  }

  function newPeer() {
    if (pc) pc.close();
    pending = [];
    previous = null;
    pc = new RTCPeerConnection({ iceServers });
    const peer = pc;
    for (const track of localStream.getTracks()) peer.addTrack(track, localStream);
    videoSlot = peer.getSenders().find((s) => s.track && s.track.kind === "video") || null;
    peer.onicecandidate = (event) => {
      if (event.candidate) send({ type: "candidate", candidate: event.candidate.toJSON() });
    };
    peer.ontrack = (event) => {
      if (event.track.kind !== "video") return;
      remoteVideo.srcObject = event.streams[0] || new MediaStream([event.track]);
      watchFirstFrame();
    };
    peer.onconnectionstatechange = () => {
      if (peer !== pc) return;
      probe.states.push(peer.connectionState);
      if (peer.connectionState === "connected") {
        if (probe.connectedAt === null) probe.connectedAt = now();
        setStatus(audioOnly ? "audioOnly" : "connected");
        startStats();
      } else if (peer.connectionState === "disconnected" || peer.connectionState === "failed") {
        setStatus("reconnecting");
        restartIce();
      }
    };
    return peer;
  }

  function watchFirstFrame() {
    const mark = () => {
      if (probe.firstFrameAt === null) probe.firstFrameAt = now();
    };
    if ("requestVideoFrameCallback" in remoteVideo) remoteVideo.requestVideoFrameCallback(mark);
    else remoteVideo.addEventListener("playing", mark, { once: true });
  }

  async function makeOffer(iceRestart) {
    const offer = await pc.createOffer({ iceRestart });
    await pc.setLocalDescription(offer);
    send({ type: "offer", sdp: pc.localDescription.sdp });
  }

  function restartIce() {
    probe.restarts += 1;
    if (role === "nurse") {
      if (pc) makeOffer(true).catch(() => {});
    } else {
      send({ type: "restart" });
    }
  }

  async function addCandidate(candidate) {
    try {
      await pc.addIceCandidate(candidate);
    } catch (error) {
      console.warn("candidate", error);
    }
  }

  async function onSignal(message) {
    switch (message.type) {
      case "joined":
        setStatus(message.peer ? "connecting" : waitingKey);
        if (message.peer) {
          newPeer();
          if (role === "nurse") await makeOffer(false);
        }
        break;
      case "peer-joined":
        setStatus("connecting");
        newPeer();
        if (role === "nurse") await makeOffer(false);
        break;
      case "peer-left":
        setStatus(waitingKey);
        break;
      case "offer":
        if (role !== "client") return;
        if (!pc) newPeer();
        await pc.setRemoteDescription({ type: "offer", sdp: message.sdp });
        for (const candidate of pending) await addCandidate(candidate);
        pending = [];
        await pc.setLocalDescription(await pc.createAnswer());
        send({ type: "answer", sdp: pc.localDescription.sdp });
        break;
      case "answer":
        if (role !== "nurse" || !pc) return;
        await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
        for (const candidate of pending) await addCandidate(candidate);
        pending = [];
        break;
      case "candidate":
        if (!message.candidate) return;
        if (pc && pc.remoteDescription) await addCandidate(message.candidate);
        else pending.push(message.candidate);
        break;
      case "restart":
        if (role === "nurse" && pc) await makeOffer(true);
        break;
      case "bye":
        finish();
        break;
      default:
        break;
    }
  }

  function startStats() {
    if (statsTimer === null) statsTimer = setInterval(sampleStats, STATS_EVERY_MS);
  }

  async function sampleStats() {
    if (!pc) return;
    const report = await pc.getStats();
    let rtt = null;
    let available = null;
    let received = 0;
    let lost = 0;
    let bytes = 0;
    let fps = null;
    report.forEach((item) => {
      if (item.type === "candidate-pair" && item.state === "succeeded" && item.nominated) {
        if (item.currentRoundTripTime !== undefined) rtt = item.currentRoundTripTime * 1000;
        if (item.availableOutgoingBitrate !== undefined) available = item.availableOutgoingBitrate;
      }
      if (item.type === "inbound-rtp") {
        received += item.packetsReceived || 0;
        lost += Math.max(0, item.packetsLost || 0);
        bytes += item.bytesReceived || 0;
        if (item.kind === "video" && item.framesPerSecond !== undefined) fps = item.framesPerSecond;
      }
    });
    const at = now();
    let lossPct = null;
    let bitrate = null;
    if (previous) {
      const got = received - previous.received;
      const missing = lost - previous.lost;
      lossPct = got + missing > 0 ? (100 * missing) / (got + missing) : 0;
      bitrate = ((bytes - previous.bytes) * 8) / (at - previous.at); // kbit/s
    }
    previous = { received, lost, bytes, at };
    const poor =
      (available !== null && available < POOR_BITRATE_BPS) ||
      (lossPct !== null && lossPct > POOR_LOSS_PCT);
    poorSamples = poor ? poorSamples + 1 : 0;
    if (poorSamples >= 2 && !audioOnly) setAudioOnly(true);
    samples += 1;
    if (samples % REPORT_EVERY === 1) {
      send({
        type: "stats",
        rtt_ms: rtt,
        loss_pct: lossPct,
        bitrate_kbps: bitrate,
        fps,
        audio_only: audioOnly,
      });
    }
  }

  function setAudioOnly(on) {
    audioOnly = on;
    const track = localStream.getVideoTracks()[0];
    if (videoSlot) videoSlot.replaceTrack(on ? null : track).catch(() => {});
    if (!on && track) track.enabled = true;
    setStatus(on ? "audioOnly" : "connected");
    cameraBtn.textContent = on ? texts.cameraOn : texts.cameraOff;
    cameraBtn.setAttribute("aria-pressed", String(on));
  }

  function toggleMute() {
    const tracks = localStream.getAudioTracks();
    const muted = tracks.length > 0 && tracks[0].enabled;
    for (const track of tracks) track.enabled = !muted;
    muteBtn.textContent = muted ? texts.unmute : texts.mute;
    muteBtn.setAttribute("aria-pressed", String(muted));
  }

  function toggleCamera() {
    if (audioOnly) {
      setAudioOnly(false);
      return;
    }
    const tracks = localStream.getVideoTracks();
    const off = tracks.length > 0 && tracks[0].enabled;
    for (const track of tracks) track.enabled = !off;
    cameraBtn.textContent = off ? texts.cameraOn : texts.cameraOff;
    cameraBtn.setAttribute("aria-pressed", String(off));
  }

  function finish() {
    ended = true;
    if (statsTimer !== null) clearInterval(statsTimer);
    sampleStats().catch(() => {});
    if (pc) pc.close();
    if (localStream) for (const track of localStream.getTracks()) track.stop();
    if (ws) ws.close();
    muteBtn.hidden = true;
    cameraBtn.hidden = true;
    hangupBtn.hidden = true;
    setStatus("ended");
  }

  function hangUp() {
    send({ type: "bye" });
    finish();
  }

  // Expose the media controls to tests (the buttons do the same).
  probe.setAudioOnly = setAudioOnly;
  probe.restartIce = restartIce;

  joinBtn.addEventListener("click", join);
  muteBtn.addEventListener("click", toggleMute);
  cameraBtn.addEventListener("click", toggleCamera);
  hangupBtn.addEventListener("click", hangUp);
  setStatus(role === "client" ? "waiting" : "waitingClient");
  statusEl.textContent = "";
})();
