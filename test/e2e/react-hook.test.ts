// `useSpoolThread` in a real React 19 render in Chromium: the hook loads the thread, goes live,
// `send` runs a turn whose streamed text shows up, status is `streaming` while it runs, `cancel`
// stops it (incomplete/cancelled), and errors arrive as `error.code`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import type { BunServer } from "../../src/serve-bun.ts";
import { HAVE_CHROMIUM, launchChromium } from "../support/chromium.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

const hasBrowser = HAVE_CHROMIUM;

describe.if(hasBrowser)("useSpoolThread in Chromium", () => {
  let spool: TestSpool;
  let server: BunServer;
  let site: ReturnType<typeof Bun.serve>;
  let browser: Browser;

  beforeAll(async () => {
    spool = await startSpool();
    server = await spool.listen();
    const built = await Bun.build({
      entrypoints: [join(import.meta.dir, "fixtures/react-app.ts")],
      minify: false,
      format: "esm",
      target: "browser",
      define: { "process.env.NODE_ENV": '"development"' },
    });
    if (!built.success) throw new Error(JSON.stringify(built.logs));
    const app = await built.outputs[0]!.text();
    site = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) =>
        new URL(request.url).pathname === "/app.js"
          ? new Response(app, { headers: { "content-type": "application/javascript" } })
          : new Response(
              '<!doctype html><div id="root"></div><script type="module" src="/app.js"></script>',
              {
                headers: { "content-type": "text/html" },
              },
            ),
    });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    site?.stop(true);
    await spool?.close();
  });

  async function openApp(): Promise<{ tab: Page; thread: string }> {
    const thread = (await spool.json("POST", "/v1/threads", { end_user_id: "react" })).body
      .id as string;
    const token = (await spool.json("POST", "/v1/end_user_tokens", { end_user_id: "react" })).body
      .token as string;
    const tab = await browser.newPage();
    const query = new URLSearchParams({ api: `http://127.0.0.1:${server.port}`, token, thread });
    await tab.goto(`http://127.0.0.1:${site.port}/?${query}`);
    await tab.waitForFunction(() => document.getElementById("status")?.textContent === "ready");
    return { tab, thread };
  }

  test("send streams into messages; status streaming then ready", async () => {
    const { tab, thread } = await openApp();
    await tab.evaluate(() => {
      const w = window as unknown as {
        chat: { send(c: string): Promise<void> };
        statuses: string[];
      };
      w.statuses = [];
      new MutationObserver(() =>
        w.statuses.push(document.getElementById("status")!.textContent!),
      ).observe(document.getElementById("status")!, {
        childList: true,
        characterData: true,
        subtree: true,
      });
      void w.chat.send("[chunks=30][delay_ms=30]");
    });
    await tab.waitForFunction(
      () => document.querySelector('[data-seq="2"]')?.getAttribute("data-status") === "completed",
      undefined,
      { timeout: 20_000 },
    );
    const text = await tab.textContent('[data-seq="2"]');
    expect(text).toBe(Array.from({ length: 30 }, (_, i) => `w${i + 1} `).join(""));
    const statuses = await tab.evaluate(
      () => (window as unknown as { statuses: string[] }).statuses,
    );
    expect(statuses).toContain("streaming");
    expect(await tab.textContent("#status")).toBe("ready");
    const stored = await spool.json("GET", `/v1/threads/${thread}/messages/2`);
    expect((stored.body.content as { text: string }[])[0]?.text).toBe(text!);
    await tab.close();
  }, 30_000);

  test("cancel stops the answer; a refused send sets error.code", async () => {
    const { tab } = await openApp();
    await tab.evaluate(() => {
      const w = window as unknown as { chat: { send(c: string): Promise<void> } };
      void w.chat.send("[chunks=500][delay_ms=20]");
    });
    await tab.waitForFunction(() =>
      (document.querySelector('[data-seq="2"]')?.textContent ?? "").includes("w5 "),
    );
    await tab.evaluate(() =>
      (window as unknown as { chat: { cancel(): Promise<void> } }).chat.cancel(),
    );
    await tab.waitForFunction(
      () => document.querySelector('[data-seq="2"]')?.getAttribute("data-status") === "incomplete",
    );
    const code = await tab.evaluate(async () => {
      const w = window as unknown as { chat: { send(c: string, o: object): Promise<void> } };
      return w.chat.send("x", { temperature: 9 }).then(
        () => "ok",
        (e: { code: string }) => e.code,
      );
    });
    expect(code).toBe("validation_failed");
    await tab.waitForFunction(
      () => document.getElementById("error")?.textContent === "validation_failed",
    );
    await tab.close();
  }, 30_000);
});

if (!hasBrowser) {
  test.skip("skipped: browser tests need Debian's chromium (apt-get install -y chromium)", () =>
    undefined);
}
