// The real `useChat` (@ai-sdk/react, React 19) in Debian's Chromium, on another origin, against
// /v1/ui/chat with an end-user token and only the stock DefaultChatTransport: send, reload the
// page mid-answer, and the reloaded app (history `format=ui` + `resume: true`) ends with the
// full answer exactly once, while the thread holds each message once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { UIMessage } from "ai";
import type { Browser, Page } from "playwright-core";
import type { BunServer } from "../../src/serve-bun.ts";
import { HAVE_CHROMIUM, launchChromium } from "../support/chromium.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

const hasBrowser = HAVE_CHROMIUM;
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i + 1} `).join("");

describe.if(hasBrowser)("useChat in a browser", () => {
  let spool: TestSpool;
  let server: BunServer;
  let page: ReturnType<typeof Bun.serve>;
  let browser: Browser;

  beforeAll(async () => {
    spool = await startSpool();
    server = await spool.listen();
    const built = await Bun.build({
      entrypoints: [join(import.meta.dir, "pages/use-chat-page.ts")],
      target: "browser",
      define: { "process.env.NODE_ENV": '"production"' },
    });
    if (!built.success) throw new Error(built.logs.join("\n"));
    const bundle = await built.outputs[0]!.text();
    page = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) =>
        new URL(request.url).pathname === "/app.js"
          ? new Response(bundle, { headers: { "content-type": "text/javascript" } })
          : new Response(
              '<!doctype html><div id="root"></div><script type="module" src="/app.js"></script>',
              {
                headers: { "content-type": "text/html" },
              },
            ),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    page?.stop(true);
    await spool?.close();
  });

  const app = (tab: Page) =>
    tab.evaluate(() => {
      const state = (window as unknown as { chatApp?: { messages: UIMessage[]; status: string } })
        .chatApp;
      return state ? { messages: state.messages, status: state.status } : null;
    });
  const textOf = (m: UIMessage | undefined) =>
    (m?.parts ?? []).map((p) => (p.type === "text" ? p.text : "")).join("");

  async function until<T>(
    tab: Page,
    check: (s: Awaited<ReturnType<typeof app>>) => T | undefined,
    what: string,
  ) {
    for (let i = 0; i < 400; i++) {
      const found = check(await app(tab));
      if (found !== undefined && found !== false) return found;
      await Bun.sleep(25);
    }
    throw new Error(`timed out: ${what}`);
  }

  test("a reload mid-answer resumes and ends with the full text once", async () => {
    const thread = (await spool.json("POST", "/v1/threads", { end_user_id: "web" })).body
      .id as string;
    const token = (await spool.json("POST", "/v1/end_user_tokens", { end_user_id: "web" })).body
      .token as string;
    const api = `http://127.0.0.1:${server.port}`;
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${page.port}/?api=${api}&thread=${thread}&token=${token}`);
    await until(tab, (s) => s?.status === "ready", "the app to mount");
    await tab.evaluate(() =>
      (window as unknown as { chatApp: { send(t: string): void } }).chatApp.send(
        "[chunks=60] [delay_ms=25] long",
      ),
    );
    await until(tab, (s) => textOf(s?.messages[1]).length > 0, "the answer to start");

    await tab.reload();
    const done = await until(
      tab,
      (s) =>
        s?.status === "ready" && s.messages.length === 2 && textOf(s.messages[1]) === words(60)
          ? s
          : undefined,
      "the resumed answer",
    );
    expect(done.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(textOf(done.messages[1])).toBe(words(60));
    const stored = (await spool.json("GET", `/v1/threads/${thread}/messages`)).body as {
      data: { role: string; status: string }[];
    };
    expect(stored.data.map((m) => `${m.role}:${m.status}`)).toEqual([
      "user:completed",
      "assistant:completed",
    ]);
    await tab.close();
  });
});
