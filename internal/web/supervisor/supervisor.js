// Switchboard supervisor page: live queue and agent tiles, the
// conversations at risk and what a supervisor does about them (read, note,
// transfer, force-close), and plots drawn here as inline SVG. Plain
// JavaScript, no framework; it talks to /api/v1/supervisor with the token.
"use strict";

const API = "/api/v1/supervisor";
const TOKEN_KEY = "switchboard.supervisorToken";
const STREAM_SILENCE = 45000;
const SVG = "http://www.w3.org/2000/svg";

const S = {
  token: "", overview: null, current: null, messages: [], history: [],
  lastEventId: "", retry: 2000, stream: null, timer: null, refreshTimer: null,
};

const $ = (id) => document.getElementById(id);

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function s(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 3000);
}

function duration(sec) {
  sec = Math.max(0, Math.round(sec));
  if (sec < 60) return sec + " s";
  if (sec < 3600) return Math.floor(sec / 60) + " min " + (sec % 60) + " s";
  return Math.floor(sec / 3600) + " h " + Math.floor((sec % 3600) / 60) + " min";
}

class APIError extends Error {
  constructor(status, data) {
    super((data && data.error && data.error.message) || "HTTP " + status);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + S.token };
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

// ---------- sign in / out ----------

async function signIn(token) {
  S.token = token;
  try {
    S.overview = await api("GET", API + "/overview");
  } catch (e) {
    S.token = "";
    $("signin-error").textContent = e.status === 403 ? "This agent is not a supervisor." : "Sign-in failed: " + e.message;
    return false;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $("signin-view").hidden = true;
  $("app-view").hidden = false;
  $("me-bar").hidden = false;
  sample();
  render();
  startStream();
  S.timer = setInterval(() => scheduleRefresh(0), 10000);
  refreshDaily();
  S.dailyTimer = setInterval(refreshDaily, 5 * 60 * 1000);
  return true;
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  if (S.stream) S.stream.abort();
  clearInterval(S.timer);
  clearInterval(S.dailyTimer);
  S.token = ""; S.overview = null; S.current = null;
  $("app-view").hidden = true;
  $("me-bar").hidden = true;
  $("signin-view").hidden = false;
  $("token").value = "";
  $("token").focus();
}

// ---------- overview ----------

async function refresh() {
  try {
    S.overview = await api("GET", API + "/overview");
  } catch (e) {
    if (e.status === 401 || e.status === 403) signOut();
    return;
  }
  sample();
  render();
  if (S.current) refreshConversation();
}

function scheduleRefresh(delay) {
  clearTimeout(S.refreshTimer);
  S.refreshTimer = setTimeout(refresh, delay === undefined ? 300 : delay);
}

function sample() {
  const waiting = S.overview.queues.reduce((n, q) => n + q.waiting, 0);
  S.history.push({ at: Date.parse(S.overview.at), waiting });
  if (S.history.length > 2000) S.history.shift();
}

function render() {
  const o = S.overview;
  const queues = $("queues");
  queues.replaceChildren(...o.queues.map((q) => h("li", { class: "tile" + (q.service_level_breaches ? " hot" : ""), "data-queue": q.id },
    h("div", { class: "name", text: q.name }),
    h("div", { class: "big", "data-field": "waiting", text: q.waiting }),
    h("div", { class: "small", text: "waiting" + (q.waiting ? " · oldest " + duration(q.oldest_wait_seconds) : "") }),
    h("div", { class: "small", "data-field": "assigned", text: q.assigned + " assigned · " + q.service_level_breaches + " SLA breaches" }))));
  if (!o.queues.length) queues.append(h("li", { class: "empty", text: "No queue." }));
  const agents = $("agents");
  agents.replaceChildren(...o.agents.map((a) => {
    const pct = a.capacity ? Math.min(100, Math.round(100 * a.load / a.capacity)) : 0;
    return h("li", { class: "tile", "data-agent": a.id },
      h("div", { class: "name", text: a.name + (a.role === "supervisor" ? " (supervisor)" : "") }),
      h("div", { class: "small presence-" + a.presence, text: "● " + a.presence + " · " + duration(a.presence_seconds) }),
      h("div", { class: "small", text: "load " + a.load + "/" + a.capacity + " · " + a.open_conversations + " open" }),
      h("div", { class: "bar", role: "img", "aria-label": "load " + pct + "%" }, h("span", { style: null, "data-pct": pct })));
  }));
  agents.querySelectorAll(".bar > span").forEach((el) => { el.style.width = el.dataset.pct + "%"; });
  const risk = $("risk");
  risk.replaceChildren(...o.at_risk.map((r) => h("li", { class: "risk", "data-conversation": r.conversation_id, "data-reason": r.reason },
    h("div", {},
      h("div", { class: "reason", text: reasonText(r.reason) + " · " + (r.profile_name || "customer") }),
      h("div", { class: "detail", text: r.detail })),
    h("button", { type: "button", class: "secondary", "data-open": r.conversation_id, text: "Open",
      onclick: () => openConversation(r.conversation_id) }))));
  $("risk-count").textContent = o.at_risk.length ? "(" + o.at_risk.length + ")" : "";
  $("risk-empty").hidden = o.at_risk.length > 0;
  renderTransferTargets();
  plots();
}

function reasonText(r) {
  return { waiting_too_long: "Waiting too long", window_closing: "Window closing", no_agent_reply: "No agent reply", sla_warned: "Service level warned", sla_breached: "Service level missed" }[r] || r;
}

// ---------- a conversation ----------

async function openConversation(id) {
  $("conv-error").textContent = "";
  try {
    S.current = await api("GET", API + "/conversations/" + id);
    S.messages = (await api("GET", API + "/conversations/" + id + "/messages")).data;
  } catch (e) {
    toast("Cannot open it: " + e.message);
    return;
  }
  $("conv").hidden = false;
  renderConversation();
  $("note-text").focus();
}

async function refreshConversation() {
  const id = S.current.id;
  try {
    const c = await api("GET", API + "/conversations/" + id);
    const m = (await api("GET", API + "/conversations/" + id + "/messages")).data;
    if (!S.current || S.current.id !== id) return;
    S.current = c; S.messages = m;
    renderConversation();
  } catch (e) { /* next refresh */ }
}

function renderConversation() {
  const c = S.current;
  $("conv").dataset.conversation = c.id;
  $("conv").dataset.state = c.state;
  $("conv-h").textContent = (c.profile_name || "Customer") + " · " + c.state;
  $("conv-meta").textContent = [c.mode, c.routing && c.routing.reason, c.close_reason && "closed: " + c.close_reason].filter(Boolean).join(" · ");
  $("transcript").replaceChildren(...S.messages.map((m) => h("li", { class: "msg " + (m.note ? "note" : m.direction), "data-id": m.id },
    h("span", { class: "author", text: (m.note ? "Note · " : "") + m.author }),
    m.body)));
  const closed = c.state === "closed";
  $("note-btn").disabled = closed;
  $("close-btn").disabled = closed || c.state === "wrap_up" || c.state === "survey";
}

function renderTransferTargets() {
  const sel = $("transfer-target");
  const keep = sel.value;
  const o = S.overview;
  sel.replaceChildren(
    h("optgroup", { label: "Queues" }, ...o.queues.map((q) => h("option", { value: "queue:" + q.id, text: q.name }))),
    h("optgroup", { label: "Agents" }, ...o.agents.map((a) => h("option", { value: "agent:" + a.id, text: a.name + " (" + a.presence + ")" }))));
  if (keep) sel.value = keep;
}

async function act(fn, done) {
  $("conv-error").textContent = "";
  try {
    await fn();
    toast(done);
    scheduleRefresh(0);
  } catch (e) {
    $("conv-error").textContent = e.message;
  }
}

function addNote(ev) {
  ev.preventDefault();
  const text = $("note-text").value.trim();
  if (!text) return;
  act(async () => {
    await api("POST", API + "/conversations/" + S.current.id + "/notes", { text });
    $("note-text").value = "";
  }, "Note added");
}

function forceClose() {
  act(() => api("POST", API + "/conversations/" + S.current.id + "/close"), "Closing the conversation");
}

function transfer(ev) {
  ev.preventDefault();
  const [kind, id] = $("transfer-target").value.split(":");
  if (!id) return;
  act(() => api("POST", API + "/conversations/" + S.current.id + "/transfer", kind === "queue" ? { queue_id: id } : { agent_id: id }), "Transferred");
}

// ---------- plots (inline SVG) ----------

const W = 300, H = 140, PAD = 24;

function frame() {
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img" });
  svg.append(s("line", { class: "axis", x1: PAD, y1: H - PAD, x2: W - 4, y2: H - PAD }));
  svg.append(s("line", { class: "axis", x1: PAD, y1: 4, x2: PAD, y2: H - PAD }));
  return svg;
}

function lineChart(el, points, label) {
  const svg = frame();
  svg.setAttribute("aria-label", label);
  if (points.length) {
    const x0 = points[0].x, x1 = Math.max(points[points.length - 1].x, x0 + 1);
    const ymax = Math.max(1, ...points.map((p) => p.y));
    const xs = (x) => PAD + (W - PAD - 8) * (x - x0) / (x1 - x0);
    const ys = (y) => H - PAD - (H - PAD - 8) * y / ymax;
    svg.append(s("polyline", { class: "line", points: points.map((p) => xs(p.x).toFixed(1) + "," + ys(p.y).toFixed(1)).join(" ") }));
    svg.append(s("text", { class: "label", x: 2, y: 12 }, String(ymax)));
    svg.append(s("text", { class: "label", x: PAD, y: H - 8 }, new Date(x0).toLocaleTimeString()));
    svg.append(s("text", { class: "label", x: W - 60, y: H - 8 }, new Date(x1).toLocaleTimeString()));
  }
  el.replaceChildren(svg);
}

function barChart(el, bars, label) {
  const svg = frame();
  svg.setAttribute("aria-label", label);
  const ymax = Math.max(1, ...bars.map((b) => b.value));
  const bw = (W - PAD - 8) / Math.max(1, bars.length);
  bars.forEach((b, i) => {
    const hgt = (H - PAD - 8) * b.value / ymax;
    const x = PAD + i * bw + 2;
    svg.append(s("rect", { class: "barfill", x: x.toFixed(1), y: (H - PAD - hgt).toFixed(1), width: Math.max(1, bw - 4).toFixed(1), height: hgt.toFixed(1) },
    ));
    svg.lastChild.append(s("title", {}, b.label + ": " + b.value));
    svg.append(s("text", { class: "label", x: x.toFixed(1), y: H - 8 }, b.label.slice(0, 8)));
  });
  svg.append(s("text", { class: "label", x: 2, y: 12 }, String(ymax)));
  el.replaceChildren(svg);
}

// histogram counts samples (seconds) in minute buckets.
function histogram(samples) {
  const edges = [1, 2, 5, 10, 30, 60, Infinity];
  const names = ["<1", "1-2", "2-5", "5-10", "10-30", "30-60", "60+"];
  const counts = edges.map(() => 0);
  for (const sec of samples) counts[edges.findIndex((e) => sec / 60 < e)]++;
  return names.map((label, i) => ({ label, value: counts[i] }));
}

function plots() {
  const o = S.overview;
  lineChart($("plot-waiting"), S.history.map((p) => ({ x: p.at, y: p.waiting })), "Waiting conversations over time");
  barChart($("plot-waits"), histogram(o.distributions.waiting_seconds), "Current waits");
  barChart($("plot-handle"), histogram(o.distributions.handle_seconds), "Queue to close times");
  barChart($("plot-load"), o.agents.map((a) => ({ label: a.name, value: a.load })), "Load per agent");
}

// ---------- daily plots: the last 14 days from the reports API ----------

// refreshDaily plots CSAT and the first-response service level per day,
// from the same figures as the reports (a supervisor's queues only). Days
// are the workstreams' own; groups of one day in several zones are merged.
async function refreshDaily() {
  const to = new Date();
  const from = new Date(to.getTime() - 14 * 86400000);
  let rep;
  try {
    rep = await api("GET", "/api/v1/reports/conversations?group_by=day&from=" + encodeURIComponent(from.toISOString()) +
      "&to=" + encodeURIComponent(to.toISOString()));
  } catch (e) {
    return; // the live view goes on; the plots stay as they were
  }
  const days = new Map();
  for (const r of (rep && rep.data) || []) {
    const day = (r.group && r.group.day) || "";
    const d = days.get(day) || { csatSum: 0, csatN: 0, met: 0, breached: 0 };
    if (r.csat_avg != null && r.csat_responses) {
      d.csatSum += r.csat_avg * r.csat_responses;
      d.csatN += r.csat_responses;
    }
    d.met += (r.sla_met && r.sla_met.first_response) || 0;
    d.breached += (r.sla_breached && r.sla_breached.first_response) || 0;
    days.set(day, d);
  }
  const sorted = [...days.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  barChart($("plot-csat"), sorted.map(([day, d]) => ({
    label: day.slice(5), value: d.csatN ? Math.round((d.csatSum / d.csatN) * 10) / 10 : 0,
  })), "CSAT average per day");
  barChart($("plot-sl"), sorted.map(([day, d]) => ({
    label: day.slice(5), value: d.met + d.breached ? Math.round((100 * d.met) / (d.met + d.breached)) : 0,
  })), "First responses within their service level, per day (%)");
}

// ---------- live events ----------

function setLive(on) {
  const el = $("live");
  el.textContent = on ? "live" : "reconnecting…";
  el.className = "live " + (on ? "on" : "off");
}

function startStream() {
  const ctrl = new AbortController();
  S.stream = ctrl;
  streamLoop(ctrl);
}

function onEvent(type, raw) {
  let ev = null;
  try { ev = JSON.parse(raw); } catch (e) { return; }
  scheduleRefresh();
  if (S.current && ev && ev.conversation_id === S.current.id) refreshConversation();
}

// streamLoop keeps the stream open; on a drop it waits and resumes with
// Last-Event-ID, then refreshes everything.
async function streamLoop(ctrl) {
  let failures = 0;
  while (!ctrl.signal.aborted) {
    const conn = new AbortController();
    const stop = () => conn.abort();
    ctrl.signal.addEventListener("abort", stop);
    let lastData = Date.now();
    const watchdog = setInterval(() => { if (Date.now() - lastData > STREAM_SILENCE) conn.abort(); }, 5000);
    try {
      const headers = { Authorization: "Bearer " + S.token, Accept: "text/event-stream" };
      if (S.lastEventId) headers["Last-Event-ID"] = S.lastEventId;
      const res = await fetch(API + "/events", { headers, signal: conn.signal, cache: "no-store" });
      if (res.status === 401 || res.status === 403) { signOut(); return; }
      if (!res.ok || !res.body) throw new Error("HTTP " + res.status);
      setLive(true);
      if (failures) scheduleRefresh(0);
      failures = 0;
      await readEvents(res.body, conn.signal, () => { lastData = Date.now(); });
    } catch (e) {
      if (ctrl.signal.aborted) return;
      failures++;
    } finally {
      clearInterval(watchdog);
      ctrl.signal.removeEventListener("abort", stop);
    }
    if (ctrl.signal.aborted) return;
    setLive(false);
    await sleep(Math.min(S.retry * Math.max(1, 2 ** Math.max(0, failures - 1)), 30000));
  }
}

// readEvents parses text/event-stream (the agent console's parser).
async function readEvents(body, signal, onData) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "", type = "", data = "", sawCR = false;
  const line = (l) => {
    if (l === "") {
      if (data !== "") onEvent(type || "message", data.endsWith("\n") ? data.slice(0, -1) : data);
      type = ""; data = "";
      return;
    }
    if (l[0] === ":") return;
    const i = l.indexOf(":");
    const field = i < 0 ? l : l.slice(0, i);
    let value = i < 0 ? "" : l.slice(i + 1);
    if (value[0] === " ") value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data += value + "\n";
    else if (field === "id" && !value.includes("\0")) S.lastEventId = value;
    else if (field === "retry" && /^\d+$/.test(value)) S.retry = Number(value);
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (onData) onData();
      let chunk = decoder.decode(value, { stream: true });
      if (sawCR && chunk[0] === "\n") chunk = chunk.slice(1);
      buf += chunk;
      let start = 0;
      for (let j = 0; j < buf.length; j++) {
        const ch = buf[j];
        if (ch === "\n" || ch === "\r") {
          line(buf.slice(start, j));
          if (ch === "\r" && buf[j + 1] === "\n") j++;
          start = j + 1;
        }
      }
      sawCR = buf.length > 0 && buf[buf.length - 1] === "\r";
      buf = buf.slice(start);
    }
  } finally {
    if (signal.aborted) reader.cancel().catch(() => {});
  }
}

// ---------- start ----------

function init() {
  $("signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    $("signin-error").textContent = "";
    signIn($("token").value.trim());
  });
  $("signout").addEventListener("click", signOut);
  $("note-form").addEventListener("submit", addNote);
  $("close-btn").addEventListener("click", forceClose);
  $("transfer-form").addEventListener("submit", transfer);
  $("conv-hide").addEventListener("click", () => { S.current = null; $("conv").hidden = true; $("risk").focus(); });
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved).then((ok) => { if (!ok) signOut(); });
  else { $("signin-view").hidden = false; $("token").focus(); }
}

init();
