// Finished-message jobs (token backfill, embedding) run after persistence, not beside it: a normal
// streamed turn, with tool-free and tool turns, logs no warning at all ("job failed … message not
// ready" used to appear on every streamed turn, with the retries hiding it).
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Logger } from "../../src/ports/logger.ts";
import { parsePrometheus } from "../support/prom-text.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { FINAL_TYPES, SseReader } from "../support/sse-client.ts";

const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
const capture: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message, fields) => void warnings.push({ message, ...(fields ? { fields } : {}) }),
  error: (message, fields) => void warnings.push({ message, ...(fields ? { fields } : {}) }),
};

let spool: TestSpool;
beforeAll(async () => {
  spool = await startSpool({}, capture);
});
afterAll(() => spool.close());

test("streamed turns log no warning once every job has run", async () => {
  const server = await spool.listen();
  const base = `http://127.0.0.1:${server.port}`;
  const created = await spool.json<{ id: string }>("POST", "/v1/threads", { end_user_id: "u1" });
  const thread = created.body.id;
  for (let turn = 0; turn < 3; turn++) {
    const reader = new SseReader(
      fetch(`${base}/v1/threads/${thread}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${spool.secretKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          content: `turn ${turn} [chunks=8]`,
          model: "spool/echo",
          stream: true,
        }),
      }),
    );
    expect(await reader.until((events) => events.some((e) => FINAL_TYPES.has(e.type)))).toBe(true);
  }
  // Wait until every message is persisted and no job is left in any queue (read from /metrics).
  const deadline = Date.now() + 15_000;
  let done = false;
  while (!done && Date.now() < deadline) {
    const rows = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((seq) => spool.runtime.services.store.getMessage(thread, seq)),
    );
    const families = parsePrometheus(await spool.runtime.services.metrics.render());
    const pending = families
      .get("spool_queue_jobs")!
      .samples.filter((s) => ["waiting", "active", "delayed"].includes(s.labels.state!))
      // Repeating schedulers always hold their next run as delayed; the canary is readiness's.
      .filter((s) => !["reap-orphans", "enforce-retention", "canary"].includes(s.labels.queue!))
      .reduce((sum, s) => sum + s.value, 0);
    done = rows.every((r) => r !== null) && pending === 0;
    if (!done) await Bun.sleep(50);
  }
  expect(done).toBe(true);
  await Bun.sleep(500); // any retry of a too-early job would have failed and logged by now
  expect(warnings).toEqual([]);
}, 60_000);
