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
import type { Tokenizer } from "../../src/ports/tokenizer.ts";
import { backfillMany, backfillTokens } from "../../workers/backfill-tokens.ts";
import { findFinishedMany } from "../../workers/message-source.ts";
import { fixedTails } from "../support/fixed-tails.ts";
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

const noTail = fixedTails();

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

  test("reads the model of the next message as the one-by-one path does, tail first", async () => {
    const { store, thread } = await storeWithMessages(0);
    const user = (seq: number) => messageRecord(thread, seq, { role: "user", usage: null });
    // 1 → 2 (a user message: no model); 2 → 3 (stored: "stored-model"); 4 → 5 (tail only).
    await store.upsertMessages([
      user(1),
      user(2),
      messageRecord(thread, 3, { role: "assistant", model: "stored-model" }),
      user(4),
    ]);
    const checkpoint = fixedTails({
      [thread.id]: [messageRecord(thread, 5, { role: "assistant", model: "tail-model" })],
    });
    const payloads = [1, 2, 4].map((seq) => ({
      tenant_id: thread.tenant_id,
      thread_id: thread.id,
      seq,
      rev: 1,
    }));
    const modelsSeen = async (
      run: (deps: Parameters<typeof backfillMany>[0]) => Promise<unknown>,
    ) => {
      const seen: (string | null)[] = [];
      const tokenizer = {
        count: async (model: string | null, texts: string[]) => {
          seen.push(model);
          return { tokens: texts.length, exact: true };
        },
      } as Tokenizer;
      await run({ store, checkpoint, tokenizer });
      return seen.sort();
    };
    const many = await modelsSeen(async (deps) =>
      backfillMany(deps, payloads, await findFinishedMany(deps, payloads)),
    );
    expect(many).toEqual([null, "stored-model", "tail-model"].sort());
  });
});
