// Switchboard pages, shared: the live event stream (Server-Sent Events) of
// the agent console and the supervisor page, served as sse.js beside each
// page's own files. An EventSource cannot send the token, so the stream is
// read with fetch() and parsed here.
//
// The page's script defines, before any stream starts:
//   S        with token, lastEventId and retry (updated here);
//   onEvent(type, data)  called with each event (looked up at each event).
"use strict";

const STREAM_SILENCE = 45000; // three missed 15 s heartbeats: reconnect

// streamLoop keeps the event stream at url open until ctrl aborts: on a drop
// it waits (the server's retry:, growing up to 30 s while it keeps failing)
// and resumes with Last-Event-ID, so no event is lost. opts:
//   live(on)           the connection is up (true) or being retried (false);
//   connected(again)   a connection opened; again: not the first one (refresh
//                      what was not an event);
//   refused(status)    401 or 403: the loop ends there.
async function streamLoop(ctrl, url, opts) {
  let failures = 0;
  let connectedBefore = false;
  while (!ctrl.signal.aborted) {
    // One connection: ends with the page (sign out) or when nothing, not
    // even the server's 15 s heartbeat, arrived for STREAM_SILENCE.
    const conn = new AbortController();
    const stop = () => conn.abort();
    ctrl.signal.addEventListener("abort", stop);
    let lastData = Date.now();
    const watchdog = setInterval(() => { if (Date.now() - lastData > STREAM_SILENCE) conn.abort(); }, 5000);
    try {
      const headers = { Authorization: "Bearer " + S.token, Accept: "text/event-stream" };
      if (S.lastEventId) headers["Last-Event-ID"] = S.lastEventId;
      const res = await fetch(url, { headers, signal: conn.signal, cache: "no-store" });
      if (res.status === 401 || res.status === 403) { opts.refused(res.status); return; }
      if (!res.ok || !res.body) throw new Error("HTTP " + res.status);
      opts.live(true);
      failures = 0;
      opts.connected(connectedBefore);
      connectedBefore = true;
      await readEvents(res.body, conn.signal, () => { lastData = Date.now(); });
    } catch (e) {
      if (ctrl.signal.aborted) return;
      failures++;
    } finally {
      clearInterval(watchdog);
      ctrl.signal.removeEventListener("abort", stop);
    }
    if (ctrl.signal.aborted) return;
    opts.live(false);
    await new Promise((r) => setTimeout(r, Math.min(S.retry * Math.max(1, 2 ** Math.max(0, failures - 1)), 30000)));
  }
}

// readEvents parses text/event-stream as the HTML standard says: lines end
// with \n, \r\n or \r; "field: value" (one space after the colon dropped);
// ":" starts a comment; a blank line dispatches the event to onEvent.
async function readEvents(body, signal, onData) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let type = "";
  let data = "";
  let sawCR = false;
  const line = (l) => {
    if (l === "") {
      if (data !== "") onEvent(type || "message", data.endsWith("\n") ? data.slice(0, -1) : data);
      type = "";
      data = "";
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
      if (sawCR && chunk[0] === "\n") chunk = chunk.slice(1); // \r\n split across chunks
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
