// Interactive messages in headless Chromium, against a running Switchboard
// (integration/browser_test.go, TestBrowserInteractiveTapQuickReplyAndPDF,
// starts one and passes it here):
//
//   1. the agent signs in and becomes available; a customer writes from /sim;
//   2. the agent composes quick-reply buttons in the console (the message
//      text is their body) and sends them; /sim shows them as buttons;
//   3. the customer taps one on /sim (a signed inbound webhook with
//      ButtonText, ButtonPayload, OriginalRepliedMessageSid); the console
//      shows the tap, linked to the message that offered it;
//   4. the agent answers with a quick reply ("/" picker, Enter inserts,
//      Enter sends), then a PDF with the paperclip; /sim shows the text and
//      the PDF, whose link serves the PDF's bytes.
//
// Screenshots go to SB_OUTPUT_DIR. Prints "interactive_sim: ok" and timings.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`interactive_sim: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const API = need("SB_API_URL").replace(/\/$/, "");
const TOKEN = need("SB_AGENT_TOKEN");
const SENDER = need("SB_SENDER");
const CUSTOMER = need("SB_CUSTOMER");
const QUICK_REPLY_SHORTCUT = need("SB_QUICK_REPLY_SHORTCUT");
const QUICK_REPLY_TEXT = need("SB_QUICK_REPLY_TEXT");
const OUT = process.env.SB_OUTPUT_DIR || "test-output";
const CHROMIUM = process.env.SB_CHROMIUM || "/usr/bin/chromium";

const HELLO = "Bonjour, je voudrais un t-shirt.";
const QUESTION = "Quelle taille ?";
const OPTIONS = ["Petit", "Moyen", "Grand"];
const TAPPED = "Moyen";
const PDF_NAME = "bon-de-commande.pdf";
const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n" + "bon de commande ".repeat(200) + "\n%%EOF\n");

fs.mkdirSync(OUT, { recursive: true });
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

async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, name) });
}

let failed = false;
try {
  // 1. Sign in; the customer writes.
  await consolePage.goto(API + "/console");
  await consolePage.waitForSelector("#token:focus");
  await consolePage.keyboard.type(TOKEN);
  await consolePage.keyboard.press("Enter");
  await consolePage.waitForSelector("#live.on");
  await consolePage.selectOption("#presence", "available");
  await consolePage.waitForFunction(() => document.getElementById("toast").textContent.includes("available"));
  await simPage.goto(API + "/sim");
  await simPage.waitForFunction((s) => [...document.querySelectorAll("#sender option")].some((o) => o.textContent.startsWith(s)), SENDER);
  const senderValue = await simPage.evaluate((s) => [...document.querySelectorAll("#sender option")].find((o) => o.textContent.startsWith(s)).value, SENDER);
  await simPage.selectOption("#sender", senderValue);
  await simPage.fill("#customer", CUSTOMER);
  await simPage.fill("#profile", "Marie");
  await simPage.focus("#body");
  await simPage.keyboard.type(HELLO);
  await simPage.keyboard.press("Enter");
  const item = `#mine .conv-item[data-customer="${CUSTOMER}"]`;
  await consolePage.waitForSelector(item, { timeout: 30000 });
  await consolePage.click(item);
  await consolePage.waitForSelector(`#transcript li.msg.inbound >> text=${HELLO}`);
  step("customer_writes");

  // 2. The agent composes buttons and sends them.
  await consolePage.click("#interactive-details summary");
  await consolePage.selectOption("#interactive-type", "buttons");
  await consolePage.fill("#interactive-options", OPTIONS.join("\n"));
  await consolePage.focus("#composer-text");
  await consolePage.keyboard.type(QUESTION);
  await consolePage.keyboard.press("Enter");
  const offered = `#transcript li.msg.outbound:has(.offered) >> text=${QUESTION}`;
  await consolePage.waitForSelector(offered, { timeout: 30000 });
  const consoleOptions = await consolePage.$$eval("#transcript li.msg.outbound .offered .option", (els) => els.map((e) => e.textContent));
  if (JSON.stringify(consoleOptions) !== JSON.stringify(OPTIONS)) throw new Error("console shows the options " + JSON.stringify(consoleOptions));
  const sentAt = Date.now();
  const button = `#thread li.msg.them .options button.option:has-text("${TAPPED}")`;
  await simPage.waitForSelector(button, { timeout: 30000 });
  timings.buttons_to_phone_ms = Date.now() - sentAt;
  const simOptions = await simPage.$$eval("#thread li.msg.them .options button.option", (els) => els.map((e) => e.textContent));
  if (JSON.stringify(simOptions) !== JSON.stringify(OPTIONS)) throw new Error("the phone shows the buttons " + JSON.stringify(simOptions));
  await shot(simPage, "sim-buttons.png");
  step("buttons_reach_sim");

  // 3. The customer taps one; the console shows the tap and what offered it.
  await simPage.click(button);
  const tapped = `#transcript li.msg.inbound .tapped:has-text("Tapped “${TAPPED}”")`;
  await consolePage.waitForSelector(tapped, { timeout: 30000 });
  const tapText = await consolePage.textContent(tapped);
  if (!tapText.includes("moyen") || !tapText.includes("on: " + QUESTION)) throw new Error("the tap in the console: " + JSON.stringify(tapText));
  await shot(consolePage, "console-tap.png");
  step("tap_reaches_console");

  // 4. A quick reply, then a PDF.
  await consolePage.focus("#composer-text");
  await consolePage.keyboard.type("/" + QUICK_REPLY_SHORTCUT.slice(0, 3));
  await consolePage.waitForSelector(`#qr-picker:not([hidden]) li[data-shortcut="${QUICK_REPLY_SHORTCUT}"][aria-selected="true"]`);
  await consolePage.keyboard.press("Enter"); // inserts
  const inserted = await consolePage.inputValue("#composer-text");
  if (inserted !== QUICK_REPLY_TEXT) throw new Error("quick reply inserted " + JSON.stringify(inserted) + ", want " + JSON.stringify(QUICK_REPLY_TEXT));
  await consolePage.keyboard.press("Enter"); // sends
  await simPage.waitForSelector(`#thread li.msg.them >> text=${QUICK_REPLY_TEXT}`, { timeout: 30000 });
  step("quick_reply_reaches_sim");

  await consolePage.setInputFiles("#composer-file", { name: PDF_NAME, mimeType: "application/pdf", buffer: PDF });
  await consolePage.click("#send-btn");
  const pdfLink = `#thread li.msg.them a:has-text("Attachment (application/pdf)")`;
  await simPage.waitForSelector(pdfLink, { timeout: 30000 });
  const href = await simPage.getAttribute(pdfLink, "href");
  const got = await simPage.evaluate(async (u) => {
    const res = await fetch(new URL(u, location.href));
    const b = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get("Content-Type"), size: b.length, head: String.fromCharCode(...b.slice(0, 5)) };
  }, href);
  if (got.status !== 200 || !String(got.type).startsWith("application/pdf") || got.size !== PDF.length || got.head !== "%PDF-") {
    throw new Error("the phone's PDF: " + JSON.stringify(got));
  }
  await consolePage.waitForSelector(`#transcript li.msg.outbound a.attachment`, { timeout: 30000 });
  await shot(consolePage, "console-interactive.png");
  await shot(simPage, "sim-interactive.png");
  step("pdf_reaches_sim");

  if (problems.length) throw new Error("the pages reported errors:\n  " + problems.join("\n  "));
} catch (err) {
  failed = true;
  console.error("interactive_sim: FAILED: " + (err && err.stack || err));
  for (const p of problems) console.error("  " + p);
  await shot(consolePage, "failure-interactive-console.png").catch(() => {});
  await shot(simPage, "failure-interactive-sim.png").catch(() => {});
  console.error("console transcript: " + await consolePage.textContent("#transcript").catch(() => ""));
  console.error("phone thread: " + await simPage.textContent("#thread").catch(() => ""));
} finally {
  await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
timings.total_ms = Date.now() - t0;
console.log("timings " + JSON.stringify(timings));
if (failed) process.exit(1);
console.log("interactive_sim: ok");
