// A real browser (Debian's Chromium through playwright-core): an EventSource on another origin
// follows a thread with `?token=`, the server drops the stream mid-answer, and the browser's own
// reconnect with Last-Event-ID resumes with no lost and no duplicated event.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import type { BunServer } from "../../src/serve-bun.ts";
import { HAVE_CHROMIUM, launchChromium } from "../support/chromium.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

const hasBrowser = HAVE_CHROMIUM;

describe.if(hasBrowser)("browser EventSource", () => {
  let spool: TestSpool;
  let server: BunServer;
  let page: ReturnType<typeof Bun.serve>;
  let browser: Browser;

  beforeAll(async () => {
    spool = await startSpool();
    server = await spool.listen();
    page = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () =>
        new Response("<!doctype html><title>app</title>", {
          headers: { "content-type": "text/html" },
        }),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    page?.stop(true);
    await spool?.close();
  });

  test("reconnects with Last-Event-ID after a drop and ends with the stored message", async () => {
    const thread = (await spool.json("POST", "/v1/threads", { end_user_id: "web" })).body
      .id as string;
    const token = (await spool.json("POST", "/v1/end_user_tokens", { end_user_id: "web" })).body
      .token as string;
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${page.port}/`);
    const api = `http://127.0.0.1:${server.port}`;
    await tab.evaluate(
      ({ api, thread, token }) => {
        const w = window as unknown as {
          events: { id: string; type: string; data: string }[];
          opens: number;
        };
        w.events = [];
        w.opens = 0;
        const source = new EventSource(`${api}/v1/threads/${thread}/stream?token=${token}`);
        source.onopen = () => w.opens++;
        for (const type of [
          "message.created",
          "block.start",
          "block.delta",
          "block.stop",
          "message.completed",
          "message.incomplete",
          "stream.reset",
        ]) {
          source.addEventListener(type, (e) =>
            w.events.push({
              id: (e as MessageEvent).lastEventId,
              type,
              data: (e as MessageEvent).data,
            }),
          );
        }
      },
      { api, thread, token },
    );
    await tab.waitForFunction(() => (window as unknown as { opens: number }).opens === 1);
    const sent = tab.evaluate(
      async ({ api, thread, token }) => {
        const response = await fetch(`${api}/v1/threads/${thread}/messages`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ content: "go [chunks=30][delay_ms=40]", model: "spool/echo" }),
        });
        return response.status;
      },
      { api, thread, token },
    );
    await tab.waitForFunction(
      () => (window as unknown as { events: unknown[] }).events.length >= 10,
    );
    await spool.runtime.services.host.local(thread)?.stop("reconnect");
    await tab.waitForFunction(
      () =>
        (window as unknown as { events: { type: string }[] }).events.some(
          (e) => e.type === "message.incomplete" || e.type === "message.completed",
        ),
      undefined,
      { timeout: 15_000 },
    );
    expect(await sent).toBe(200);
    const { events, opens } = await tab.evaluate(() => {
      const w = window as unknown as {
        events: { id: string; type: string; data: string }[];
        opens: number;
      };
      return { events: w.events, opens: w.opens };
    });
    expect(opens).toBeGreaterThanOrEqual(2);
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const assistant = events.filter((e) => e.id.startsWith("2:"));
    expect(assistant.map((e) => Number(e.id.split(":")[1]))).toEqual(assistant.map((_, i) => i));
    const text = assistant
      .filter((e) => e.type === "block.delta")
      .map((e) => (JSON.parse(e.data) as { delta: { text: string } }).delta.text)
      .join("");
    const stored = await spool.json("GET", `/v1/threads/${thread}/messages/2`);
    expect(stored.body.status).toBe("incomplete");
    expect(stored.body.stop_reason).toBe("interrupted");
    expect((stored.body.content as { text: string }[])[0]?.text).toBe(text);
  }, 30_000);
});

if (!hasBrowser) {
  test.skip("skipped: browser tests need Debian's chromium (apt-get install -y chromium)", () =>
    undefined);
}
