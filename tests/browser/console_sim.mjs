// The agent console (/console) and the customer phone (/sim) in headless
// Chromium, against a running Switchboard (integration/browser_test.go
// starts one and passes it here):
//
//   1. the agent signs in with the keyboard and becomes available;
//   2. a customer writes from /sim; the conversation appears in /console
//      (live, over the event stream) with its routing reason and window;
//   3. the customer sends a photo: the console shows it (media endpoint,
//      fetched with the token, as a blob: URL);
//   4. the agent answers with Enter; the reply reaches /sim with ✓✓;
//   5. the short test window runs out: the composer turns into the template
//      picker; a template with a variable reaches /sim; then (SB_NOTE) the
//      agent writes an internal note: marked as a note in the transcript,
//      never on the phone;
//   6. both pages at 360 px: nothing wider than the screen;
//   7. the SSE parser on a stream cut at awkward places; close with notes;
//   8. pick mode: Accept from the queue, then transfer back to the queue;
//   9. agent productivity (when SB_QUICK_REPLY_TEXT is set), inside the
//      window: the profile panel shows the customer and saves a display
//      name, a label is added, and "/" opens the quick-reply picker whose
//      rendered text is sent with Enter and reaches /sim.
//
// Screenshots go to SB_OUTPUT_DIR. Prints "console_sim: ok" and timings.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`console_sim: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const API = need("SB_API_URL").replace(/\/$/, "");
const TOKEN = need("SB_AGENT_TOKEN");
const SENDER = need("SB_SENDER");
const CUSTOMER = need("SB_CUSTOMER");
const TEMPLATE = need("SB_TEMPLATE");
const TEMPLATE_VAR = need("SB_TEMPLATE_VAR");
const TEMPLATE_TEXT = need("SB_TEMPLATE_TEXT");
const WINDOW_MS = Number(process.env.SB_WINDOW_SECONDS || "20") * 1000;
const OUT = process.env.SB_OUTPUT_DIR || "test-output";
const CHROMIUM = process.env.SB_CHROMIUM || "/usr/bin/chromium";

const HELLO = "Bonjour, ma commande n'est pas arrivée.";
const REPLY = "Je regarde tout de suite, un instant.";
const ADMIN_KEY = process.env.SB_ADMIN_KEY || "";
const WORKSTREAM_ID = process.env.SB_WORKSTREAM_ID || "";
const QUEUE_ID = process.env.SB_QUEUE_ID || "";
const CUSTOMER2 = process.env.SB_CUSTOMER2 || "+33687654321";
const CLOSE_NOTES = process.env.SB_CLOSE_NOTES || "Commande prête, cliente prévenue.";
const QUICK_REPLY_SHORTCUT = process.env.SB_QUICK_REPLY_SHORTCUT || "";
const QUICK_REPLY_TEXT = process.env.SB_QUICK_REPLY_TEXT || ""; // rendered, with the display name saved below
const DISPLAY_NAME = process.env.SB_DISPLAY_NAME || "";
const LABEL = process.env.SB_LABEL || "";
const NOTE = process.env.SB_NOTE || ""; // an internal note written in the console (5b)

fs.mkdirSync(OUT, { recursive: true });
for (const f of ["failure-console.png", "failure-sim.png"]) fs.rmSync(path.join(OUT, f), { force: true });
const t0 = Date.now();
const timings = {};
let last = t0;
function step(name) {
  const now = Date.now();
  timings[name] = now - last;
  console.log(`step ${name}: ${now - last} ms`);
  last = now;
}

const problems = [];
function watch(page, name) {
  page.on("pageerror", (err) => problems.push(`${name}: page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/Failed to load resource/.test(msg.text())) {
      problems.push(`${name}: console error: ${msg.text()}`);
    }
  });
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sb-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1180, height: 760 },
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
    "--no-first-run", "--disable-component-update", "--disable-sync"],
});
context.setDefaultTimeout(20000);
const consolePage = context.pages()[0] || await context.newPage();
const simPage = await context.newPage();
watch(consolePage, "console");
watch(simPage, "sim");

async function shot(page, name, opts = {}) {
  await page.screenshot({ path: path.join(OUT, name), ...opts });
}

let failed = false;
try {
  // 1. Sign in with the keyboard: the token field has the focus.
  await consolePage.goto(API + "/console");
  await consolePage.waitForSelector("#token:focus");
  await consolePage.keyboard.type(TOKEN);
  await consolePage.keyboard.press("Enter");
  await consolePage.waitForSelector("#me-bar:not([hidden]) #me-name:not(:empty)");
  await consolePage.waitForSelector("#live.on");
  // Focus is visible: Tab lands on something with an outline.
  await consolePage.keyboard.press("Tab");
  const outline = await consolePage.evaluate(() => {
    const el = document.activeElement;
    return el && el !== document.body ? getComputedStyle(el).outlineStyle + " " + el.tagName : "none";
  });
  if (outline.startsWith("none")) throw new Error("the focused element has no visible outline: " + outline);
  await consolePage.selectOption("#presence", "available");
  await consolePage.waitForFunction(() => document.getElementById("toast").textContent.includes("available"));
  step("console_sign_in");

  // 2. The customer writes from the phone.
  await simPage.goto(API + "/sim");
  await simPage.waitForFunction((s) => [...document.querySelectorAll("#sender option")].some((o) => o.textContent.startsWith(s)), SENDER);
  const senderValue = await simPage.evaluate((s) => [...document.querySelectorAll("#sender option")].find((o) => o.textContent.startsWith(s)).value, SENDER);
  await simPage.selectOption("#sender", senderValue);
  await simPage.fill("#customer", CUSTOMER);
  await simPage.fill("#profile", "Marie");
  await simPage.focus("#body");
  await simPage.keyboard.type(HELLO);
  await simPage.keyboard.press("Enter");
  await simPage.waitForSelector(`#thread li.msg.me >> text=${HELLO}`);
  const sentAt = Date.now();
  step("sim_customer_writes");

  const item = `#mine .conv-item[data-customer="${CUSTOMER}"]`;
  await consolePage.waitForSelector(item, { timeout: 30000 });
  timings.inbound_to_console_ms = Date.now() - sentAt;
  await consolePage.click(item);
  await consolePage.waitForSelector(`#transcript li.msg.inbound >> text=${HELLO}`);
  const routing = await consolePage.textContent("#conv-routing");
  if (!/Routed/.test(routing)) throw new Error("no routing reason in the header: " + JSON.stringify(routing));
  const windowText = await consolePage.textContent("#conv-window");
  if (!/\d\d:\d\d:\d\d left/.test(windowText)) throw new Error("no window countdown: " + JSON.stringify(windowText));
  const title = await consolePage.textContent("#conv-title");
  if (!title.includes(CUSTOMER)) throw new Error("header: " + title);
  step("console_shows_conversation");

  // 3. A photo from the phone, shown in the console through the media endpoint.
  const png = await simPage.locator(".screen header").screenshot(); // a real image: the phone's own header
  await simPage.setInputFiles("#file", { name: "photo.png", mimeType: "image/png", buffer: png });
  await simPage.focus("#body");
  await simPage.keyboard.type("Voici la photo du colis");
  await simPage.keyboard.press("Enter");
  await consolePage.waitForFunction(() => [...document.querySelectorAll("#transcript img.media")]
    .some((img) => img.src.startsWith("blob:") && img.complete && img.naturalWidth > 0), null, { timeout: 30000 });
  step("console_shows_customer_photo");

  // 9. Agent productivity, inside the window.
  if (QUICK_REPLY_TEXT) {
    await consolePage.waitForSelector("#profile:not([hidden]) #profile-wa:has-text('Marie')");
    await consolePage.fill("#profile-display", DISPLAY_NAME);
    await consolePage.click("#profile-save");
    await consolePage.waitForFunction(() => document.getElementById("toast").textContent.includes("Customer saved"));
    if (!(await consolePage.isVisible("#history-empty"))) throw new Error("a first conversation shows earlier ones");
    await consolePage.waitForSelector(`#label-add option:has-text("${LABEL}")`, { state: "attached" });
    const labelValue = await consolePage.evaluate((name) => [...document.querySelectorAll("#label-add option")].find((o) => o.textContent === name).value, LABEL);
    await consolePage.selectOption("#label-add", labelValue);
    await consolePage.waitForSelector(`#conv-labels .label-chip[data-label="${LABEL}"]`);
    step("console_profile_and_label");

    await consolePage.focus("#composer-text");
    await consolePage.keyboard.type("/" + QUICK_REPLY_SHORTCUT.slice(0, 3));
    await consolePage.waitForSelector(`#qr-picker:not([hidden]) li[data-shortcut="${QUICK_REPLY_SHORTCUT}"][aria-selected="true"]`);
    await shot(consolePage, "console-quick-replies.png");
    await consolePage.keyboard.press("Enter"); // inserts, does not send
    const inserted = await consolePage.inputValue("#composer-text");
    if (inserted !== QUICK_REPLY_TEXT) throw new Error("quick reply inserted " + JSON.stringify(inserted) + ", want " + JSON.stringify(QUICK_REPLY_TEXT));
    if (await consolePage.isVisible("#qr-picker")) throw new Error("the picker stays open after Enter");
    await consolePage.keyboard.press("Enter"); // sends
    await simPage.waitForSelector(`#thread li.msg.them >> text=${QUICK_REPLY_TEXT}`, { timeout: 30000 });
    step("quick_reply_reaches_sim");
    await shot(consolePage, "console-profile.png");
  }

  // 4. The agent answers with Enter; ✓✓ on both sides.
  await consolePage.focus("#composer-text");
  await consolePage.keyboard.type(REPLY);
  await consolePage.keyboard.press("Enter");
  const repliedAt = Date.now();
  await consolePage.waitForSelector(`#transcript li.msg.outbound:is([data-status="delivered"],[data-status="read"]) >> text=${REPLY}`, { timeout: 30000 });
  const consoleTicks = await consolePage.textContent(`#transcript li.msg.outbound:has-text("${REPLY}") .ticks`);
  if (consoleTicks !== "✓✓") throw new Error("console ticks " + JSON.stringify(consoleTicks));
  step("console_reply_delivered");
  await simPage.waitForSelector(`#thread li.msg.them:is([data-status="delivered"],[data-status="read"]) >> text=${REPLY}`, { timeout: 30000 });
  const simTicks = await simPage.textContent(`#thread li.msg.them:has-text("${REPLY}") .ticks`);
  if (simTicks !== "✓✓") throw new Error("phone ticks " + JSON.stringify(simTicks));
  timings.reply_to_phone_ms = Date.now() - repliedAt;
  step("sim_shows_reply_delivered");
  await shot(consolePage, "console.png");
  await shot(simPage, "sim.png");

  // 5. The window runs out: templates only.
  await consolePage.waitForSelector("#template-form:not([hidden])", { timeout: WINDOW_MS + 30000 });
  if (await consolePage.isVisible("#composer")) throw new Error("the free-text composer is still shown");
  const closedText = await consolePage.textContent("#conv-window");
  if (!/window closed/.test(closedText)) throw new Error("window label: " + closedText);
  step("console_window_closed_templates");
  const option = await consolePage.evaluate((name) => {
    const o = [...document.querySelectorAll("#template-select option")].find((x) => x.textContent.startsWith(name + " ·"));
    return o ? o.value : null;
  }, TEMPLATE);
  if (option === null) throw new Error("template " + TEMPLATE + " is not in the picker");
  await consolePage.selectOption("#template-select", option);
  const vars = await consolePage.$$("#template-vars input");
  if (vars.length !== 1) throw new Error(`the template has ${vars.length} variable fields, want 1`);
  await vars[0].focus();
  await consolePage.keyboard.type(TEMPLATE_VAR);
  const preview = await consolePage.textContent("#template-preview");
  if (preview !== TEMPLATE_TEXT) throw new Error("preview " + JSON.stringify(preview) + ", want " + JSON.stringify(TEMPLATE_TEXT));
  await consolePage.keyboard.press("Enter"); // submits the template form
  const tplAt = Date.now();
  await consolePage.waitForSelector(`#transcript li.msg.outbound:is([data-status="sent"],[data-status="delivered"],[data-status="read"]) .tpl >> text=${TEMPLATE}`, { timeout: 30000 });
  await simPage.waitForSelector(`#thread li.msg.them:is([data-status="delivered"],[data-status="read"]) >> text=${TEMPLATE_TEXT}`, { timeout: 30000 });
  timings.template_to_phone_ms = Date.now() - tplAt;
  step("template_reaches_sim");
  await shot(consolePage, "console-template.png");
  await shot(simPage, "sim-template.png");

  // 5b. An internal note, with the keyboard (the window is closed: notes
  // do not need it). It shows in the transcript marked as a note, never
  // on the phone (the Go test checks the emulator's log too).
  if (NOTE) {
    await consolePage.focus("#note-details summary");
    await consolePage.keyboard.press("Enter"); // opens the note box
    await consolePage.waitForSelector("#note-details[open] #note-text:not([disabled])");
    await consolePage.focus("#note-text");
    await consolePage.keyboard.type(NOTE);
    await consolePage.keyboard.press("Enter"); // adds the note
    await consolePage.waitForFunction((t) => [...document.querySelectorAll("#transcript li.msg.note")]
      .some((li) => li.textContent.includes(t) && li.querySelector(".author").textContent.startsWith("Internal note")), NOTE, { timeout: 30000 });
    if (await consolePage.inputValue("#note-text")) throw new Error("the note box still holds the note");
    const asMessage = await consolePage.$$eval("#transcript li.msg:not(.note)", (lis, t) => lis.some((li) => li.textContent.includes(t)), NOTE);
    if (asMessage) throw new Error("the note shows as a message, not as a note");
    await simPage.waitForTimeout(1000);
    if ((await simPage.textContent("#thread")).includes(NOTE)) throw new Error("the note reached the phone");
    await shot(consolePage, "console-note.png");
    step("internal_note");
  }

  // 6. Narrow screens.
  for (const [page, name] of [[consolePage, "console"], [simPage, "sim"]]) {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.waitForTimeout(200);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 360) throw new Error(`${name} is ${width} px wide at 360 px`);
    await shot(page, `${name}-360.png`);
  }
  await consolePage.click("#back");
  await consolePage.waitForSelector(`${item}:visible`);
  await shot(consolePage, "console-360-list.png");
  step("narrow_screens");

  // The SSE parser, on a stream cut at awkward places: CRLF split across
  // chunks, comments, multi-line data, "data:" without a space, retry:.
  const parsed = await consolePage.evaluate(async () => {
    const got = [];
    const saved = onEvent;
    const before = [S.lastEventId, S.retry];
    onEvent = (type, data) => got.push([type, data]);
    const chunks = ["retry: 1500\n\nid: 41\nevent: message\ndata: {\"a\":", "1}\n\n: ping\n\nid: 42\r",
      "\nevent: delivery_status\r\ndata: line1\r\ndata: line2\r\n\r\n", "data:no-space\n\n"];
    const enc = new TextEncoder();
    const body = new ReadableStream({ start(c) { for (const ch of chunks) c.enqueue(enc.encode(ch)); c.close(); } });
    try {
      await readEvents(body, new AbortController().signal);
    } finally {
      onEvent = saved;
    }
    const after = [S.lastEventId, S.retry];
    [S.lastEventId, S.retry] = before;
    return JSON.stringify({ got, after });
  });
  const wantParsed = JSON.stringify({ got: [["message", '{"a":1}'], ["delivery_status", "line1\nline2"], ["message", "no-space"]], after: ["42", 1500] });
  if (parsed !== wantParsed) throw new Error("SSE parser: " + parsed + ", want " + wantParsed);
  const liveId = await consolePage.evaluate(() => S.lastEventId);
  if (!/^\d+$/.test(liveId)) throw new Error("the live stream recorded no event id: " + JSON.stringify(liveId));

  // Close with notes, from the dialog.
  await consolePage.setViewportSize({ width: 1180, height: 760 });
  await consolePage.click("#close-btn");
  await consolePage.waitForSelector("#close-dialog[open] #close-notes:focus");
  await consolePage.keyboard.type(CLOSE_NOTES);
  await consolePage.click('#close-form button[type="submit"]');
  await consolePage.waitForFunction(() => !document.getElementById("close-dialog").open &&
    ["wrap up", "closed", "survey"].includes(document.getElementById("conv-state").textContent));
  if (!(await consolePage.isDisabled("#composer-text"))) throw new Error("the composer is still enabled after close");
  step("sse_parser_and_close");

  // Pick mode: the workstream now lets agents pick; a second customer
  // writes; the conversation waits under "Waiting for pick" until Accept.
  if (ADMIN_KEY && WORKSTREAM_ID) {
    const res = await fetch(API + "/api/v1/workstreams/" + WORKSTREAM_ID, {
      method: "PATCH", headers: { Authorization: "Bearer " + ADMIN_KEY, "Content-Type": "application/json" },
      body: JSON.stringify({ distribution: "pick" }),
    });
    if (!res.ok) throw new Error("PATCH workstream: " + res.status + " " + await res.text());
    await simPage.fill("#customer", CUSTOMER2);
    await simPage.fill("#profile", "Hugo");
    await simPage.focus("#body");
    await simPage.keyboard.type("Bonjour, une question sur ma facture.");
    await simPage.keyboard.press("Enter");
    const accept = `#queue .queue-row:has(.conv-item[data-customer="${CUSTOMER2}"]) button.accept`;
    await consolePage.waitForSelector(accept, { timeout: 30000 });
    await consolePage.focus(accept);
    await consolePage.keyboard.press("Enter");
    await consolePage.waitForSelector(`#mine .conv-item[data-customer="${CUSTOMER2}"][aria-current="true"]`);
    await consolePage.waitForFunction(() => document.getElementById("conv-state").textContent === "assigned");
    await consolePage.waitForSelector("#composer-text:focus"); // ready to answer
    step("pick_accept");

    // Transfer back to the queue: it leaves the agent, and waits for pick again.
    await consolePage.click("#transfer-btn");
    await consolePage.waitForSelector("#transfer-dialog[open] #transfer-id:focus");
    await consolePage.keyboard.type(QUEUE_ID);
    await consolePage.keyboard.press("Enter");
    await consolePage.waitForFunction(() => !document.getElementById("transfer-dialog").open);
    await consolePage.waitForSelector(`#queue .conv-item[data-customer="${CUSTOMER2}"]`, { timeout: 30000 });
    if (await consolePage.$(`#mine .conv-item[data-customer="${CUSTOMER2}"]`)) throw new Error("the transferred conversation is still in my list");
    step("transfer_to_queue");
    await shot(consolePage, "console-pick.png");
  }

  if (problems.length) throw new Error("the pages reported errors:\n  " + problems.join("\n  "));
} catch (err) {
  failed = true;
  console.error("console_sim: FAILED: " + (err && err.stack || err));
  for (const p of problems) console.error("  " + p);
  await shot(consolePage, "failure-console.png").catch(() => {});
  await shot(simPage, "failure-sim.png").catch(() => {});
  const transcript = await consolePage.textContent("#transcript").catch(() => "");
  const thread = await simPage.textContent("#thread").catch(() => "");
  console.error("console transcript: " + transcript);
  console.error("phone thread: " + thread);
} finally {
  await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
timings.total_ms = Date.now() - t0;
console.log("timings " + JSON.stringify(timings));
if (failed) process.exit(1);
console.log("console_sim: ok");
