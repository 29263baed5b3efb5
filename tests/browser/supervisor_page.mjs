// The supervisor page (/supervisor) in headless Chromium, against a running
// Switchboard (integration/supervisor_browser_test.go starts one):
//
//   1. the supervisor signs in with the keyboard; the queue tile shows 0;
//   2. a customer writes through the Twilio emulator: the tile moves to 1
//      (live, over the supervisor stream) and the conversation is listed
//      at risk once it waited past the (test's 1 s) threshold; today's plot
//      shows them waiting now and their wait entered, as the
//      queue-activity report counts it; the plot works with the keyboard;
//   3. the supervisor opens it, writes a note (keyboard only), sees it in
//      the transcript marked as a note, and force-closes the conversation;
//      the tile goes back to 0, and today's plot counts an abandoned wait
//      (service level 0 %);
//   4. the page at 360 px: nothing wider than the screen; the plots drew;
//   5. the emulator's request log holds no note.
//
// Screenshots go to SB_OUTPUT_DIR. Prints "supervisor_page: ok".
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`supervisor_page: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const API = need("SB_API_URL").replace(/\/$/, "");
const EMU = need("SB_EMULATOR_URL").replace(/\/$/, "");
const TOKEN = need("SB_SUPERVISOR_TOKEN");
const QUEUE = need("SB_QUEUE_ID");
const ACCOUNT = need("SB_ACCOUNT_SID");
const SENDER = need("SB_SENDER");
const CUSTOMER = need("SB_CUSTOMER");
const NOTE = need("SB_NOTE");
const OUT = process.env.SB_OUTPUT_DIR || "test-output";
const CHROMIUM = process.env.SB_CHROMIUM || "/usr/bin/chromium";

fs.mkdirSync(OUT, { recursive: true });
const problems = [];
const t0 = Date.now();
let last = t0;
function step(name) {
  const now = Date.now();
  console.log(`step ${name}: ${now - last} ms`);
  last = now;
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sb-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1180, height: 900 },
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
    "--no-first-run", "--disable-component-update", "--disable-sync"],
});
context.setDefaultTimeout(30000);
const page = context.pages()[0] || await context.newPage();
page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
page.on("console", (msg) => {
  if (msg.type() === "error" && !/Failed to load resource/.test(msg.text())) problems.push(`console error: ${msg.text()}`);
});
const waitingTile = `[data-queue="${QUEUE}"] [data-field="waiting"]`;

// dayTotal (in the page) adds up a column of the day plot's table.
await page.addInitScript(() => {
  window.dayTotal = (field) => [...document.querySelectorAll(`#day-rows tr[data-at] [data-field="${field}"]`)]
    .reduce((n, td) => n + (Number(td.textContent) || 0), 0);
});

let failed = false;
try {
  // 1. Sign in with the keyboard.
  await page.goto(API + "/supervisor");
  await page.waitForSelector("#token:focus");
  await page.keyboard.type(TOKEN);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#live.on");
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === "0", waitingTile);
  step("sign_in");

  // 2. A customer writes: the tile moves, live.
  const res = await fetch(EMU + "/emulator/inbound", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ account_sid: ACCOUNT, from: CUSTOMER, to: SENDER, body: "Bonjour, personne ne répond ?", profile_name: "Marie" }),
  });
  if (!res.ok) throw new Error("emulator inbound: HTTP " + res.status + " " + await res.text());
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === "1", waitingTile, { timeout: 8000 });
  step("tile_moves");
  await page.waitForSelector('#risk [data-reason="waiting_too_long"] [data-open]');
  step("at_risk");

  // 2b. Today's plot (queue-activity report, 15-minute steps): the
  // customer is waiting now, and their wait entered a queue today; the
  // table says what the report says.
  await page.waitForSelector("#plot-day svg[data-steps] circle.now");
  await page.waitForFunction(() => Number(document.querySelector('#day-rows tr.now [data-field="waiting"]')?.textContent) >= 1, null, { timeout: 15000 });
  await page.waitForFunction(() => dayTotal("entered") >= 1, null, { timeout: 15000 }).catch(async () => {
    throw new Error("the day table has no entered wait: " + await page.textContent("#day-rows"));
  });
  const shown = await page.evaluate(() => ({ from: S.day.from, to: S.day.to, steps: S.day.steps.length, entered: dayTotal("entered") }));
  const rep = await (await fetch(API + "/api/v1/reports/queue-activity?step=15m&from=" + encodeURIComponent(new Date(shown.from).toISOString()) +
    "&to=" + encodeURIComponent(new Date(shown.to).toISOString()), { headers: { Authorization: "Bearer " + TOKEN } })).json();
  const points = rep.data.flatMap((q) => q.points);
  const entered = points.reduce((n, p) => n + p.entered, 0);
  if (rep.data.length !== 1 || rep.data[0].points.length !== shown.steps || entered !== shown.entered) {
    throw new Error(`the day plot shows ${shown.entered} entered in ${shown.steps} steps, the report ${entered} in ${points.length}`);
  }
  // Keyboard: the plot takes the focus, ← moves a cursor and reads the step out.
  await page.focus("#plot-day");
  await page.keyboard.press("End");
  await page.waitForSelector("#plot-day svg rect.cursor");
  const readout = await page.textContent("#day-readout");
  if (!/waiting at the start, \d+ entered/.test(readout)) throw new Error("day plot readout: " + JSON.stringify(readout));
  await page.keyboard.press("Escape");
  step("day_plot");

  // 3. Open it, note, force-close: keyboard first.
  await page.focus('#risk [data-reason="waiting_too_long"] [data-open]');
  await page.keyboard.press("Enter");
  await page.waitForSelector("#note-text:focus");
  await page.keyboard.type(NOTE);
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.waitForFunction((t) => [...document.querySelectorAll("#transcript .msg.note")].some((li) => li.textContent.includes(t)), NOTE);
  await page.waitForSelector(".plot svg rect");
  // The daily plots come from the reports API (a supervisor's scope).
  await page.waitForSelector("#plot-csat svg");
  await page.waitForSelector("#plot-sl svg");
  await page.screenshot({ path: path.join(OUT, "supervisor.png"), fullPage: true });
  step("note");
  await page.click("#close-btn");
  await page.waitForSelector('#conv[data-state="closed"]', { timeout: 30000 });
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === "0", waitingTile);
  // Closed while waiting: an abandoned wait, so today's service level is
  // known (0 %) and drawn as the second line.
  await page.waitForFunction(() => dayTotal("abandoned") >= 1 && document.querySelector("#plot-day circle.sl-line"), null, { timeout: 15000 });
  const slText = await page.textContent("#day-summary");
  if (!/service level 0 %/.test(slText)) throw new Error("day summary: " + JSON.stringify(slText));
  step("force_close");

  // 4. 360 px.
  await page.setViewportSize({ width: 360, height: 740 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > 360) throw new Error(`the page is ${width} px wide at 360 px`);
  await page.screenshot({ path: path.join(OUT, "supervisor-360.png"), fullPage: true });
  step("narrow");

  // 5. Twilio never saw the note.
  const sent = await (await fetch(EMU + "/emulator/messages")).json();
  const bodies = (Array.isArray(sent) ? sent : sent.messages || sent.data || []).map((m) => m.body || "");
  if (bodies.some((b) => b.includes(NOTE))) throw new Error("the note reached Twilio: " + JSON.stringify(bodies));
  if (problems.length) throw new Error(problems.join("; "));
} catch (e) {
  failed = true;
  console.error("supervisor_page: FAILED:", e.message);
  await page.screenshot({ path: path.join(OUT, "failure-supervisor.png"), fullPage: true }).catch(() => {});
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
if (failed) process.exit(1);
console.log(`supervisor_page: ok (${Date.now() - t0} ms)`);
