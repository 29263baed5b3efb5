// Switchboard agent console: plain JavaScript, no build step, no framework.
// Everything goes through the agent API with the agent's token as a bearer
// token; live updates come from GET /api/v1/agent/events, read with fetch()
// streaming (EventSource cannot send an Authorization header) and parsed here.
"use strict";

const API = "/api/v1/agent";
const TOKEN_KEY = "switchboard.agentToken";
const MEDIA_CACHE_MAX = 200;

// Twilio error codes an agent may meet, in words.
const ERROR_REASONS = {
  63016: "outside the 24-hour window: send a template",
  63003: "the customer's number is not on WhatsApp",
  63024: "invalid recipient",
  63018: "rate limit reached on this sender",
  63032: "the customer opted out of this kind of message",
  63049: "Meta chose not to deliver this marketing message",
  63051: "the customer's WhatsApp account is unavailable",
  21211: "invalid 'To' number",
  21408: "permission to send to this region is not enabled",
  21610: "the customer unsubscribed",
  21614: "the number is not a mobile number",
  30003: "the customer's phone is unreachable",
  30005: "unknown or inactive number",
  30006: "landline or unreachable carrier",
  30007: "filtered as spam by the carrier",
  30008: "unknown delivery error",
};

const S = {
  token: "",
  me: null,
  mine: [],
  queue: [],
  current: null,        // id of the open conversation
  conv: null,           // the open conversation, as GET …/conversations/{id} gave it
  messages: [],
  templates: null,      // GET /api/v1/agent/templates, null until loaded
  templateChoices: null, // WINDOW_CLOSED details.templates (names, languages, counts)
  windowRefused: {},    // conversation id -> window_expires_at when a send got WINDOW_CLOSED
  media: new Map(),     // "messageId/index" -> blob: URL (or a Promise while fetching)
  lastEventId: "",
  retry: 2000,
  stream: null,         // AbortController of the event stream
  timers: [],
  knownQueues: new Map(), // queue id -> name, for the transfer dialog
  renderedKey: "",
  templateKey: "",
  seq: 0,
};

// ---------- small helpers ----------

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


function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.classList.add("show");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove("show"), 3500);
}

function timeOf(iso) {
  const d = new Date(iso);
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return d.toDateString() === new Date().toDateString() ? time
    : d.toLocaleDateString([], { day: "numeric", month: "short" }) + " " + time;
}

function pad(n) { return String(n).padStart(2, "0"); }

// windowLeft describes what is left of a conversation's 24-hour window.
function windowLeft(conv, now) {
  if (!conv) return { text: "", cls: "" };
  if (conv.state === "closed") return { text: "", cls: "" };
  if (conv.mode === "template_only") return { text: "window closed", cls: "closed" };
  if (!conv.window_expires_at) return { text: "", cls: "" };
  const ms = new Date(conv.window_expires_at).getTime() - now;
  if (ms <= 0) return { text: "window closed", cls: "closed" };
  const s = Math.floor(ms / 1000);
  const text = pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60) + " left";
  return { text, cls: ms < 2 * 3600 * 1000 ? "soon" : "" };
}

// slaLeft describes the nearest service-level target still running
// (docs/service-levels.md): its countdown, or that it was missed.
function slaLeft(conv, now) {
  const sla = conv && conv.sla;
  if (!sla || conv.state === "closed") return { text: "", cls: "", title: "" };
  const names = { first_response: "first response", next_response: "next response", resolution: "resolution" };
  let best = null;
  for (const k of Object.keys(names)) {
    const t = sla[k];
    if (!t || t.met_at || !t.due_at || t.due_at.startsWith("0001-")) continue;
    if (t.status === "breached") return { text: names[k] + " overdue", cls: "closed", title: "Service level missed" };
    if (!best || t.due_at < best.t.due_at) best = { k, t };
  }
  if (!best) return { text: "", cls: "", title: "" };
  const ms = new Date(best.t.due_at).getTime() - now;
  if (ms <= 0) return { text: names[best.k] + " overdue", cls: "closed", title: "Service level missed" };
  const s = Math.floor(ms / 1000);
  const text = names[best.k] + " " + pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
  return { text, cls: best.t.status === "warned" ? "soon" : "", title: "Service level due " + new Date(best.t.due_at).toLocaleString() };
}

function windowClosed(conv) {
  if (!conv) return false;
  if (conv.mode === "template_only") return true;
  if (conv.window_expires_at && new Date(conv.window_expires_at).getTime() <= Date.now()) return true;
  const refused = S.windowRefused[conv.id];
  return refused !== undefined && refused === (conv.window_expires_at || "");
}

function customerLabel(c) {
  return c.profile_name ? c.profile_name + " (" + c.customer_e164 + ")" : c.customer_e164;
}

function authorLabel(author) {
  if (!author || author === "customer") return "Customer";
  if (S.me && author === "agent:" + S.me.id) return "You";
  if (author.startsWith("agent:")) return "Agent " + author.slice(6, 14);
  if (author === "bot") return "Bot";
  if (author === "system") return "Automated";
  return author;
}

// ---------- API ----------

class APIError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || "HTTP " + status);
    this.status = status;
    this.code = e.code || "";
    this.details = e.details || null;
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
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (res.status === 401 && S.me) {
    signOut("Your token was refused (revoked or rotated?): sign in again.");
  }
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

// ---------- sign in / out ----------

async function signIn(token, quiet) {
  S.token = token.trim();
  if (!S.token) return;
  $("signin-btn").disabled = true;
  $("signin-error").textContent = "";
  try {
    S.me = await api("GET", API + "/me");
  } catch (e) {
    S.me = null;
    S.token = "";
    sessionStorage.removeItem(TOKEN_KEY);
    if (!quiet) $("signin-error").textContent = e.status === 401 ? "This token is not valid." : "Sign-in failed: " + e.message;
    showSignIn();
    return;
  } finally {
    $("signin-btn").disabled = false;
  }
  sessionStorage.setItem(TOKEN_KEY, S.token);
  $("token").value = "";
  showApp();
}

function showSignIn() {
  $("app-view").hidden = true;
  $("me-bar").hidden = true;
  $("signin-view").hidden = false;
  $("token").focus();
}

function showApp() {
  $("signin-view").hidden = true;
  $("app-view").hidden = false;
  $("me-bar").hidden = false;
  renderMe();
  for (const q of S.me.queue_ids || []) if (!S.knownQueues.has(q)) S.knownQueues.set(q, "");
  refreshLists();
  loadTemplates();
  startStream();
  S.timers.push(setInterval(tick, 1000));
  S.timers.push(setInterval(() => refreshLists(), 5000)); // the pick queue has no events
  const first = document.querySelector("#mine .conv-item") || $("presence");
  if (first) first.focus();
}

function signOut(message) {
  if (S.stream) S.stream.abort();
  S.stream = null;
  S.timers.forEach(clearInterval);
  S.timers = [];
  for (const url of S.media.values()) if (typeof url === "string") URL.revokeObjectURL(url);
  Object.assign(S, {
    token: "", me: null, mine: [], queue: [], current: null, conv: null, messages: [], templates: null,
    templateChoices: null, windowRefused: {}, media: new Map(), lastEventId: "", renderedKey: "", templateKey: "",
  });
  sessionStorage.removeItem(TOKEN_KEY);
  $("mine").textContent = "";
  $("queue").textContent = "";
  $("transcript").textContent = "";
  $("conv-body").hidden = true;
  $("conv-empty").hidden = false;
  setLive(false);
  $("signin-error").textContent = message || "";
  showSignIn();
}

function renderMe() {
  $("me-name").textContent = S.me.name;
  $("presence").value = S.me.presence;
}

// ---------- lists ----------

async function refreshLists() {
  if (!S.me) return;
  try {
    const [mine, queue] = await Promise.all([api("GET", API + "/conversations"), api("GET", API + "/queue")]);
    S.mine = mine.data || [];
    S.queue = queue.data || [];
  } catch (e) {
    return; // a blip: the next refresh or event tries again
  }
  for (const c of S.mine.concat(S.queue)) {
    if (c.queue_id) S.knownQueues.set(c.queue_id, c.queue_name || S.knownQueues.get(c.queue_id) || "");
  }
  renderLists();
}

function convItem(c, pick) {
  const w = windowLeft(c, Date.now());
  const btn = h("button", {
    type: "button", class: "conv-item", "data-id": c.id, "data-customer": c.customer_e164,
    "aria-current": c.id === S.current ? "true" : "false",
    onclick: () => openConversation(c.id),
  },
  h("span", { class: "name", text: c.profile_name || c.customer_e164 }),
  c.unread > 0 ? h("span", { class: "unread", title: c.unread + " unread", text: String(c.unread) }) : h("span"),
  h("span", { class: "meta" },
    h("span", { class: "badge " + c.state, text: c.state.replace("_", " ") }),
    c.queue_name ? h("span", { text: c.queue_name }) : null,
    h("span", { class: "window " + w.cls, "data-window-of": c.id, text: w.text }),
  ));
  btn.setAttribute("aria-label", customerLabel(c) + ", " + c.state + (c.unread ? ", " + c.unread + " unread" : "") + (w.text ? ", " + w.text : ""));
  if (!pick) return h("li", {}, btn);
  return h("li", { class: "queue-row" }, btn,
    h("button", { type: "button", class: "accept", "data-accept": c.id, onclick: () => accept(c.id), text: "Accept" }));
}

function renderLists() {
  const focusedId = document.activeElement && document.activeElement.closest && document.activeElement.closest("#mine, #queue")
    ? [document.activeElement.getAttribute("data-id"), document.activeElement.getAttribute("data-accept")] : null;
  $("mine").replaceChildren(...S.mine.map((c) => convItem(c, false)));
  $("queue").replaceChildren(...S.queue.map((c) => convItem(c, true)));
  $("mine-empty").hidden = S.mine.length > 0;
  $("queue-empty").hidden = S.queue.length > 0;
  $("mine-count").textContent = S.mine.length ? "(" + S.mine.length + ")" : "";
  $("queue-count").textContent = S.queue.length ? "(" + S.queue.length + ")" : "";
  if (focusedId) { // keep the keyboard where it was
    const [id, acc] = focusedId;
    const el = id ? document.querySelector('#mine [data-id="' + id + '"], #queue [data-id="' + id + '"]')
      : acc ? document.querySelector('[data-accept="' + acc + '"]') : null;
    if (el) el.focus();
  }
  const dl = $("known-queues");
  dl.replaceChildren(...[...S.knownQueues].map(([id, name]) => h("option", { value: id, label: name || id })));
}

// ---------- one conversation ----------

async function openConversation(id) {
  if (S.current !== id) {
    S.current = id;
    S.conv = null;
    S.messages = [];
    S.renderedKey = "";
    $("transcript").textContent = "";
    delete $("transcript").dataset.scrolled;
    hideBanner();
    $("composer-error").textContent = "";
    $("composer-text").value = "";
    $("note-text").value = "";
    $("note-error").textContent = "";
  }
  $("app-view").classList.add("show-conv");
  $("conv-empty").hidden = true;
  $("conv-body").hidden = false;
  for (const el of document.querySelectorAll(".conv-item")) {
    el.setAttribute("aria-current", el.getAttribute("data-id") === id ? "true" : "false");
  }
  await refreshCurrent();
  if (S.current === id && S.conv) {
    const target = !$("composer").hidden && !$("composer-text").disabled ? $("composer-text")
      : !$("template-form").hidden ? $("template-select") : $("transcript");
    target.focus();
  }
}

async function refreshCurrent() {
  const id = S.current;
  if (!id) return;
  const seq = ++S.seq;
  let conv, msgs;
  try {
    [conv, msgs] = await Promise.all([
      api("GET", API + "/conversations/" + id),
      api("GET", API + "/conversations/" + id + "/messages"),
    ]);
  } catch (e) {
    if (seq !== S.seq || S.current !== id) return;
    if (e.status === 404) {
      // Transferred away, or taken by another agent: no longer ours to see.
      closeView("This conversation is no longer yours (transferred or taken by another agent).");
    }
    return;
  }
  if (seq !== S.seq || S.current !== id) return; // a newer refresh, or another conversation
  S.conv = conv;
  S.messages = msgs.data || [];
  if (conv.queue_id) S.knownQueues.set(conv.queue_id, conv.queue_name || S.knownQueues.get(conv.queue_id) || "");
  renderConversation();
}

function closeView(message) {
  if (typeof agentKitConversation === "function") agentKitConversation(null);
  S.current = null;
  S.conv = null;
  $("conv-body").hidden = true;
  $("conv-empty").hidden = false;
  $("app-view").classList.remove("show-conv");
  if (message) toast(message);
  refreshLists();
}

function mineNow(conv) {
  return conv && S.me && conv.agent_id === S.me.id;
}

function renderConversation() {
  const c = S.conv;
  $("conv-title").textContent = customerLabel(c);
  const st = $("conv-state");
  st.className = "badge " + c.state;
  st.textContent = c.state.replace("_", " ");
  $("conv-queue").textContent = c.queue_name ? "queue " + c.queue_name : (c.queue_id ? "queue " + c.queue_id : "");
  $("conv-routing").textContent = routingText(c);
  updateWindow();
  const pick = c.state === "queued" && !c.agent_id;
  const open = mineNow(c) && c.state === "assigned";
  $("accept-btn").hidden = !pick;
  $("transfer-btn").hidden = !open;
  $("close-btn").hidden = !open;
  renderTranscript();
  renderComposer();
  renderNoteBox();
  if (typeof agentKitConversation === "function") agentKitConversation(c); // agentkit.js: labels, profile, quick replies
}

function routingText(c) {
  const r = c.routing;
  if (!r) return c.bot_note ? "Bot: " + c.bot_note : "";
  const parts = [];
  parts.push(r.rule_name ? "Routed by rule “" + r.rule_name + "”" : "Routed to the default queue");
  if (r.reason) parts.push(r.reason);
  if (r.skills && r.skills.length) parts.push("skills " + r.skills.map((s) => s.name + " ≥ " + s.min_proficiency).join(", "));
  if (r.priority) parts.push("priority " + r.priority);
  const by = (r.by || "").replace(/^transfer:/, "");
  if (by && !(r.reason || "").includes(by)) parts.push("transferred by " + authorLabel(by).replace(/^You$/, "you"));
  let text = parts.join(" · ");
  if (c.bot_note) text += " · bot: " + c.bot_note;
  return text;
}

function updateWindow() {
  const c = S.conv;
  if (!c) return;
  const w = windowLeft(c, Date.now());
  const el = $("conv-window");
  el.textContent = w.text;
  el.className = "window " + w.cls;
  el.title = c.window_expires_at ? "24-hour window ends " + new Date(c.window_expires_at).toLocaleString() : "";
  const s = slaLeft(c, Date.now());
  const sl = $("conv-sla");
  sl.textContent = s.text;
  sl.className = "window " + s.cls;
  sl.title = s.title;
}

function ticks(m) {
  const st = m.status;
  const span = (text, cls, label) => {
    const s = h("span", { class: "ticks " + (cls || ""), title: label, "aria-label": label, text });
    return s;
  };
  switch (st) {
    case "sent": return span("✓", "", "sent");
    case "delivered": return span("✓✓", "", "delivered");
    case "read": return span("✓✓", "read", "read");
    case "failed":
    case "undelivered": return span("✗", "failed", st);
    default: return span("…", "pending", st || "sending");
  }
}

function failReason(m) {
  const code = m.error_code;
  const known = code ? ERROR_REASONS[code] : "";
  const text = [m.status, code ? "error " + code : "", known || m.error_message || ""].filter(Boolean).join(" · ");
  return h("span", { class: "fail-reason", text });
}

// renderTranscript updates the transcript in place: new messages are
// appended, a status change only replaces that message's footer, so that
// screen readers (role=log) hear what is new and images are not reloaded.
function renderTranscript() {
  const list = $("transcript");
  const key = JSON.stringify(S.messages.map((m) => [m.id, m.status, m.error_code]));
  if (key === S.renderedKey) return;
  S.renderedKey = key;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  const existing = new Map();
  for (const li of [...list.children]) {
    if (li.dataset.id) existing.set(li.dataset.id, li);
    else li.remove(); // the "no message" placeholder
  }
  let prev = null;
  for (const m of S.messages) {
    let li = existing.get(m.id);
    existing.delete(m.id);
    if (!li) {
      li = messageItem(m);
    } else if (li.dataset.status !== m.status || li.dataset.error !== String(m.error_code || "")) {
      li.dataset.status = m.status;
      li.dataset.error = String(m.error_code || "");
      li.querySelector(".foot").replaceWith(messageFoot(m));
    }
    const want = prev ? prev.nextSibling : list.firstChild;
    if (li !== want) list.insertBefore(li, want);
    prev = li;
  }
  for (const li of existing.values()) li.remove();
  if (!S.messages.length) list.append(h("li", { class: "empty", text: "No message yet." }));
  if (atBottom || !list.dataset.scrolled) list.scrollTop = list.scrollHeight;
}

function messageItem(m) {
  // Notes (internal, never sent) are marked as such.
  const cls = m.note ? "note" : m.author === "system" ? "system" : m.direction;
  const li = h("li", { class: "msg " + cls, "data-id": m.id, "data-direction": m.direction, "data-status": m.status,
    "data-error": String(m.error_code || "") });
  if (m.direction === "outbound" || m.author !== "customer") li.append(h("span", { class: "author", text: (m.note ? "Internal note · " : "") + authorLabel(m.author) }));
  if (m.template) {
    li.append(h("span", { class: "tpl", text: "Template " + m.template.name + " · " + m.template.language +
      (m.template.variables && m.template.variables.length ? " · " + m.template.variables.join(", ") : "") }));
  }
  richBlocks(m).forEach((el) => li.append(el));
  (m.media || []).forEach((md, i) => li.append(mediaPreview(m, md, i)));
  if (m.body) li.append(h("span", { class: "body", text: m.body }));
  if (m.interactive) li.append(offeredOptions(m));
  li.append(messageFoot(m));
  return li;
}

// richBlocks shows what WhatsApp carries beyond text: the quoted message
// (above the reply), the button or list item tapped, a shared location
// with a map link, the ad the customer came from.
function richBlocks(m) {
  const out = [];
  const quoted = (id) => S.messages.find((x) => x.id === id);
  if (m.reply_to) {
    const q = m.reply_to.message_id && quoted(m.reply_to.message_id);
    out.push(h("blockquote", { class: "quoted", text: q ? (q.body || "(attachment)") : "(a message not in this conversation)" }));
  }
  if (m.button) {
    const q = m.button.offered_by && quoted(m.button.offered_by);
    out.push(h("span", { class: "tapped", text: "Tapped “" + m.button.text + "”" + (m.button.payload ? " · " + m.button.payload : "") +
      (q ? " — on: " + (q.body || "").slice(0, 60) : "") }));
  }
  if (m.location) {
    const l = m.location;
    const label = [l.name, l.address].filter(Boolean).join(", ") || l.latitude + ", " + l.longitude;
    out.push(h("a", { class: "location", href: l.map_url, target: "_blank", rel: "noopener noreferrer", text: "📍 " + label + " (map)" }));
  }
  if (m.referral) {
    out.push(h("span", { class: "referral", text: "From the ad: " + (m.referral.headline || m.referral.source_url || "click-to-WhatsApp") }));
  }
  return out;
}

// offeredOptions shows the buttons or list items an interactive message
// offered (under its text, as the phone shows them).
function offeredOptions(m) {
  const box = h("span", { class: "offered " + m.interactive.type, text: m.interactive.type === "list" ? "☰ " + (m.interactive.button || "List") + ": " : "" });
  (m.interactive.options || []).forEach((o) => box.append(h("span", { class: "option", "data-payload": o.id,
    text: o.title + (o.description ? " — " + o.description : "") })));
  return box;
}

function messageFoot(m) {
  const foot = h("span", { class: "foot" }, h("time", { datetime: m.created_at, title: new Date(m.created_at).toLocaleString(), text: timeOf(m.created_at) }));
  if (m.direction === "outbound") {
    foot.append(ticks(m));
    if (m.status === "failed" || m.status === "undelivered") foot.append(failReason(m));
  }
  return foot;
}

// mediaPreview shows one attachment. Customer media come through the media
// endpoint (Twilio's credentials stay on the server), fetched with the
// token and shown from a blob: URL; agent media are public URLs (links).
function mediaPreview(m, md, i) {
  const type = md.content_type || "";
  if (m.direction !== "inbound") {
    return h("a", { class: "attachment", href: md.url, target: "_blank", rel: "noopener noreferrer", text: "Attachment (" + (type || "file") + ")" });
  }
  const key = m.id + "/" + i;
  const path = API + "/conversations/" + m.conversation_id + "/media/" + m.id + "/" + i;
  if (type.startsWith("image/")) {
    const img = h("img", { class: "media", alt: "Image from the customer (" + type + ")", "data-media": key });
    loadMedia(key, path).then((url) => { if (url) img.src = url; }).catch(() => { img.alt = "Image could not be loaded"; });
    return img;
  }
  const a = h("a", { class: "attachment", href: "#", "data-media": key, text: "Attachment (" + (type || "file") + ") — open" });
  a.addEventListener("click", async (ev) => {
    ev.preventDefault();
    try {
      const url = await loadMedia(key, path);
      const link = h("a", { href: url, download: "attachment-" + i, target: "_blank", rel: "noopener" });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (e) {
      toast("The attachment could not be fetched: " + e.message);
    }
  });
  return a;
}

async function loadMedia(key, path) {
  const cached = S.media.get(key);
  if (cached) return cached;
  const p = (async () => {
    const res = await fetch(path, { headers: { Authorization: "Bearer " + S.token } });
    if (!res.ok) throw new Error("HTTP " + res.status);
    const url = URL.createObjectURL(await res.blob());
    S.media.set(key, url);
    if (S.media.size > MEDIA_CACHE_MAX) {
      const [oldKey, oldURL] = S.media.entries().next().value;
      S.media.delete(oldKey);
      if (typeof oldURL === "string") URL.revokeObjectURL(oldURL);
    }
    return url;
  })();
  S.media.set(key, p);
  try {
    return await p;
  } catch (e) {
    S.media.delete(key);
    throw e;
  }
}

// ---------- composer ----------

function renderComposer() {
  const c = S.conv;
  const mine = mineNow(c) && c.state === "assigned";
  const closed = windowClosed(c);
  $("composer").hidden = mine && closed;
  $("template-form").hidden = !(mine && closed);
  const ta = $("composer-text");
  ta.disabled = !mine;
  $("send-btn").disabled = !mine;
  ta.placeholder = mine ? "Write a reply — Enter sends, Shift+Enter for a new line"
    : c.state === "queued" ? "Accept the conversation to reply" : "This conversation is " + c.state.replace("_", " ");
  if (mine && closed) renderTemplatePicker();
}

// templateOptions lists what can be picked: one entry per template and
// language, from the agent templates endpoint, else from the choices a
// WINDOW_CLOSED answer listed (no bodies there).
function templateOptions() {
  const out = [];
  if (S.templates && S.templates.length) {
    for (const t of S.templates) {
      for (const v of t.variants) out.push({ name: t.name, language: v.language, body: v.body, variables: v.variables });
    }
  } else if (S.templateChoices) {
    for (const t of S.templateChoices) {
      for (const lang of t.languages) out.push({ name: t.name, language: lang, body: "", variables: t.variables });
    }
  }
  return out;
}

function renderTemplatePicker() {
  const opts = templateOptions();
  const key = JSON.stringify(opts);
  const sel = $("template-select");
  if (key !== S.templateKey) {
    S.templateKey = key;
    const prev = sel.value;
    sel.replaceChildren(...opts.map((o, i) => h("option", { value: String(i), text: o.name + " · " + o.language })));
    if (!opts.length) sel.append(h("option", { value: "", text: "No approved template" }));
    const again = opts.findIndex((o, i) => String(i) === prev);
    sel.value = again >= 0 ? prev : (opts.length ? "0" : "");
    renderTemplateVars();
  }
  $("template-send").disabled = !opts.length;
}

function selectedTemplate() {
  const opts = templateOptions();
  const i = Number($("template-select").value);
  return Number.isInteger(i) ? opts[i] || null : null;
}

function renderTemplateVars() {
  const t = selectedTemplate();
  const box = $("template-vars");
  box.replaceChildren();
  if (t) {
    for (let i = 1; i <= t.variables; i++) {
      const id = "tvar-" + i;
      box.append(h("label", { for: id, text: "Variable {{" + i + "}}" + hintFor(t.body, i) }),
        h("input", { id, "data-var": String(i), required: true, maxlength: 1024, oninput: renderTemplatePreview }));
    }
  }
  renderTemplatePreview();
}

// hintFor shows the words around a placeholder, so that each field says what it is for.
function hintFor(body, i) {
  if (!body) return "";
  const at = body.indexOf("{{" + i + "}}");
  if (at < 0) return "";
  const before = body.slice(Math.max(0, at - 24), at).replace(/\{\{\d+\}\}/g, "…").trim();
  return before ? " — after “…" + before + "”" : "";
}

function renderTemplatePreview() {
  const t = selectedTemplate();
  const p = $("template-preview");
  if (!t) { p.textContent = ""; return; }
  if (!t.body) {
    p.textContent = t.name + " (" + t.language + ") with " + t.variables + " variable(s)";
    return;
  }
  p.textContent = t.body.replace(/\{\{(\d+)\}\}/g, (m, n) => {
    const input = document.querySelector('#template-vars input[data-var="' + n + '"]');
    return input && input.value.trim() ? input.value : "[" + m + "]";
  });
}

async function loadTemplates() {
  try {
    const out = await api("GET", API + "/templates");
    S.templates = out.data || [];
  } catch (e) {
    S.templates = null; // older server: the WINDOW_CLOSED answer lists them
  }
  if (S.conv) renderComposer();
}

// sendFile uploads the chosen file (with the text as its caption) to the
// media route: multipart, so api()'s JSON does not fit.
async function sendFile(c, file, text) {
  const form = new FormData();
  form.append("file", file);
  if (text.trim()) form.append("text", text);
  $("send-btn").disabled = true;
  $("composer-error").textContent = "";
  try {
    const res = await fetch(API + "/conversations/" + c.id + "/media", {
      method: "POST", cache: "no-store", body: form,
      headers: { Authorization: "Bearer " + S.token, "Idempotency-Key": crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random() },
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new APIError(res.status, data);
    $("composer-text").value = "";
    $("composer-file").value = "";
    $("composer-file-name").textContent = "";
  } catch (e) {
    $("composer-error").textContent = e.code === "ATTACHMENTS_DISABLED" ?
      "This workstream does not let agents send attachments." : "Not sent: " + (e.message || String(e));
  } finally {
    $("send-btn").disabled = false;
    await refreshCurrent();
  }
}

async function sendText(ev) {
  if (ev) ev.preventDefault();
  const c = S.conv;
  const file = $("composer-file").files[0];
  if (c && file) return sendFile(c, file, $("composer-text").value);
  const text = $("composer-text").value;
  const interactive = composedInteractive(text);
  if (c && interactive) {
    return send(c, { interactive }, () => {
      $("composer-text").value = "";
      $("interactive-options").value = "";
      $("interactive-details").open = false;
    });
  }
  const urls = $("composer-media").value.split(/[\s,]+/).map((u) => u.trim()).filter(Boolean);
  if (!c || (!text.trim() && !urls.length)) return;
  const body = { text };
  if (urls.length) body.media_urls = urls;
  await send(c, body, () => {
    $("composer-text").value = "";
    $("composer-media").value = "";
    $("media-details").open = false;
  });
}

// composedInteractive is the buttons or list composed under the message box
// (null when none): the text is its body, each line an option whose id
// (the tap's payload) is made from its title.
function composedInteractive(text) {
  if (!$("interactive-details").open) return null;
  const lines = $("interactive-options").value.split("\n").map((l) => l.trim()).filter(Boolean);
  if (!lines.length) return null;
  const type = $("interactive-type").value;
  const used = new Set();
  const options = lines.map((line, i) => {
    const [title, description] = line.split("|").map((s) => s.trim());
    let id = title.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "option";
    if (used.has(id)) id += "-" + (i + 1);
    used.add(id);
    const o = { id, title };
    if (type === "list" && description) o.description = description;
    return o;
  });
  const out = { type, body: text, options };
  if (type === "list") out.button = $("interactive-button").value.trim();
  return out;
}

async function sendTemplate(ev) {
  ev.preventDefault();
  const c = S.conv;
  const t = selectedTemplate();
  if (!c || !t) return;
  const variables = [...document.querySelectorAll("#template-vars input")].map((i) => i.value);
  if (variables.some((v) => !v.trim())) {
    $("composer-error").textContent = "Fill every variable: WhatsApp refuses blank ones.";
    const empty = [...document.querySelectorAll("#template-vars input")].find((i) => !i.value.trim());
    if (empty) empty.focus();
    return;
  }
  await send(c, { template: { name: t.name, language: t.language, variables } }, () => {
    for (const i of document.querySelectorAll("#template-vars input")) i.value = "";
    renderTemplatePreview();
  });
}

async function send(c, body, onSent) {
  const buttons = [$("send-btn"), $("template-send")];
  buttons.forEach((b) => { b.disabled = true; });
  $("composer-error").textContent = "";
  try {
    await api("POST", API + "/conversations/" + c.id + "/messages", body);
    onSent();
  } catch (e) {
    if (e.code === "WINDOW_CLOSED") {
      S.windowRefused[c.id] = c.window_expires_at || "";
      if (e.details && e.details.templates) S.templateChoices = e.details.templates;
      if (!S.templates) loadTemplates();
      $("composer-error").textContent = "The 24-hour window is closed: pick an approved template below.";
    } else if (e.code === "ATTACHMENTS_DISABLED") {
      $("composer-error").textContent = "This workstream does not let agents send attachments.";
    } else {
      $("composer-error").textContent = "Not sent: " + e.message;
    }
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    await refreshCurrent();
    if (S.conv && !$("template-form").hidden && document.activeElement === document.body) $("template-select").focus();
  }
}

// ---------- internal notes ----------

// renderNoteBox offers the note box on the agent's own conversations until
// they close (the API takes notes on those only).
function renderNoteBox() {
  const c = S.conv;
  const can = mineNow(c) && c.state !== "closed";
  $("note-details").hidden = !can;
  $("note-text").disabled = !can;
  $("note-btn").disabled = !can;
}

// addNote writes an internal note (POST …/notes): the workflow puts it in
// the transcript, never in the outbox, so it never reaches Twilio.
async function addNote(ev) {
  if (ev) ev.preventDefault();
  const c = S.conv;
  const text = $("note-text").value.trim();
  if (!c || !text) return;
  $("note-btn").disabled = true;
  $("note-error").textContent = "";
  try {
    await api("POST", API + "/conversations/" + c.id + "/notes", { text });
    $("note-text").value = "";
    toast("Note added");
  } catch (e) {
    $("note-error").textContent = "Note not added: " + e.message;
  } finally {
    $("note-btn").disabled = false;
    await refreshCurrent();
  }
}

// ---------- actions ----------

async function accept(id) {
  try {
    await api("POST", API + "/conversations/" + id + "/accept");
    toast("Conversation accepted");
  } catch (e) {
    toast(e.status === 409 ? "Another agent took it first." : "Accept failed: " + e.message);
  }
  await refreshLists();
  if (S.mine.some((c) => c.id === id)) openConversation(id);
  else if (S.current === id) refreshCurrent();
}

async function setPresence() {
  const presence = $("presence").value;
  try {
    S.me = await api("PUT", API + "/me/presence", { presence });
    renderMe();
    toast("You are " + presence);
  } catch (e) {
    toast("Presence not changed: " + e.message);
    renderMe();
  }
  refreshLists();
}

function openTransfer() {
  $("transfer-error").textContent = "";
  $("transfer-id").value = "";
  $("transfer-reason").value = "";
  $("transfer-dialog").showModal();
  $("transfer-id").focus();
}

function transferTargetChanged() {
  const agent = document.querySelector('input[name="target"]:checked').value === "agent";
  $("transfer-id-label").textContent = agent ? "Agent id" : "Queue id";
  if (agent) $("transfer-id").removeAttribute("list");
  else $("transfer-id").setAttribute("list", "known-queues");
}

async function doTransfer(ev) {
  ev.preventDefault();
  const c = S.conv;
  const target = document.querySelector('input[name="target"]:checked').value;
  const id = $("transfer-id").value.trim();
  if (!c || !id) { $("transfer-error").textContent = "Give the id."; return; }
  const body = { reason: $("transfer-reason").value.trim() };
  body[target === "agent" ? "agent_id" : "queue_id"] = id;
  try {
    await api("POST", API + "/conversations/" + c.id + "/transfer", body);
  } catch (e) {
    $("transfer-error").textContent = e.message;
    return;
  }
  $("transfer-dialog").close();
  toast("Conversation transferred");
  await refreshCurrent();
  refreshLists();
}

function openClose() {
  $("close-error").textContent = "";
  $("close-notes").value = "";
  $("close-dialog").showModal();
  $("close-notes").focus();
}

async function doClose(ev) {
  ev.preventDefault();
  const c = S.conv;
  if (!c) return;
  try {
    await api("POST", API + "/conversations/" + c.id + "/close", { notes: $("close-notes").value });
  } catch (e) {
    $("close-error").textContent = e.message;
    return;
  }
  $("close-dialog").close();
  toast("Conversation closed");
  await refreshCurrent();
  refreshLists();
  $("transcript").focus();
}

// ---------- live updates ----------

let pending = { lists: false, current: false };
let pendingTimer = null;

function scheduleRefresh(lists, current) {
  pending.lists = pending.lists || lists;
  pending.current = pending.current || current;
  if (pendingTimer) return;
  pendingTimer = setTimeout(async () => {
    const p = pending;
    pending = { lists: false, current: false };
    pendingTimer = null;
    await Promise.all([p.lists ? refreshLists() : null, p.current ? refreshCurrent() : null]);
  }, 80);
}

function onEvent(type, raw) {
  let ev = {};
  try { ev = JSON.parse(raw); } catch (e) { /* keep {} */ }
  const convId = ev.conversation_id || (ev.payload && ev.payload.conversation_id) || null;
  const isCurrent = !!convId && convId === S.current;
  switch (type) {
    case "assignment": toast("New conversation assigned to you"); break;
    case "window_warning": if (isCurrent) showBanner("The 24-hour window closes in less than 2 hours: after that, only templates can be sent."); break;
    case "window_closed": if (isCurrent) showBanner("The 24-hour window has closed: only templates can be sent until the customer writes again."); break;
    case "conversation_closed": if (isCurrent) toast("The conversation is closed"); break;
    case "sla_warning": if (isCurrent) showBanner("A service-level target of this conversation is about to be missed."); else toast("A service level is about to be missed"); break;
    case "sla_breach": if (isCurrent) showBanner("A service-level target of this conversation was missed."); else toast("A service level was missed"); break;
    case "message": if (isCurrent) hideBanner(); break;
  }
  scheduleRefresh(true, isCurrent || (!convId && !!S.current));
}

function showBanner(text) { const b = $("banner"); b.textContent = text; b.hidden = false; }
function hideBanner() { $("banner").hidden = true; }

function setLive(on) {
  const el = $("live");
  el.textContent = on ? "live" : (S.me ? "reconnecting…" : "offline");
  el.className = "live " + (on ? "on" : "off");
}

// startStream opens the event stream (sse.js): resumed with Last-Event-ID
// after a drop; after a reconnect everything is refreshed, for what was
// not an event (the pick queue).
function startStream() {
  const ctrl = new AbortController();
  S.stream = ctrl;
  streamLoop(ctrl, API + "/events", {
    live: setLive,
    connected: (again) => { if (again) scheduleRefresh(true, true); },
    refused: () => signOut("Your token was refused: sign in again."),
  });
}

// ---------- clock ----------

function tick() {
  const now = Date.now();
  const byId = new Map(S.mine.concat(S.queue).map((c) => [c.id, c]));
  for (const el of document.querySelectorAll("[data-window-of]")) {
    const w = windowLeft(byId.get(el.getAttribute("data-window-of")), now);
    el.textContent = w.text;
    el.className = "window " + w.cls;
  }
  if (S.conv) {
    updateWindow();
    // The window ran out on this clock: switch to templates now (the
    // workflow's own timer fires at the same moment and says so too).
    const wantTemplates = mineNow(S.conv) && S.conv.state === "assigned" && windowClosed(S.conv);
    if (wantTemplates === $("template-form").hidden) renderComposer();
  }
}

// ---------- wiring ----------

function init() {
  $("signin-form").addEventListener("submit", (ev) => { ev.preventDefault(); signIn($("token").value); });
  $("signout").addEventListener("click", () => signOut(""));
  $("presence").addEventListener("change", setPresence);
  $("composer").addEventListener("submit", sendText);
  $("interactive-type").addEventListener("change", () => {
    const list = $("interactive-type").value === "list";
    $("interactive-button").hidden = !list;
    $("interactive-button-label").hidden = !list;
  });
  $("composer-file").addEventListener("change", () => {
    const f = $("composer-file").files[0];
    $("composer-file-name").textContent = f ? f.name + " — Send to upload" : "";
  });
  $("composer-text").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      sendText();
    }
  });
  $("template-form").addEventListener("submit", sendTemplate);
  $("note-form").addEventListener("submit", addNote);
  $("note-text").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      addNote();
    }
  });
  $("template-select").addEventListener("change", renderTemplateVars);
  $("accept-btn").addEventListener("click", () => S.current && accept(S.current));
  $("transfer-btn").addEventListener("click", openTransfer);
  $("close-btn").addEventListener("click", openClose);
  $("transfer-form").addEventListener("submit", doTransfer);
  $("close-form").addEventListener("submit", doClose);
  for (const r of document.querySelectorAll('input[name="target"]')) r.addEventListener("change", transferTargetChanged);
  for (const b of document.querySelectorAll("[data-cancel]")) b.addEventListener("click", () => b.closest("dialog").close());
  $("back").addEventListener("click", () => {
    const id = S.current;
    $("app-view").classList.remove("show-conv");
    const item = id && document.querySelector('#mine [data-id="' + id + '"], #queue [data-id="' + id + '"]');
    if (item) item.focus();
  });
  $("transcript").addEventListener("scroll", () => { $("transcript").dataset.scrolled = "1"; });
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved, true);
  else showSignIn();
}

document.addEventListener("DOMContentLoaded", init);
