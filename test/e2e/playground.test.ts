// The playground in a real browser (Debian's Chromium through playwright-core), on the SDK bundle
// served at /sdk/spool.js: it chats with spool/echo; a reload mid-answer resumes without
// duplicated text and says where it resumed from; two tabs show the same messages; an answer
// survives connections cut by a proxy. Screenshots go to test/e2e/output/ and the test checks the
// text they show is in the DOM.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import type { BunServer } from "../../src/serve-bun.ts";
import { HAVE_CHROMIUM, launchChromium } from "../support/chromium.ts";
import { type CuttingProxy, startCuttingProxy } from "../support/cutting-proxy.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

const hasBrowser = HAVE_CHROMIUM;
const OUTPUT = join(import.meta.dir, "output");
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i + 1} `).join("");

describe.if(hasBrowser)("playground", () => {
  let spool: TestSpool;
  let server: BunServer;
  let proxy: CuttingProxy;
  let browser: Browser;
  let direct: string;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    spool = await startSpool();
    server = await spool.listen();
    proxy = await startCuttingProxy(server.port);
    direct = `http://127.0.0.1:${server.port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await spool?.close();
  });

  async function token(endUser: string): Promise<string> {
    const minted = await spool.json("POST", "/v1/end_user_tokens", { end_user_id: endUser });
    return minted.body.token as string;
  }

  async function open(origin: string, endUser: string, hash = ""): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    await context.addInitScript(
      (t) => localStorage.setItem("spool.playground.token", t),
      await token(endUser),
    );
    const tab = await context.newPage();
    await tab.goto(`${origin}/playground${hash}`);
    await tab.waitForFunction(() => location.hash.startsWith("#thr_"));
    await tab.waitForSelector(".status.live");
    return tab;
  }

  async function say(tab: Page, text: string): Promise<void> {
    await tab.fill("#input", text);
    await tab.click("#send");
  }

  /** Text of the assistant message `seq` as the page shows it. */
  function shown(tab: Page, seq: number): Promise<string> {
    return tab.evaluate(
      (s) => document.querySelector(`.msg[data-seq="${s}"] .text`)?.textContent ?? "",
      seq,
    );
  }

  async function screenshot(tab: Page, name: string, mustShow: string[]): Promise<void> {
    await tab.screenshot({ path: join(OUTPUT, `${name}.png`) });
    const text = await tab.evaluate(() => document.body.textContent ?? "");
    for (const needle of mustShow) expect(text).toContain(needle);
  }

  test("chats with spool/echo, never holding a secret key", async () => {
    const tab = await open(direct, "pg-chat");
    await say(tab, "hello playground");
    await tab.waitForSelector('.msg.assistant.completed[data-seq="2"]');
    expect(await shown(tab, 2)).toBe("Echo: hello playground");
    const html = await tab.content();
    expect(html).not.toContain(spool.secretKey);
    expect(await tab.evaluate(() => JSON.stringify(localStorage))).not.toContain("sk_");
    await screenshot(tab, "playground-chat", [
      "hello playground",
      "Echo: hello playground",
      "live",
    ]);
    await tab.context().close();
  }, 30_000);

  test("without a token it shows how to mint one; a pasted token opens the chat", async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${direct}/playground`);
    await tab.waitForSelector("#login:not([hidden])");
    expect(await tab.textContent("#curl")).toContain("/v1/end_user_tokens");
    await tab.fill("#token", await token("pg-paste"));
    await tab.click("#token-form button");
    await tab.waitForSelector(".status.live");
    expect(await tab.evaluate(() => location.hash)).toMatch(/^#thr_/);
    await context.close();
  }, 30_000);

  test("cancel stops the answer half-way", async () => {
    const tab = await open(direct, "pg-cancel");
    await say(tab, "[chunks=500][delay_ms=20]");
    await tab.waitForFunction(() =>
      (document.querySelector('.msg[data-seq="2"] .text')?.textContent ?? "").includes("w5 "),
    );
    await tab.click("#cancel");
    await tab.waitForSelector('.msg.assistant.incomplete[data-seq="2"]');
    expect(await tab.textContent('.msg[data-seq="2"] .meta')).toContain("cancelled");
    expect((await shown(tab, 2)).split(" ").length).toBeLessThan(500);
    await tab.context().close();
  }, 30_000);

  test("a client tool call is a card; answering it continues the turn", async () => {
    const tab = await open(direct, "pg-tools");
    await tab.check("#tools");
    await say(tab, 'weather? [tool:get_weather {"city":"Paris"}]');
    await tab.waitForSelector(".card.tool-use button");
    expect(await tab.textContent(".card.tool-use")).toContain('get_weather {"city":"Paris"}');
    await tab.click(".card.tool-use button");
    await tab.waitForFunction(() =>
      [...document.querySelectorAll(".msg.assistant.completed .text")].some((n) =>
        (n.textContent ?? "").startsWith("Tool returned: Sunny in Paris"),
      ),
    );
    await screenshot(tab, "playground-tools", [
      "tool call get_weather",
      "Tool returned: Sunny in Paris",
    ]);
    await tab.context().close();
  }, 30_000);

  test("a reload mid-answer resumes without duplicated text; two tabs show the same", async () => {
    const tab = await open(direct, "pg-reload");
    const hash = await tab.evaluate(() => location.hash);
    const second = await open(direct, "pg-reload", hash);
    await say(tab, "[chunks=60][delay_ms=60]");
    await tab.waitForFunction(() =>
      (document.querySelector('.msg[data-seq="2"] .text')?.textContent ?? "").includes("w10 "),
    );
    await tab.reload();
    await tab.waitForSelector('.msg.assistant.completed[data-seq="2"]', { timeout: 20_000 });
    expect(await shown(tab, 2)).toBe(words(60));
    await tab.waitForSelector(".resumed:not([hidden])");
    const banner = await tab.textContent(".resumed");
    expect(banner).toMatch(/^resumed from 2:\d+$/);
    await second.waitForSelector('.msg.assistant.completed[data-seq="2"]', { timeout: 20_000 });
    const both = await Promise.all(
      [tab, second].map((t) => t.evaluate(() => document.querySelector("#messages")!.textContent)),
    );
    expect(both[0]).toBe(both[1]!);
    await screenshot(tab, "playground-reload", [banner!, "w60"]);
    await screenshot(second, "playground-second-tab", ["w60"]);
    await tab.context().close();
    await second.context().close();
  }, 40_000);

  test("an answer survives connections cut by a proxy", async () => {
    const tab = await open(proxy.url, "pg-cut");
    await say(tab, "[chunks=60][delay_ms=50] cut me");
    for (const at of ["w10 ", "w25 ", "w40 "]) {
      await tab.waitForFunction(
        (needle) =>
          (document.querySelector('.msg[data-seq="2"] .text')?.textContent ?? "").includes(needle),
        at,
      );
      proxy.cut();
    }
    await tab.waitForSelector('.msg.assistant.completed[data-seq="2"]', { timeout: 30_000 });
    expect(await shown(tab, 2)).toBe(words(60));
    const stored = await spool.json(
      "GET",
      `/v1/threads/${(await tab.evaluate(() => location.hash)).slice(1)}/messages/2`,
    );
    expect((stored.body.content as { text: string }[])[0]?.text).toBe(words(60));
    await tab.waitForSelector(".resumed:not([hidden])");
    await screenshot(tab, "playground-cut", ["resumed from 2:", "w60"]);
    await tab.context().close();
  }, 40_000);
});

describe("playground routes", () => {
  let spool: TestSpool;
  beforeAll(async () => {
    spool = await startSpool();
  });
  afterAll(() => spool?.close());

  test("/sdk/spool.js is one ES module; the page and its assets are served", async () => {
    const sdk = await spool.call("GET", "/sdk/spool.js");
    expect(sdk.status).toBe(200);
    expect(sdk.headers.get("content-type")).toContain("javascript");
    const code = await sdk.text();
    expect(code).toContain("export{");
    expect(code).not.toContain("@sinclair");
    expect((await spool.call("GET", "/playground")).status).toBe(200);
    expect((await spool.call("GET", "/playground/app.js")).status).toBe(200);
    expect((await spool.call("GET", "/playground/..%2Fclient-pages.ts")).status).toBe(404);
    expect((await spool.call("GET", "/playground/index.html")).status).toBe(404);
  });

  test("/playground/token is off unless PLAYGROUND_SECRET_KEY is set; then mints a token", async () => {
    const off = await spool.json("POST", "/playground/token", {});
    expect(off.status).toBe(404);
    spool.runtime.services.config.playgroundSecretKey = spool.secretKey;
    try {
      const on = await spool.json<{ token: string; end_user_id: string }>(
        "POST",
        "/playground/token",
        {},
      );
      expect(on.status).toBe(201);
      expect(on.body.token.startsWith("eut_")).toBe(true);
      expect(on.body.end_user_id).toBe("playground");
      const bad = await spool.json("POST", "/playground/token", { end_user_id: "" });
      expect(bad.status).toBe(422);
      const junk = await spool.call("POST", "/playground/token", "{not json");
      expect(junk.status).toBe(400);
      const foreign = await spool.call("POST", "/playground/token", {}, undefined, {
        origin: "http://evil.example",
      });
      expect(foreign.status).toBe(401);
      const own = await spool.call("POST", "/playground/token", {}, undefined, {
        origin: "http://localhost",
      });
      expect(own.status).toBe(201);
    } finally {
      spool.runtime.services.config.playgroundSecretKey = null;
    }
  });
});

if (!hasBrowser) {
  test.skip("skipped: browser tests need Debian's chromium (apt-get install -y chromium)", () =>
    undefined);
}
