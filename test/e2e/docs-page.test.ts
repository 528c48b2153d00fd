// The /docs page renders the OpenAPI 3.1 document in a real browser with no internet: Swagger UI
// comes from the swagger-ui-dist package, every request stays on the server, and the operations,
// tags and schemas of the document are on the page.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { MemoryMetrics } from "../../src/adapters/metrics/memory-metrics.ts";
import { loadConfig } from "../../src/config.ts";
import { buildApp, handleHttp } from "../../src/http/app.ts";
import type { Services } from "../../src/http/services.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import { HAVE_CHROMIUM, launchChromium } from "../support/chromium.ts";

describe.if(HAVE_CHROMIUM)("the offline OpenAPI page", () => {
  let server: ReturnType<typeof Bun.serve>;
  let browser: Browser;

  beforeAll(async () => {
    // The page and the document need no backend: routes touch services only per request.
    const services = {
      config: loadConfig({}),
      logger: silentLogger,
      metrics: new MemoryMetrics(),
    } as unknown as Services;
    const app = buildApp(services, { onKeyRevoked: () => undefined });
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (r) => handleHttp(app, r, services),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    server?.stop(true);
  });

  test("renders every tag and operation from local assets only", async () => {
    const tab = await browser.newPage();
    const requested: string[] = [];
    tab.on("request", (request) => requested.push(request.url()));
    const origin = `http://127.0.0.1:${server.port}`;
    await tab.goto(`${origin}/docs`);
    await tab.waitForSelector(".opblock-summary", { timeout: 30_000 });
    const summaries = await tab.$$eval(".opblock-summary-description", (els) =>
      els.map((e) => e.textContent ?? ""),
    );
    expect(summaries.length).toBeGreaterThan(25);
    expect(summaries).toContain("Create a thread");
    expect(summaries).toContain("SSE: replay after the cursor, then follow the thread live");
    const text = await tab.textContent("body");
    for (const tag of ["threads", "messages", "streaming", "admin", "operations"])
      expect(text).toContain(tag);
    expect(text).toContain("OAS 3.1");
    expect(requested.length).toBeGreaterThan(2);
    for (const url of requested)
      expect(url.startsWith(origin) || url.startsWith("data:")).toBe(true);
    await tab.close();
  }, 60_000);
});
