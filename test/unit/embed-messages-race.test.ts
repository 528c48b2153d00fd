import { describe, expect, test } from "bun:test";
import { HashedEmbedder } from "../../src/adapters/embed/hashed-embedder.ts";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { migrateSqlite } from "../../src/adapters/sqlite/schema.ts";
import { SqliteSearchIndex } from "../../src/adapters/sqlite/sqlite-search-index.ts";
import { SqliteThreadStore } from "../../src/adapters/sqlite/sqlite-thread-store.ts";
import type { MessageRecord } from "../../src/domain/records.ts";
import type { Embedder } from "../../src/ports/embedder.ts";
import type { FinishedPayload } from "../../src/protocol/jobs.ts";
import { embedMessages } from "../../workers/embed-message.ts";
import { fixedTails } from "../support/fixed-tails.ts";
import { messageRecord, threadRecord } from "../support/records.ts";

/** An embedder that runs `during` while it embeds: the race window of a batched job. */
function racingEmbedder(during: () => Promise<void>): Embedder {
  const inner = new HashedEmbedder();
  return {
    name: inner.name,
    dimensions: inner.dimensions,
    async embed(texts) {
      await during();
      return inner.embed(texts);
    },
  };
}

describe("embedMessages (a batch of finished messages → the search index)", () => {
  test("a thread deleted or a message erased while the batch embeds loses what the batch wrote; the rest stays", async () => {
    const db = await openSqlite(":memory:");
    migrateSqlite(db);
    const store = new SqliteThreadStore(db);
    const kept = threadRecord();
    const deleted = threadRecord({ tenant_id: kept.tenant_id });
    for (const thread of [kept, deleted]) await store.createThread(thread);
    const text = (thread: string, seq: number) => `alpaca wool ${thread} ${seq}`;
    const records = [kept, deleted].flatMap((t) =>
      [1, 2].map((seq) =>
        messageRecord(t, seq, { content: [{ type: "text", text: text(t.id, seq) }] }),
      ),
    );
    await store.upsertMessages(records);
    const hot = new Map<string, MessageRecord[]>();
    const embedder = racingEmbedder(async () => {
      await store.deleteThread(deleted.tenant_id, deleted.id);
      // kept:2 erased: its newest version (in the tail) has status deleted.
      const erased = { ...records[1]!, status: "deleted" as const, content: [], rev: 2 };
      hot.set(kept.id, [erased]);
    });
    const search = new SqliteSearchIndex(await openSqlite(":memory:"), { embedder });
    const payloads: FinishedPayload[] = records.map((r) => ({
      tenant_id: r.tenant_id,
      thread_id: r.thread_id,
      seq: r.seq,
      rev: r.rev,
    }));
    const result = await embedMessages(
      { store, checkpoint: fixedTails(hot), search, embedder },
      payloads,
    );
    expect(result.indexed).toBe(4);
    const { hits } = await search.search({
      tenantId: kept.tenant_id,
      q: "alpaca",
      vector: null,
      semanticRatio: 0,
      includeTools: false,
      limit: 20,
      offset: 0,
    });
    expect(hits.map((h) => `${h.thread_id}:${h.seq}`)).toEqual([`${kept.id}:1`]);
  });
});
