// Switchboard agent console, agent productivity: quick replies (type / in
// the composer), labels on the open conversation, and the customer's
// profile with their earlier conversations. console.js calls
// agentKitConversation(conv) each time it renders the open conversation
// (null when it closes the view); everything else is wired here.
"use strict";

const K = {
  convId: "",          // the conversation the panels show
  replies: [],         // GET /agent/quick-replies?conversation_id=, rendered
  repliesFor: "",
  labels: null,        // GET /agent/labels, null until loaded
  labelsLoading: false,
  picker: { open: false, items: [], index: 0 },
  profileSeq: 0,
};

// agentKitConversation refreshes the labels on every render and, when the
// open conversation changes, its customer and quick replies.
function agentKitConversation(c) {
  if (!c) {
    K.convId = "";
    $("profile").hidden = true;
    $("app-view").classList.remove("with-profile");
    closePicker();
    return;
  }
  renderLabels(c);
  if (K.labels === null && !K.labelsLoading) {
    K.labelsLoading = true;
    loadLabels().then(() => { K.labelsLoading = false; if (S.conv) renderLabels(S.conv); });
  }
  if (K.convId !== c.id) {
    K.convId = c.id;
    K.replies = [];
    K.repliesFor = "";
    closePicker();
    loadProfile(c.id);
  }
}

// ---------- labels ----------

async function loadLabels() {
  try {
    K.labels = (await api("GET", API + "/labels")).data || [];
  } catch (e) {
    K.labels = null;
  }
}

function renderLabels(c) {
  const on = c.labels || [];
  $("conv-labels").replaceChildren(...on.map((l) => {
    const chip = h("li", { class: "label-chip", "data-label": l.name },
      h("span", { text: l.name }),
      h("button", { type: "button", "aria-label": "Remove label " + l.name, title: "Remove", text: "×",
        onclick: () => changeLabel(c.id, "DELETE", l.id) }));
    chip.style.backgroundColor = l.color;
    return chip;
  }));
  const sel = $("label-add");
  const ids = new Set(on.map((l) => l.id));
  const options = (K.labels || []).filter((l) => !ids.has(l.id));
  sel.replaceChildren(h("option", { value: "", text: "+ label" }), ...options.map((l) => h("option", { value: l.id, text: l.name })));
  sel.hidden = !options.length;
}

async function changeLabel(convId, method, labelId) {
  try {
    const path = API + "/conversations/" + convId + "/labels";
    const res = method === "POST" ? await api("POST", path, { label_id: labelId }) : await api("DELETE", path + "/" + labelId);
    if (S.conv && S.conv.id === convId) {
      S.conv.labels = res.labels || [];
      renderLabels(S.conv);
    }
  } catch (e) {
    toast("Label not changed: " + e.message);
  }
}

// ---------- quick replies ----------

async function loadReplies() {
  const id = K.convId;
  if (!id || K.repliesFor === id) return;
  try {
    const res = await api("GET", API + "/quick-replies?conversation_id=" + encodeURIComponent(id));
    if (K.convId !== id) return;
    K.replies = res.data || [];
    K.repliesFor = id;
  } catch (e) {
    K.replies = [];
  }
}

// pickerQuery is what follows the / when the composer holds only "/word".
function pickerQuery() {
  const v = $("composer-text").value;
  const m = /^\/(\S*)$/.exec(v);
  return m ? m[1].toLowerCase() : null;
}

async function updatePicker() {
  const q = pickerQuery();
  if (q === null || $("composer-text").disabled) return closePicker();
  await loadReplies();
  if (pickerQuery() !== q) return; // typed on meanwhile: that input updates it
  const items = K.replies.filter((r) => r.shortcut.toLowerCase().startsWith(q) || r.title.toLowerCase().includes(q));
  K.picker = { open: true, items, index: Math.min(K.picker.index, Math.max(items.length - 1, 0)) };
  renderPicker();
}

function renderPicker() {
  const list = $("qr-picker");
  const { items, index } = K.picker;
  if (!items.length) {
    list.replaceChildren(h("li", { class: "empty", text: "No quick reply matches." }));
  } else {
    list.replaceChildren(...items.map((r, i) => {
      const li = h("li", { role: "option", id: "qr-" + r.id, "data-shortcut": r.shortcut, "aria-selected": i === index ? "true" : "false",
        onmousedown: (ev) => { ev.preventDefault(); insertReply(r); } },
      h("span", { class: "qr-short", text: "/" + r.shortcut }), h("span", { text: r.title }),
      h("span", { class: "qr-text", text: r.text }));
      return li;
    }));
    const sel = list.children[index];
    if (sel && sel.scrollIntoView) sel.scrollIntoView({ block: "nearest" });
  }
  list.hidden = false;
  $("composer-text").setAttribute("aria-expanded", "true");
  if (items[index]) $("composer-text").setAttribute("aria-activedescendant", "qr-" + items[index].id);
}

function closePicker() {
  K.picker = { open: false, items: [], index: 0 };
  $("qr-picker").hidden = true;
  $("composer-text").setAttribute("aria-expanded", "false");
  $("composer-text").removeAttribute("aria-activedescendant");
}

function insertReply(r) {
  const ta = $("composer-text");
  ta.value = r.text;
  closePicker();
  ta.focus();
  ta.setSelectionRange(ta.value.length, ta.value.length);
}

// pickerKeys runs before console.js's Enter-sends handler (capture on the
// document): while the picker is open, arrows move, Enter or Tab insert,
// Escape closes.
function pickerKeys(ev) {
  if (ev.target !== $("composer-text") || !K.picker.open) return;
  const n = K.picker.items.length;
  let handled = true;
  switch (ev.key) {
    case "ArrowDown": K.picker.index = n ? (K.picker.index + 1) % n : 0; renderPicker(); break;
    case "ArrowUp": K.picker.index = n ? (K.picker.index - 1 + n) % n : 0; renderPicker(); break;
    case "Enter":
    case "Tab":
      if (ev.shiftKey || ev.isComposing) { handled = false; break; }
      if (n) insertReply(K.picker.items[K.picker.index]);
      else closePicker();
      break;
    case "Escape": closePicker(); break;
    default: handled = false;
  }
  if (handled) {
    ev.preventDefault();
    ev.stopImmediatePropagation();
  }
}

// ---------- customer profile and history ----------

async function loadProfile(convId) {
  const seq = ++K.profileSeq;
  let view;
  try {
    view = await api("GET", API + "/conversations/" + convId + "/customer");
  } catch (e) {
    if (seq === K.profileSeq) $("profile").hidden = true;
    return;
  }
  if (seq !== K.profileSeq || K.convId !== convId) return;
  renderProfile(view);
}

function renderProfile(v) {
  $("profile").hidden = false;
  $("app-view").classList.add("with-profile");
  $("profile-e164").textContent = v.e164;
  $("profile-wa").textContent = v.profile_name ? " · WhatsApp: " + v.profile_name : "";
  $("profile-display").value = v.display_name || "";
  $("profile-external").value = v.external_id || "";
  $("profile-notes").value = v.notes || "";
  const attrs = v.attributes && Object.keys(v.attributes).length ? JSON.stringify(v.attributes, null, 1) : "";
  $("profile-attributes").value = attrs;
  $("profile-error").textContent = "";
  const hist = v.conversations || [];
  $("history").replaceChildren(...hist.map((c) => h("li", {},
    h("button", { type: "button", "data-history": c.id, onclick: () => openHistory(c) },
      h("span", { text: new Date(c.created_at).toLocaleString() + " · " + (c.close_reason || c.state).replace(/_/g, " ") }),
      h("span", { class: "h-meta", text: [c.agent_name ? "agent " + c.agent_name : "no agent",
        c.survey_score !== null && c.survey_score !== undefined ? "CSAT " + c.survey_score : "",
        c.number_e164 ? "on " + c.number_e164 : "",
        (c.labels || []).map((l) => l.name).join(", ")].filter(Boolean).join(" · ") })))));
  $("history-empty").hidden = hist.length > 0;
}

async function saveProfile(ev) {
  ev.preventDefault();
  const id = K.convId;
  if (!id) return;
  const body = {
    display_name: $("profile-display").value.trim(),
    external_id: $("profile-external").value.trim(),
    notes: $("profile-notes").value,
  };
  const raw = $("profile-attributes").value.trim();
  try {
    body.attributes = raw ? JSON.parse(raw) : null;
  } catch (e) {
    $("profile-error").textContent = "Attributes must be a JSON object, e.g. {\"tier\": \"gold\"}.";
    return;
  }
  try {
    const v = await api("PATCH", API + "/conversations/" + id + "/customer", body);
    if (K.convId === id) renderProfile(v);
    K.repliesFor = ""; // names in quick replies may have changed
    toast("Customer saved.");
  } catch (e) {
    $("profile-error").textContent = e.message;
  }
}

async function openHistory(c) {
  const dlg = $("history-dialog");
  $("history-facts").textContent = new Date(c.created_at).toLocaleString() + " · " + (c.close_reason || c.state).replace(/_/g, " ") +
    (c.agent_name ? " · agent " + c.agent_name : "") + (c.survey_score !== null && c.survey_score !== undefined ? " · CSAT " + c.survey_score : "");
  const list = $("history-transcript");
  list.replaceChildren(h("li", { class: "empty", text: "Loading…" }));
  if (!dlg.open) dlg.showModal();
  try {
    const res = await api("GET", API + "/conversations/" + K.convId + "/customer/conversations/" + c.id + "/messages");
    const msgs = res.data || [];
    list.replaceChildren(...msgs.map((m) => {
      const li = h("li", { class: "msg " + (m.author === "system" ? "system" : m.direction), "data-id": m.id });
      if (m.direction === "outbound" || m.author !== "customer") li.append(h("span", { class: "author", text: authorLabel(m.author) }));
      if (m.template) li.append(h("span", { class: "tpl", text: "Template " + m.template.name }));
      if (m.media && m.media.length) li.append(h("span", { class: "tpl", text: m.media.length + " attachment(s)" }));
      if (m.body) li.append(h("span", { class: "body", text: m.body }));
      li.append(h("span", { class: "foot" }, h("time", { datetime: m.created_at, text: timeOf(m.created_at) })));
      return li;
    }));
    if (!msgs.length) list.replaceChildren(h("li", { class: "empty", text: "No message." }));
  } catch (e) {
    list.replaceChildren(h("li", { class: "error", text: "Could not load it: " + e.message }));
  }
}

// ---------- wiring ----------

document.addEventListener("DOMContentLoaded", () => {
  document.addEventListener("keydown", pickerKeys, true);
  $("composer-text").addEventListener("input", updatePicker);
  $("composer-text").addEventListener("blur", () => setTimeout(closePicker, 150));
  $("label-add").addEventListener("change", (ev) => {
    const id = ev.target.value;
    ev.target.value = "";
    if (id && S.conv) changeLabel(S.conv.id, "POST", id);
  });
  $("profile-form").addEventListener("submit", saveProfile);
  $("composer-text").setAttribute("aria-autocomplete", "list");
});
