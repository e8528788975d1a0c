// The nurse console: the live queue over a WebSocket, and "accept the next call".
"use strict";

(() => {
  const main = document.querySelector("main.console");
  if (!main) return;
  const csrf = main.dataset.csrf;
  const lang = main.dataset.lang;
  const texts = document.getElementById("texts").dataset;
  const body = document.getElementById("queue");
  const mine = document.getElementById("mine");
  const live = document.getElementById("live");
  const acceptBtn = document.getElementById("accept");
  let items = [];
  let receivedAt = 0;

  function waited(seconds) {
    const s = Math.max(0, Math.round(seconds));
    const m = Math.floor(s / 60);
    return `${m}:${String(s % 60).padStart(2, "0")}`;
  }

  function cell(row, value, className) {
    const td = document.createElement("td");
    td.textContent = value;
    if (className) td.className = className;
    row.appendChild(td);
  }

  function render() {
    const elapsed = (Date.now() - receivedAt) / 1000;
    body.replaceChildren();
    if (items.length === 0) {
      const row = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = 5;
      td.textContent = texts.queueEmpty;
      row.appendChild(td);
      body.appendChild(row);
    }
    for (const item of items) {
      const row = document.createElement("tr");
      row.className = `urgency-${item.urgency}`;
      cell(row, texts[item.urgency] || item.urgency, "urgency");
      cell(row, waited(item.waiting_s + elapsed), "waited");
      cell(row, item.lang.toUpperCase());
      cell(row, item.reason);
      cell(row, item.channel + (item.callback ? " ☎" : ""));
      body.appendChild(row);
    }
    acceptBtn.disabled = items.length === 0;
  }

  function renderMine(list) {
    mine.replaceChildren();
    for (const item of list) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = `/nurse/call/${encodeURIComponent(item.room)}?lang=${lang}`;
      a.textContent = `${texts.openCall}: ${item.reason}`;
      li.appendChild(a);
      mine.appendChild(li);
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/nurse/ws`);
    ws.onopen = () => {
      live.textContent = texts.live;
      live.dataset.state = "live";
    };
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type !== "queue") return;
      items = message.waiting;
      receivedAt = Date.now();
      render();
      renderMine(message.mine);
    };
    ws.onclose = () => {
      live.textContent = texts.offline;
      live.dataset.state = "offline";
      setTimeout(connect, 2000);
    };
  }

  acceptBtn.addEventListener("click", async () => {
    acceptBtn.disabled = true;
    const response = await fetch("/nurse/accept", {
      method: "POST",
      headers: { "X-CSRF-Token": csrf },
      credentials: "same-origin",
    });
    const result = response.ok ? await response.json() : { room: null };
    if (result.room) location.assign(`${result.url}?lang=${lang}`);
    else acceptBtn.disabled = false;
  });

  setInterval(render, 1000);
  render();
  connect();
})();
