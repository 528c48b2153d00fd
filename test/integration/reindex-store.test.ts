// The re-index from the message store (workers/reindex-store.ts, `bun scripts/reindex-search.ts`),
// for an index that cannot re-embed itself (Meilisearch): here on the SQLite one, after its
// vectors were dropped by a change of space. Every finished message comes back, found by meaning;
// a second run upserts the same documents again (ids are stable: nothing is duplicated).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuiltinEmbedder } from "../../src/adapters/embed/builtin-embedder.ts";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { openStores } from "../../src/backends.ts";
import { loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import type { SearchDocument, SearchIndex } from "../../src/ports/search.ts";
import { reindexStore } from "../../workers/reindex-store.ts";
import { startSpool } from "../support/spool.ts";

const dataDir = mkdtempSync(join(tmpdir(), "spool-reindex-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

test("every stored message is embedded again into the index", async () => {
  const spool = await startSpool({ DATA_DIR: dataDir });
  const threads: string[] = [];
  let tenantId = "";
  for (const content of [
    "My automobile broke down on the highway",
    "how to bake sourdough bread",
  ]) {
    const created = await spool.json("POST", "/v1/threads", { end_user_id: "u1" });
    const threadId = String((created.body as { id: string }).id);
    const sent = await spool.json("POST", `/v1/threads/${threadId}/messages`, {
      content,
      model: "spool/echo",
      stream: false,
    });
    expect(sent.status).toBe(200);
    const { seq } = (sent.body as { assistant_message: { seq: number } }).assistant_message;
    const stored = await until("stored", () =>
      spool.runtime.services.store.getMessage(threadId, seq),
    );
    tenantId = stored.tenant_id;
    threads.push(threadId);
  }
  await spool.close();
  const db = await openSqlite(join(dataDir, "spool.db"));
  db.prepare("UPDATE search_meta SET value = 'old-space/128' WHERE key = 'vector_space'").run();
  db.close();

  const stores = await openStores(loadConfig({ DATA_DIR: dataDir }));
  try {
    const embedder = new BuiltinEmbedder();
    const search = async (q: string) => {
      const [vector] = await embedder.embed([q]);
      const { hits } = await stores.search.search({
        tenantId,
        q,
        vector: vector!,
        semanticRatio: 1,
        includeTools: false,
        limit: 10,
        offset: 0,
      });
      return hits.map((h) => h.thread_id);
    };
    expect(await search("car trouble motorway")).toEqual([]);
    const written: SearchDocument[] = [];
    const recording: SearchIndex = {
      ...stores.search,
      index: async (docs) => {
        written.push(...docs);
        await stores.search.index(docs);
      },
      search: (q) => stores.search.search(q),
      deleteThread: (t, id) => stores.search.deleteThread(t, id),
      close: async () => undefined,
    };
    const totals = await reindexStore({ ...stores, search: recording, logger: silentLogger });
    // Two threads of a user message and its echoed reply each.
    expect(totals).toEqual({ tenants: 1, threads: 2, documents: 4 });
    expect(written.every((d) => d.vector?.length === embedder.dimensions)).toBe(true);
    expect(await stores.vectorBackfill!.remaining()).toBe(0);
    expect((await search("car trouble motorway"))[0]).toBe(threads[0]);
    expect((await search("kneading dough loaves"))[0]).toBe(threads[1]);
    const again = await reindexStore({ ...stores, search: recording, logger: silentLogger });
    expect(again).toEqual(totals);
    expect(new Set(written.map((d) => d.id)).size).toBe(4);
  } finally {
    await stores.close();
  }
}, 60_000);
