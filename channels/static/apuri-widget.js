/* Apuri web chat widget: one script tag on any page.
 *
 *   <script src="https://apuri.example/widget/apuri-widget.js" data-lang="fi" defer></script>
 *
 * The gateway's address comes from this script's own src. Messages go over the WebSocket
 * /ws/chat; when it cannot be reached they go to POST /api/web/messages. Everything the
 * resident or Apuri wrote is shown as text nodes only, never parsed as HTML.
 */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || window.__apuriWidget) return;
  window.__apuriWidget = true;

  const BASE = new URL(script.src, location.href);
  const ROOT = BASE.href.replace(/\/widget\/[^/]*$/, "");
  const WS_URL = ROOT.replace(/^http/, "ws") + "/ws/chat";
  const HTTP_URL = ROOT + "/api/web/messages";
  const STORE = "apuri-widget:" + ROOT;
  const LANGS = ["fi", "sv", "en"];
  const MAX_CHARS = 2000;
  const MAX_KEPT = 150;

  const UI = {
    fi: {
      open: "Kysy Apurilta", close: "Sulje keskustelu", title: "Apuri",
      subtitle: "Helsingin kaupungin neuvoja", person: "Puhu ihmisen kanssa",
      label: "Kirjoita viesti", placeholder: "Kirjoita kysymyksesi…", send: "Lähetä",
      typing: "Apuri kirjoittaa…", you: "Sinä:", apuri: "Apuri:", log: "Keskustelu Apurin kanssa",
      langs: "Kieli", newTab: "(avautuu uuteen välilehteen)", offline: "Yhteys katkesi. Yhdistetään uudelleen…",
      privacy: "Älä kirjoita henkilötunnusta tai terveystietoja.", service: "Palvelu", booking: "Varaus",
      handoff: "Ohjaus ihmiselle", error: "Viestiä ei voitu lähettää. Yritä uudelleen.",
      welcome: "Hei! Kysy minulta Helsingin kaupungin palveluista suomeksi, ruotsiksi tai englanniksi.",
    },
    sv: {
      open: "Fråga Apuri", close: "Stäng chatten", title: "Apuri",
      subtitle: "Helsingfors stads rådgivare", person: "Tala med en människa",
      label: "Skriv ett meddelande", placeholder: "Skriv din fråga…", send: "Skicka",
      typing: "Apuri skriver…", you: "Du:", apuri: "Apuri:", log: "Samtal med Apuri",
      langs: "Språk", newTab: "(öppnas i en ny flik)", offline: "Anslutningen bröts. Ansluter igen…",
      privacy: "Skriv inte din personbeteckning eller hälsouppgifter.", service: "Tjänst", booking: "Bokning",
      handoff: "Hänvisning till en människa", error: "Meddelandet kunde inte skickas. Försök igen.",
      welcome: "Hej! Fråga mig om Helsingfors stads tjänster på svenska, finska eller engelska.",
    },
    en: {
      open: "Ask Apuri", close: "Close the chat", title: "Apuri",
      subtitle: "City of Helsinki's assistant", person: "Talk to a person",
      label: "Write a message", placeholder: "Write your question…", send: "Send",
      typing: "Apuri is typing…", you: "You:", apuri: "Apuri:", log: "Conversation with Apuri",
      langs: "Language", newTab: "(opens in a new tab)", offline: "The connection was lost. Reconnecting…",
      privacy: "Do not write your personal identity code or health details.", service: "Service",
      booking: "Booking", handoff: "Referral to a person", error: "The message could not be sent. Please try again.",
      welcome: "Hello! Ask me about City of Helsinki services in English, Finnish or Swedish.",
    },
  };
  const LANG_NAMES = { fi: "Suomi", sv: "Svenska", en: "English" };
  const SWITCH_SAID = { fi: "Suomeksi", sv: "På svenska", en: "In English" };

  // ---- state, kept in localStorage so a reload continues the same conversation ----
  const randomId = (bytes) =>
    Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");

  function load() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORE) || "null");
      if (saved && typeof saved.conversation === "string" && Array.isArray(saved.transcript)) return saved;
    } catch (e) { /* storage off or damaged: start afresh */ }
    const asked = script.dataset.lang;
    return { conversation: randomId(16), lang: LANGS.includes(asked) ? asked : "fi", open: false, transcript: [], pending: [] };
  }
  const state = load();
  if (!LANGS.includes(state.lang)) state.lang = "fi";
  if (!Array.isArray(state.pending)) state.pending = [];
  function save() {
    state.transcript = state.transcript.slice(-MAX_KEPT);
    try { localStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* private mode: not kept */ }
  }
  const t = (key) => UI[state.lang][key];

  // ---- DOM helpers: text only ----
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function safeUrl(raw) {
    try {
      const url = new URL(String(raw), ROOT + "/");
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) { return null; }
  }
  function icon(path) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const p = document.createElementNS("http://www.w3.org/2000/svg", "path");
    p.setAttribute("d", path);
    svg.appendChild(p);
    return svg;
  }

  // ---- the widget's elements ----
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = ROOT + "/widget/apuri-widget.css";
  document.head.appendChild(css);

  const root = el("aside", "apuri-widget");
  root.hidden = true; // shown once the stylesheet is in, so it never flashes unstyled
  css.addEventListener("load", () => { root.hidden = false; });
  css.addEventListener("error", () => { root.hidden = false; });
  const launcher = el("button", "apuri-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "apuri-panel");
  launcher.appendChild(icon("M4 4h16v11H8l-4 4z"));
  const launcherText = el("span", "apuri-launcher-text");
  launcher.appendChild(launcherText);

  const panel = el("div", "apuri-panel");
  panel.id = "apuri-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");
  panel.setAttribute("aria-labelledby", "apuri-title");
  panel.hidden = true;

  const header = el("div", "apuri-header");
  const heading = el("div", "apuri-heading");
  const title = el("h2", "apuri-title");
  title.id = "apuri-title";
  const subtitle = el("p", "apuri-subtitle");
  heading.append(title, subtitle);
  const closeButton = el("button", "apuri-icon-button apuri-close");
  closeButton.type = "button";
  closeButton.appendChild(icon("M6 6l12 12M18 6L6 18"));
  const top = el("div", "apuri-top");
  top.append(heading, closeButton);

  const tools = el("div", "apuri-tools");
  const langGroup = el("div", "apuri-langs");
  langGroup.setAttribute("role", "group");
  const langButtons = {};
  for (const code of LANGS) {
    const b = el("button", "apuri-lang", code.toUpperCase());
    b.type = "button";
    b.lang = code;
    b.setAttribute("aria-label", LANG_NAMES[code]);
    b.addEventListener("click", () => switchLanguage(code));
    langButtons[code] = b;
    langGroup.appendChild(b);
  }
  const personButton = el("button", "apuri-person");
  personButton.type = "button";
  personButton.addEventListener("click", () => send({ payload: "/talk_to_person" }, t("person")));
  tools.append(langGroup, personButton);
  header.append(top, tools);

  const log = el("div", "apuri-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.tabIndex = 0;
  const typing = el("p", "apuri-typing");
  typing.setAttribute("role", "status");
  const typingText = el("span");
  typing.append(el("span", "apuri-dots"), typingText);
  const status = el("p", "apuri-status");
  status.setAttribute("role", "status");

  const form = el("form", "apuri-form");
  const label = el("label", "apuri-sr-only");
  label.htmlFor = "apuri-input";
  const input = el("textarea", "apuri-input");
  input.id = "apuri-input";
  input.rows = 1;
  input.maxLength = MAX_CHARS;
  input.autocomplete = "off";
  const sendButton = el("button", "apuri-send");
  sendButton.type = "submit";
  sendButton.appendChild(icon("M3 20l18-8L3 4v6l12 2-12 2z"));
  const sendText = el("span", "apuri-sr-only");
  sendButton.appendChild(sendText);
  form.append(label, input, sendButton);
  const privacy = el("p", "apuri-privacy");

  panel.append(header, log, typing, status, form, privacy);
  root.append(panel, launcher);

  // ---- rendering ----
  function renderCard(card) {
    const box = el("div", "apuri-card apuri-card-" + (card.kind === "booking" ? "booking" : "service"));
    if (card.lang) box.lang = card.lang;
    const kind = card.kind === "booking" ? t("booking") : card.kind === "service" ? t("service") : null;
    if (kind) box.appendChild(el("p", "apuri-card-kind", kind));
    box.appendChild(el("p", "apuri-card-title", card.title));
    if (card.summary) box.appendChild(el("p", "apuri-card-summary", card.summary));
    if (card.note) box.appendChild(el("p", "apuri-card-note", card.note));
    if (Array.isArray(card.fields) && card.fields.length) {
      const list = el("dl", "apuri-card-fields");
      for (const field of card.fields) {
        const row = el("div");
        row.append(el("dt", null, field.label), el("dd", null, field.value));
        list.appendChild(row);
      }
      box.appendChild(list);
    }
    const links = (card.links || []).map((l) => [l.title, safeUrl(l.url)]).filter(([, url]) => url);
    if (links.length) {
      const list = el("ul", "apuri-card-links");
      for (const [text, url] of links) {
        const a = el("a", null, text);
        a.href = url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        a.appendChild(el("span", "apuri-sr-only", " " + t("newTab")));
        const item = el("li");
        item.appendChild(a);
        list.appendChild(item);
      }
      box.appendChild(list);
    }
    return box;
  }

  function render(entry) {
    const who = entry.role === "resident" ? "resident" : entry.role === "error" ? "error" : "apuri";
    const item = el("div", "apuri-message apuri-" + who);
    if (entry.lang && who !== "resident") item.lang = entry.lang;
    const ui = UI[entry.lang] || UI[state.lang];
    item.appendChild(el("span", "apuri-sr-only", who === "resident" ? ui.you : ui.apuri));
    // A service card says everything its reply's text says (the text is for SMS and voice).
    const cardOnly = entry.card && entry.card.kind === "service";
    if (entry.text && !cardOnly) item.appendChild(el("p", "apuri-text", entry.text));
    if (entry.card) item.appendChild(renderCard(entry.card));
    if (entry.handoff) item.appendChild(el("p", "apuri-handoff", ui.handoff));
    if (Array.isArray(entry.buttons) && entry.buttons.length) {
      const choices = el("div", "apuri-choices");
      for (const button of entry.buttons) {
        const b = el("button", "apuri-choice", button.title);
        b.type = "button";
        b.addEventListener("click", () => send({ payload: button.payload }, button.title));
        choices.appendChild(b);
      }
      item.appendChild(choices);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function add(entry) {
    state.transcript.push(entry);
    save();
    return render(entry);
  }

  // A long answer is read from its start: scroll it to the top of the log, not past it.
  function scrollToStart(item) {
    const top = item.offsetTop - log.offsetTop - 8;
    if (log.scrollHeight - top > log.clientHeight) log.scrollTop = top;
  }

  function applyLanguage(lang) {
    if (!LANGS.includes(lang)) return;
    state.lang = lang;
    root.lang = lang;
    launcherText.textContent = t("open");
    launcher.setAttribute("aria-label", t("open"));
    title.textContent = t("title");
    subtitle.textContent = t("subtitle");
    closeButton.setAttribute("aria-label", t("close"));
    langGroup.setAttribute("aria-label", t("langs"));
    for (const code of LANGS) langButtons[code].setAttribute("aria-pressed", String(code === lang));
    personButton.textContent = t("person");
    log.setAttribute("aria-label", t("log"));
    typingText.textContent = t("typing");
    label.textContent = t("label");
    input.placeholder = t("placeholder");
    sendText.textContent = t("send");
    privacy.textContent = t("privacy");
    save();
  }

  function showTyping(on) { typing.classList.toggle("apuri-typing-on", on); }

  // ---- transport: WebSocket first, HTTP when it does not get through ----
  let ws = null;
  let wsOpen = false;
  let failures = 0;
  let reconnectTimer = null;
  let watchdog = null;
  let httpBusy = false;

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (ws) return;
    let socket;
    try {
      socket = new WebSocket(WS_URL + "?lang=" + state.lang);
    } catch (e) {
      failures += 1;
      scheduleReconnect();
      return;
    }
    ws = socket;
    socket.addEventListener("open", () => {
      if (ws !== socket) return;
      wsOpen = true;
      failures = 0;
      status.textContent = "";
      for (const m of state.pending) socket.send(JSON.stringify(m));
      armWatchdog();
    });
    socket.addEventListener("message", (event) => {
      if (ws !== socket) return;
      armWatchdog();
      let frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "typing") showTyping(true);
      else if (frame.type === "reply") answered(frame.message_id, frame.response);
      else if (frame.type === "error") failed(frame);
    });
    socket.addEventListener("close", () => {
      if (ws !== socket) return;
      const wasOpen = wsOpen;
      ws = null;
      wsOpen = false;
      clearTimeout(watchdog);
      showTyping(false);
      if (!wasOpen) failures += 1;
      if (state.pending.length) status.textContent = t("offline");
      scheduleReconnect();
    });
  }

  // An unanswered message with no frame back for a while means a dead socket: start again.
  function armWatchdog() {
    clearTimeout(watchdog);
    if (state.pending.length && ws) watchdog = setTimeout(() => ws && ws.close(), 20000);
  }

  function scheduleReconnect() {
    if (reconnectTimer) return;
    if (failures >= 2) viaHttp();
    const delay = Math.min(15000, 500 * 2 ** Math.min(failures, 5)) * (0.75 + Math.random() / 2);
    reconnectTimer = setTimeout(connect, navigator.onLine === false ? 2000 : delay);
  }

  async function viaHttp() {
    if (httpBusy || wsOpen) return;
    httpBusy = true;
    try {
      while (state.pending.length && !wsOpen) {
        const m = state.pending[0];
        const body = { conversation_id: m.conversation_id, message_id: m.message_id };
        for (const key of ["text", "payload", "lang"]) if (m[key]) body[key] = m[key];
        showTyping(true);
        const response = await fetch(HTTP_URL, {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
        });
        const data = await response.json().catch(() => ({}));
        if (response.ok) answered(m.message_id, data);
        else {
          // Apuri's own words when the dialogue engine is down; otherwise a plain "try again".
          const own = typeof data.error === "string" && data.error.startsWith("assistant_");
          failed({ message_id: m.message_id, text: own ? data.detail : t("error"), lang: data.lang });
        }
      }
    } catch (e) {
      showTyping(false); // the network is down: the messages stay pending for the next try
    } finally {
      httpBusy = false;
    }
  }

  function takePending(id) {
    const index = state.pending.findIndex((m) => m.message_id === id);
    if (index === -1) return false;
    state.pending.splice(index, 1);
    return true;
  }

  function answered(id, response) {
    if (!takePending(id) || !response || !Array.isArray(response.replies)) return; // answered already
    showTyping(state.pending.length > 0);
    status.textContent = "";
    if (LANGS.includes(response.lang) && response.lang !== state.lang) applyLanguage(response.lang);
    let first = null;
    for (const reply of response.replies) {
      const item = add({ role: "apuri", lang: response.lang, text: reply.text, buttons: reply.buttons, card: reply.card, handoff: reply.handoff });
      first = first || item;
    }
    if (first) scrollToStart(first);
    armWatchdog();
  }

  function failed(frame) {
    if (frame.message_id && !takePending(frame.message_id)) return;
    showTyping(state.pending.length > 0);
    const lang = LANGS.includes(frame.lang) ? frame.lang : state.lang;
    add({ role: "error", lang, text: frame.text || t("error") });
  }

  function send(body, shown, lang) {
    const message = { type: "message", conversation_id: state.conversation, message_id: "w" + randomId(12), ...body };
    if (lang) message.lang = lang;
    state.pending.push(message);
    add({ role: "resident", text: shown, lang: state.lang });
    showTyping(true);
    if (wsOpen) {
      ws.send(JSON.stringify(message));
      armWatchdog();
    } else if (failures >= 2) {
      viaHttp();
    } else {
      connect();
    }
  }

  function switchLanguage(lang) {
    applyLanguage(lang);
    send({ payload: '/switch_language{"language":"' + lang + '"}' }, SWITCH_SAID[lang], lang);
  }

  // ---- opening and closing ----
  function setOpen(open, focus) {
    state.open = open;
    save();
    panel.hidden = !open;
    root.classList.toggle("apuri-open", open);
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      if (!state.transcript.length) add({ role: "apuri", lang: state.lang, text: t("welcome") });
      connect();
      log.scrollTop = log.scrollHeight;
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", () => setOpen(!state.open, true));
  closeButton.addEventListener("click", () => setOpen(false, true));
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.open) {
      event.preventDefault();
      setOpen(false, true);
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text }, text);
  });
  window.addEventListener("online", () => { failures = 0; connect(); });
  window.addEventListener("offline", () => { if (ws) ws.close(); });

  applyLanguage(state.lang);
  for (const entry of state.transcript) render(entry);
  document.body.appendChild(root);
  setOpen(Boolean(state.open), false);
  if (state.pending.length) connect();
})();
