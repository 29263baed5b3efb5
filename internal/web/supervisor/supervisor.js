// Switchboard supervisor page: live queue and agent tiles, the
// conversations at risk and what a supervisor does about them (read, note,
// transfer, force-close), and plots drawn here as inline SVG. Plain
// JavaScript, no framework; it talks to /api/v1/supervisor with the token.
"use strict";

const API = "/api/v1/supervisor";
const TOKEN_KEY = "switchboard.supervisorToken";
const SVG = "http://www.w3.org/2000/svg";

const S = {
  token: "", overview: null, current: null, messages: [],
  lastEventId: "", retry: 2000, stream: null, timer: null, refreshTimer: null,
  day: null, dayLast: 0, dayPending: null, dayInterval: null, dayCursor: -1,
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
  render();
  startStream();
  S.timer = setInterval(() => scheduleRefresh(0), 10000);
  refreshDaily();
  S.dailyTimer = setInterval(refreshDaily, 5 * 60 * 1000);
  refreshDay();
  S.dayInterval = setInterval(refreshDay, DAY_REFRESH);
  return true;
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  if (S.stream) S.stream.abort();
  clearInterval(S.timer);
  clearInterval(S.dailyTimer);
  clearInterval(S.dayInterval);
  clearTimeout(S.dayPending);
  S.token = ""; S.overview = null; S.current = null; S.day = null; S.dayPending = null; S.dayCursor = -1;
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
  render();
  if (S.current) refreshConversation();
}

function scheduleRefresh(delay) {
  clearTimeout(S.refreshTimer);
  S.refreshTimer = setTimeout(refresh, delay === undefined ? 300 : delay);
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

// frame is an empty plot of w×h (viewBox units) with its two axes; right
// leaves room for a second scale on the right.
function frame(w = W, hgt = H, right = 0) {
  const svg = s("svg", { viewBox: `0 0 ${w} ${hgt}`, role: "img" });
  svg.append(s("line", { class: "axis", x1: PAD, y1: hgt - PAD, x2: w - 4 - right, y2: hgt - PAD }));
  svg.append(s("line", { class: "axis", x1: PAD, y1: 4, x2: PAD, y2: hgt - PAD }));
  if (right) svg.append(s("line", { class: "axis", x1: w - 4 - right, y1: 4, x2: w - 4 - right, y2: hgt - PAD }));
  return svg;
}

// polyline draws points ({x, y} in viewBox units; null is a gap) as lines,
// one per unbroken run; dots marks each point too (a lone point shows).
function polyline(svg, points, cls, dots) {
  let run = [];
  const flush = () => {
    if (run.length > 1) svg.append(s("polyline", { class: cls, points: run.map((p) => p.x.toFixed(1) + "," + p.y.toFixed(1)).join(" ") }));
    run = [];
  };
  for (const p of points) {
    if (p === null) { flush(); continue; }
    run.push(p);
    if (dots) {
      const dot = s("circle", { class: cls + " dot", cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 2.5 });
      if (p.title) dot.append(s("title", {}, p.title));
      svg.append(dot);
    }
  }
  flush();
}

// bars draws one bar per value from x0, each bw wide, scaled to ymax.
function bars(svg, values, x0, bw, ymax, hgt = H) {
  values.forEach((b, i) => {
    const bh = (hgt - PAD - 8) * b.value / ymax;
    const x = x0 + i * bw + 2;
    const rect = s("rect", { class: "barfill", x: x.toFixed(1), y: (hgt - PAD - bh).toFixed(1), width: Math.max(1, bw - 4).toFixed(1), height: bh.toFixed(1) });
    rect.append(s("title", {}, b.label + ": " + b.value));
    svg.append(rect);
  });
}

function barChart(el, values, label) {
  const svg = frame();
  svg.setAttribute("aria-label", label);
  const ymax = Math.max(1, ...values.map((b) => b.value));
  const bw = (W - PAD - 8) / Math.max(1, values.length);
  bars(svg, values, PAD, bw, ymax);
  values.forEach((b, i) => svg.append(s("text", { class: "label", x: (PAD + i * bw + 2).toFixed(1), y: H - 8 }, b.label.slice(0, 8))));
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
  barChart($("plot-waits"), histogram(o.distributions.waiting_seconds), "Current waits");
  barChart($("plot-handle"), histogram(o.distributions.handle_seconds), "Queue to close times");
  barChart($("plot-load"), o.agents.map((a) => ({ label: a.name, value: a.load })), "Load per agent");
  dayChart();
}

// ---------- today: queue activity in 15-minute steps ----------

const DAY_STEP = 15 * 60000;
const DAY_REFRESH = 60000;  // steps move on even when nothing happens
const DAY_THROTTLE = 5000;  // on events, at most one report read per 5 s
const DW = 480, DH = 170, DR = 34; // the day plot's size; DR: room for the % scale

const hhmm = (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const pct = (v) => Math.round(100 * v) + " %";

// localDay is [midnight, next midnight) of the browser's day holding t
// (23 or 25 hours on a daylight-saving day).
function localDay(t) {
  const d = new Date(t);
  return { from: new Date(d.getFullYear(), d.getMonth(), d.getDate()), to: new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1) };
}

// refreshDay reads today's queue activity (GET /reports/queue-activity in
// 15-minute steps, the supervisor's queues: docs/supervisor.md defines each
// figure) and adds the queues up per step.
async function refreshDay() {
  S.dayLast = Date.now();
  const { from, to } = localDay(Date.now());
  let rep;
  try {
    rep = await api("GET", "/api/v1/reports/queue-activity?step=15m&from=" + encodeURIComponent(from.toISOString()) +
      "&to=" + encodeURIComponent(to.toISOString()));
  } catch (e) {
    return; // the plot stays as it was; the next refresh tries again
  }
  if (!S.token) return;
  const steps = [];
  for (let t = from.getTime(); t < to.getTime(); t += DAY_STEP) {
    steps.push({ at: t, waiting: null, entered: 0, answered: 0, within: 0, abandoned: 0 });
  }
  for (const q of (rep && rep.data) || []) {
    for (const p of q.points || []) {
      const st = steps[Math.round((Date.parse(p.at) - from.getTime()) / DAY_STEP)];
      if (!st) continue;
      if (p.waiting !== null && p.waiting !== undefined) st.waiting = (st.waiting || 0) + p.waiting;
      st.entered += p.entered;
      st.answered += p.answered;
      st.within += p.answered_within_threshold;
      st.abandoned += p.abandoned;
    }
  }
  S.day = { from: from.getTime(), to: to.getTime(), steps };
  dayChart();
}

// scheduleDay refreshes the day plot after an event, throttled.
function scheduleDay() {
  if (S.dayPending || !S.token) return;
  S.dayPending = setTimeout(() => { S.dayPending = null; refreshDay(); }, Math.max(0, S.dayLast + DAY_THROTTLE - Date.now()));
}

// sl is a step's (or the day's) service level: answered within the
// threshold over answered and abandoned; null when there were none.
function sl(st) {
  const d = st.answered + st.abandoned;
  return d ? st.within / d : null;
}

// dayChart draws today: the waiting count at each step's start as a line
// (ending with the live overview's count now) and each step's service
// level (%) as a second line on the right scale; then the summary and the
// table that say the same in text.
function dayChart() {
  const d = S.day, o = S.overview;
  if (!d || !o) return;
  const now = Date.now();
  const nowIn = now >= d.from && now < d.to;
  const waitingNow = o.queues.reduce((n, q) => n + q.waiting, 0);
  const past = d.steps.filter((st) => st.at <= now);
  const known = past.filter((st) => st.waiting !== null);
  const svg = frame(DW, DH, DR);
  const x0 = PAD, x1 = DW - 4 - DR, y0 = DH - PAD, y1 = 8;
  const xs = (t) => x0 + (x1 - x0) * (t - d.from) / (d.to - d.from);
  const wmax = Math.max(1, nowIn ? waitingNow : 0, ...known.map((st) => st.waiting));
  const yw = (v) => y0 - (y0 - y1) * v / wmax;
  const ys = (v) => y0 - (y0 - y1) * v;
  const day0 = new Date(d.from);
  for (let hr = 0; hr <= 24; hr += 3) {
    const t = new Date(day0.getFullYear(), day0.getMonth(), day0.getDate(), hr).getTime();
    if (t > d.to) break;
    const x = xs(Math.min(t, d.to));
    svg.append(s("line", { class: "grid", x1: x.toFixed(1), y1: y1, x2: x.toFixed(1), y2: y0 }));
    svg.append(s("text", { class: "label tick", x: x.toFixed(1), y: DH - 6 }, new Date(t).toLocaleTimeString([], { hour: "numeric" })));
  }
  svg.append(s("text", { class: "label", x: 2, y: 14 }, String(wmax)));
  svg.append(s("text", { class: "label", x: 2, y: y0 }, "0"));
  svg.append(s("text", { class: "label sl", x: x1 + 3, y: 14 }, "100%"));
  svg.append(s("text", { class: "label sl", x: x1 + 3, y: y0 }, "0%"));
  if (S.dayCursor >= 0 && d.steps[S.dayCursor]) {
    const c = d.steps[S.dayCursor];
    svg.append(s("rect", { class: "cursor", x: xs(c.at).toFixed(1), y: y1, width: Math.max(2, xs(c.at + DAY_STEP) - xs(c.at)).toFixed(1), height: y0 - y1 }));
  }
  const wpts = known.map((st) => ({ x: xs(st.at), y: yw(st.waiting) }));
  if (nowIn) {
    wpts.push({ x: xs(now), y: yw(waitingNow) });
    svg.append(s("line", { class: "nowline", x1: xs(now).toFixed(1), y1: y1, x2: xs(now).toFixed(1), y2: y0 }));
  }
  if (wpts.length > 1) {
    svg.append(s("polygon", { class: "area", points: [{ x: wpts[0].x, y: y0 }, ...wpts, { x: wpts[wpts.length - 1].x, y: y0 }]
      .map((p) => p.x.toFixed(1) + "," + p.y.toFixed(1)).join(" ") }));
  }
  polyline(svg, wpts, "line", false);
  if (nowIn) {
    const dot = s("circle", { class: "line dot now", cx: xs(now).toFixed(1), cy: yw(waitingNow).toFixed(1), r: 3.5 });
    dot.append(s("title", {}, "now: " + waitingNow + " waiting"));
    svg.append(dot);
  }
  polyline(svg, past.map((st) => {
    const v = sl(st);
    return v === null ? null : { x: xs(st.at + DAY_STEP / 2), y: ys(v), title: hhmm(st.at) + "–" + hhmm(st.at + DAY_STEP) + ": service level " + pct(v) +
      " (" + st.within + " of " + (st.answered + st.abandoned) + ")" };
  }), "sl-line", true);

  // The same in words: a summary (the plot's description) and a table.
  const tot = past.reduce((a, st) => ({ answered: a.answered + st.answered, within: a.within + st.within, abandoned: a.abandoned + st.abandoned, entered: a.entered + st.entered }),
    { answered: 0, within: 0, abandoned: 0, entered: 0 });
  const peak = known.reduce((best, st) => (!best || st.waiting > best.waiting ? st : best), null);
  const daySL = sl(tot);
  const summary = [
    nowIn ? waitingNow + " waiting now" : "",
    peak && peak.waiting ? "most at a step's start: " + peak.waiting + " at " + hhmm(peak.at) : "nobody waiting at any step's start",
    tot.entered + " entered a queue today",
    daySL === null ? "no service level yet (nothing answered or abandoned)"
      : "service level " + pct(daySL) + " (" + tot.within + " answered within the threshold of " + (tot.answered + tot.abandoned) + " answered or abandoned)",
  ].filter(Boolean).join(" · ");
  svg.setAttribute("aria-label", "Today's queue activity in 15-minute steps: " + summary);
  svg.dataset.steps = String(d.steps.length);
  $("plot-day").replaceChildren(svg);
  $("day-summary").textContent = summary;
  renderDayTable(past, nowIn ? waitingNow : null, now);
}

function renderDayTable(past, waitingNow, now) {
  const cell = (field, v) => h("td", { "data-field": field, text: v === null ? "–" : String(v) });
  const rows = [];
  if (waitingNow !== null) {
    rows.push(h("tr", { class: "now" }, h("th", { scope: "row", text: "now " + hhmm(now) }), cell("waiting", waitingNow),
      cell("entered", null), cell("answered", null), cell("within", null), cell("abandoned", null), cell("service_level", null)));
  }
  for (const st of [...past].reverse()) {
    const v = sl(st);
    rows.push(h("tr", { "data-at": new Date(st.at).toISOString(), class: now < st.at + DAY_STEP ? "current" : null },
      h("th", { scope: "row", text: hhmm(st.at) + "–" + hhmm(st.at + DAY_STEP) }),
      cell("waiting", st.waiting), cell("entered", st.entered), cell("answered", st.answered), cell("within", st.within),
      cell("abandoned", st.abandoned), cell("service_level", v === null ? null : pct(v))));
  }
  $("day-rows").replaceChildren(...rows);
}

// dayKeys moves a cursor over the steps with the arrow keys (Home, End):
// the step is highlighted and its figures read out.
function dayKeys(ev) {
  const d = S.day;
  if (!d) return;
  let lastStep = 0; // the current step: the cursor stays in the past
  d.steps.forEach((st, k) => { if (st.at <= Date.now()) lastStep = k; });
  let i = S.dayCursor < 0 ? lastStep : S.dayCursor;
  switch (ev.key) {
    case "ArrowLeft": i = Math.max(0, i - 1); break;
    case "ArrowRight": i = Math.min(lastStep, i + 1); break;
    case "Home": i = 0; break;
    case "End": i = lastStep; break;
    case "Escape": S.dayCursor = -1; $("day-readout").textContent = ""; dayChart(); return;
    default: return;
  }
  ev.preventDefault();
  S.dayCursor = i;
  const st = d.steps[i];
  const v = sl(st);
  $("day-readout").textContent = hhmm(st.at) + "–" + hhmm(st.at + DAY_STEP) + ": " + (st.waiting === null ? "?" : st.waiting) + " waiting at the start, " +
    st.entered + " entered, " + st.answered + " answered (" + st.within + " within the threshold), " + st.abandoned + " abandoned, service level " +
    (v === null ? "none" : pct(v));
  dayChart();
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

// startStream opens the supervisor stream (sse.js, the console's code):
// resumed with Last-Event-ID after a drop, then everything is refreshed.
function startStream() {
  const ctrl = new AbortController();
  S.stream = ctrl;
  streamLoop(ctrl, API + "/events", {
    live: setLive,
    connected: (again) => { if (again) { scheduleRefresh(0); scheduleDay(); } },
    refused: () => signOut(),
  });
}

function onEvent(type, raw) {
  let ev = null;
  try { ev = JSON.parse(raw); } catch (e) { return; }
  scheduleRefresh();
  if (type === "conversation") scheduleDay(); // queued, assigned, closed: the day plot's figures
  if (S.current && ev && ev.conversation_id === S.current.id) refreshConversation();
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
  $("plot-day").addEventListener("keydown", dayKeys);
  $("conv-hide").addEventListener("click", () => { S.current = null; $("conv").hidden = true; $("risk").focus(); });
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved).then((ok) => { if (!ok) signOut(); });
  else { $("signin-view").hidden = false; $("token").focus(); }
}

init();
