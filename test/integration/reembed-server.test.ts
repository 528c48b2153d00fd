// The re-embedding job as a server runs it (embedded workers on real Redis + SQLite): a store
// whose search index holds vectors of an older space is started with the current embedder; the
// start-up enqueues reembed-index, the BullMQ worker runs it, and a query sharing no word with an
// old message finds it by meaning, while /readyz stays ready.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuiltinEmbedder } from "../../src/adapters/embed/builtin-embedder.ts";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import type { Logger } from "../../src/ports/logger.ts";
import { parsePrometheus, sampleValue } from "../support/prom-text.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

const dataDir = mkdtempSync(join(tmpdir(), "spool-reembed-server-"));
const started: TestSpool[] = [];
afterAll(async () => {
  for (const spool of started) await spool.close().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

const lines: { message: string; fields?: Record<string, unknown> }[] = [];
const recording: Logger = {
  debug: () => undefined,
  info: (message, fields) => void lines.push({ message, fields }),
  warn: (message, fields) => void lines.push({ message, fields }),
  error: () => undefined,
};

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

const semantic = async (spool: TestSpool, tenantId: string, q: string) => {
  const [vector] = await new BuiltinEmbedder().embed([q]);
  const { hits } = await spool.runtime.services.search!.search({
    tenantId,
    q,
    vector: vector!,
    semanticRatio: 0.6,
    includeTools: false,
    limit: 10,
    offset: 0,
  });
  return hits.map((h) => h.thread_id);
};

test("a restart after a change of vector space re-embeds the old messages", async () => {
  const first = await startSpool({ DATA_DIR: dataDir });
  started.push(first);
  const created = await first.json("POST", "/v1/threads", { end_user_id: "u1" });
  const threadId = String((created.body as { id: string }).id);
  const sent = await first.json("POST", `/v1/threads/${threadId}/messages`, {
    content: "My automobile broke down on the highway",
    model: "spool/echo",
    stream: false,
  });
  expect(sent.status).toBe(200);
  const { seq } = (sent.body as { user_message: { seq: number } }).user_message;
  const stored = await until("message stored", async () =>
    first.runtime.services.store.getMessage(threadId, seq),
  );
  await until("embedded", async () =>
    (await semantic(first, stored.tenant_id, "car trouble motorway")).includes(threadId)
      ? true
      : null,
  );
  await first.close();
  started.pop();

  // As if written by the previous embedder version: the next open sees another space.
  const db = await openSqlite(join(dataDir, "spool.db"));
  db.prepare("UPDATE search_meta SET value = ? WHERE key = 'vector_space'").run(
    "spool-builtin-v1-fake/128",
  );
  db.close();

  const second = await startSpool({ DATA_DIR: dataDir }, recording);
  started.push(second);
  const ready = await second.call("GET", "/readyz");
  expect(ready.status).toBe(200);
  await until("re-embedded", async () =>
    (await semantic(second, stored.tenant_id, "car trouble motorway")).includes(threadId)
      ? true
      : null,
  );
  const page = lines.find((l) => l.message === "reembed page");
  expect(Number(page?.fields?.written)).toBeGreaterThan(0);
  expect((await second.call("GET", "/readyz")).status).toBe(200);
  const scraped = parsePrometheus(await (await second.call("GET", "/metrics")).text());
  expect(sampleValue(scraped, "spool_search_vectors_reembedded_total")).toBeGreaterThan(0);
}, 60_000);
