// backfillMany (workers/backfill-tokens.ts): the messages of a batched job are counted first and
// written together, so their usage fills share one SQLite commit even when the tokenizer answers
// each count on its own turn (the threaded tokenizer does).
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite, type SqliteDb } from "../../src/adapters/sqlite/database.ts";
import { migrateSqlite } from "../../src/adapters/sqlite/schema.ts";
import { SqliteThreadStore } from "../../src/adapters/sqlite/sqlite-thread-store.ts";
import type { CheckpointStore } from "../../src/ports/checkpoint.ts";
import type { Tokenizer } from "../../src/ports/tokenizer.ts";
import { backfillMany, backfillTokens } from "../../workers/backfill-tokens.ts";
import { findFinishedMany } from "../../workers/message-source.ts";
import { messageRecord, threadRecord } from "../support/records.ts";

/** Counts transactions (commits) on a real SQLite handle. */
function countingCommits(db: SqliteDb): { db: SqliteDb; commits: () => number } {
  let commits = 0;
  const counted: SqliteDb = {
    ...db,
    exec: (sql) => db.exec(sql),
    prepare: (sql) => db.prepare(sql),
    close: () => db.close(),
    transaction(fn) {
      commits++;
      return db.transaction(fn);
    },
  };
  return { db: counted, commits: () => commits };
}

/** Each count resolves on a later timer turn, staggered, as answers from a worker thread do. */
const staggeredTokenizer = (): Tokenizer => {
  let calls = 0;
  return {
    count: (_model, texts) =>
      new Promise((resolve) =>
        setTimeout(() => resolve({ tokens: texts.join(" ").length, exact: true }), calls++ % 4),
      ),
  } as Tokenizer;
};

const noTail = {
  readTailMessage: async () => null,
  readTail: async () => [],
} as Partial<CheckpointStore> as CheckpointStore;

async function storeWithMessages(count: number) {
  const raw = await openSqlite(join(mkdtempSync(join(tmpdir(), "spool-bfm-")), "s.db"));
  migrateSqlite(raw);
  const { db, commits } = countingCommits(raw);
  const store = new SqliteThreadStore(db);
  const thread = threadRecord();
  await store.createThread(thread);
  const messages = Array.from({ length: count }, (_, i) =>
    messageRecord(thread, i + 1, { role: "user", usage: null }),
  );
  await store.upsertMessages(messages);
  const payloads = messages.map((m) => ({
    tenant_id: thread.tenant_id,
    thread_id: thread.id,
    seq: m.seq,
    rev: m.rev,
  }));
  return { store, thread, payloads, commits };
}

describe("backfillMany", () => {
  test("fills every message of a batch in one commit", async () => {
    const { store, thread, payloads, commits } = await storeWithMessages(12);
    const deps = { store, checkpoint: noTail, tokenizer: staggeredTokenizer() };
    const before = commits();
    const outcomes = await backfillMany(deps, payloads, await findFinishedMany(deps, payloads));
    expect(outcomes.every((o) => o.kind === "done" && o.filled)).toBe(true);
    expect(commits() - before).toBe(1);
    for (const p of payloads)
      expect((await store.getMessage(thread.id, p.seq))?.usage?.input_tokens).toBeGreaterThan(0);
  });

  test("one by one, the same batch pays a commit per message (what it replaces)", async () => {
    const { store, payloads, commits } = await storeWithMessages(12);
    const deps = { store, checkpoint: noTail, tokenizer: staggeredTokenizer() };
    const before = commits();
    await Promise.all(payloads.map((p) => backfillTokens(deps, p)));
    expect(commits() - before).toBeGreaterThan(1);
  });
});
