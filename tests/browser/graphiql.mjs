// Drives headless Chromium through GraphiQL on a running Marquee with the
// network off, and prints a JSON report on stdout for the Rust test
// (tests/tests/api/graphiql.rs) to judge. It asserts nothing itself: it
// exits non-zero only when it cannot drive the page (a timeout, no browser).
//
//   node graphiql.mjs http://127.0.0.1:PORT KNOWN_AUTHOR_EMAIL
//
// KNOWN_AUTHOR_EMAIL has an approved comment on the review "her", so a new
// comment from it is published, and announced to subscribers, at once.
// CHROMIUM overrides the browser (default /usr/bin/chromium).
//
// "Network off": the page's browser context sends every request that is
// not for 127.0.0.1 to a proxy this script runs (`trap`), which records
// the request's first line and hangs up; Chromium's own traffic (updates,
// sign-in) goes to a second one (`chromiumTrap`), so it is not taken for
// the page's; and every host name but 127.0.0.1 resolves to nothing. A
// page reaching for another host fails, and the report shows it twice:
// in `requests` (every request the page made) and in `trap`. The
// `control` step checks that the blocking works.

import net from "node:net";
import { chromium } from "playwright-core";

const [base, knownAuthor] = process.argv.slice(2);
if (!base || !knownAuthor) {
  console.error("usage: node graphiql.mjs http://127.0.0.1:PORT KNOWN_AUTHOR_EMAIL");
  process.exit(2);
}
const QUERY = '{ review(slug: "her") { headline } }';
// Unique, so a rerun against the same database is not a duplicate comment.
const LIVE_BODY = `Live through GraphiQL, ${Date.now()}.`;

// The page's browser context sends everything but 127.0.0.1 to `trap`;
// Chromium's own traffic (updates, accounts) goes to `chromiumTrap`, so
// it is not mistaken for the page's.
const trap = await trapProxy();
const chromiumTrap = await trapProxy();

const report = {
  requests: [],
  failed: [],
  websockets: [],
  framesSent: [],
  trap: [],
  chromiumTrap: [],
  console: [],
  pageErrors: [],
  cspViolations: [],
  editor: null,
  queryResult: null,
  subscriptionResult: null,
  liveComment: null,
  control: {},
  controlTrap: [],
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    `--proxy-server=${chromiumTrap.url}`,
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--disable-dev-shm-usage",
    // Less of Chromium's own traffic (it goes to chromiumTrap anyway).
    "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter",
    "--disable-domain-reliability",
    "--no-pings",
  ],
});
try {
  // Straight to 127.0.0.1 (the server under test), all else to the trap.
  const context = await browser.newContext({
    proxy: { server: trap.url, bypass: "127.0.0.1" },
  });
  // Reported by the browser when the page's Content-Security-Policy
  // refuses something.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  page.on("request", (r) => report.requests.push(`${r.method()} ${r.url()}`));
  page.on("requestfailed", (r) => report.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on("websocket", (ws) => {
    report.websockets.push(ws.url());
    ws.on("framesent", (f) => report.framesSent.push(String(f.payload)));
  });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") {
      report.console.push(`${m.type()}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => report.pageErrors.push(String(e)));

  await page.goto(`${base}/graphql`, { waitUntil: "load" });
  const editor = page.locator(".graphiql-query-editor .CodeMirror");
  const response = page.locator(".graphiql-response");
  const run = page.locator(".graphiql-execute-button");

  // Types `text` into the query editor as a person would, replacing what
  // is there, and returns what the editor then holds.
  async function type(text) {
    await editor.click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.press("Delete");
    // CodeMirror closes brackets and quotes as they are typed; typing the
    // closing one then steps over it, so the text comes out as typed.
    await page.keyboard.type(text);
    // Dismiss autocompletion, if it is showing.
    await page.keyboard.press("Escape");
    // GraphiQL parses the document a moment after the last keystroke (it
    // needs the parse to send a subscription over the WebSocket); a person
    // takes longer than this to reach for the run button.
    await page.waitForTimeout(500);
    return editor.evaluate((e) => e.CodeMirror.getValue());
  }

  // A query, run with the run button.
  report.editor = await type(QUERY);
  await run.click();
  await response.filter({ hasText: '"headline": "Her"' }).waitFor({ timeout: 20000 });
  report.queryResult = await response.innerText();

  // A dialog: GraphiQL writes a <style> element while one is open, which
  // the page's Content-Security-Policy lets in by its nonce alone.
  await page.getByRole("button", { name: "Open short keys dialog" }).click();
  await page.getByRole("dialog").waitFor();
  await page.keyboard.press("Escape");
  await page.getByRole("dialog").waitFor({ state: "detached" });

  // A subscription, over the WebSocket at /graphql.
  const reviewId = await graphql(`{ review(slug: "her") { id } }`).then(
    (body) => body.data.review.id,
  );
  await type(
    `subscription { commentAdded(reviewId: "${reviewId}") { authorName body } }`,
  );
  await run.click();
  await waitFor(() => report.framesSent.some((f) => f.includes('"subscribe"')), 20000);
  // Give the server a moment to register it, as the Rust tests do.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const added = await graphql(
    "mutation ($i: AddCommentInput!) { addComment(input: $i) { status } }",
    { i: { reviewId, authorName: "Ada", authorEmail: knownAuthor, body: LIVE_BODY } },
  );
  report.liveComment = added.data?.addComment?.status ?? JSON.stringify(added);
  await response.filter({ hasText: LIVE_BODY }).waitFor({ timeout: 20000 });
  report.subscriptionResult = await response.innerText();

  report.cspViolations = await page.evaluate(() => window.__cspViolations);
  report.trap = [...trap.seen];

  // The control: the same browser cannot reach another host, by name or
  // by address (so the page above was not merely lucky), and the attempt
  // is caught by the trap.
  const probe = await context.newPage();
  for (const url of ["http://example.com/", "https://unpkg.com/", "http://93.184.216.34/"]) {
    try {
      await probe.goto(url, { timeout: 15000 });
      report.control[url] = "loaded";
    } catch (e) {
      report.control[url] = String(e.message).split("\n")[0];
    }
  }
  report.controlTrap = trap.seen.slice(report.trap.length);
} catch (e) {
  // Reported with everything seen so far, for the test's message.
  report.error = String(e.stack || e);
  process.exitCode = 1;
} finally {
  await browser.close();
  trap.server.close();
  chromiumTrap.server.close();
}
report.chromiumTrap = chromiumTrap.seen;
console.log(JSON.stringify(report, null, 2));

/** A proxy on 127.0.0.1 that records the first line of each request sent
 * to it (`GET http://host/…` or `CONNECT host:443`) and hangs up. */
async function trapProxy() {
  const seen = [];
  const server = net.createServer((socket) => {
    socket.once("data", (chunk) => {
      seen.push(chunk.toString("latin1").split("\r\n")[0]);
      socket.destroy();
    });
    socket.on("error", () => {});
    socket.setTimeout(2000, () => socket.destroy());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, seen, url: `http://127.0.0.1:${server.address().port}` };
}

/** POSTs a GraphQL request from this script (not from the page). */
async function graphql(query, variables = {}) {
  const r = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return r.json();
}

/** Polls `condition` until it holds, or throws after `ms`. */
async function waitFor(condition, ms) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
