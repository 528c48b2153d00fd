/**
 * The whole write pipeline, measured: send (REST, in process) → thread actor → Redis tail →
 * BullMQ persist job → SQLite row, with the backfill and embed jobs running beside it as they do in
 * production. Prints persisted messages/s next to the bare bun:sqlite insert rate of the same rows
 * (same run, same pragmas), and the lag p50/p99 from acknowledgement to the row being visible.
 * Run: `bun test/bench/pipeline-bench.ts` (not part of `bun test`). Noisy on 2 cores; use ratios.
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { MESSAGE_COLUMNS, MESSAGE_PLACEHOLDERS } from "../../src/adapters/sqlite/rows.ts";
import { migrateSqlite } from "../../src/adapters/sqlite/schema.ts";
import { startSpool } from "../support/spool.ts";

/** 20 threads × 100 messages: enough for a steady state, done in seconds. */
const THREADS = 20;
const PER_THREAD = 100;
/** ~200 bytes of text per message; one sequential sender per thread (20 active chats). */
const FILLER = "The quick brown fox jumps over the lazy dog. ".repeat(4);
/** 2 ms poll of the store: well under the lags measured. */
const POLL_MS = 2;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

async function pipeline() {
  const spool = await startSpool();
  const threads: string[] = [];
  for (let i = 0; i < THREADS; i++) {
    const { body } = await spool.json("POST", "/v1/threads", { end_user_id: `u${i}` });
    threads.push(body.id as string);
  }
  const db = new Database(join(spool.dataDir, "spool.db"), { readonly: true });
  const acked = new Map<string, number>();
  const seen = new Map<string, number>();
  let polling = true;
  const poll = (async () => {
    let lastRowId = 0;
    const query = db.prepare(
      "SELECT rowid AS r, thread_id AS t, seq AS s FROM messages WHERE rowid > ?",
    );
    while (polling) {
      const now = performance.now();
      for (const row of query.all(lastRowId) as { r: number; t: string; s: number }[]) {
        lastRowId = Math.max(lastRowId, row.r);
        seen.set(`${row.t}:${row.s}`, now);
      }
      await Bun.sleep(POLL_MS);
    }
  })();
  const started = performance.now();
  await Promise.all(
    threads.map(async (threadId) => {
      for (let i = 0; i < PER_THREAD; i++) {
        const { body } = await spool.json("POST", `/v1/threads/${threadId}/messages`, {
          content: `${i} ${FILLER}`,
        });
        acked.set(`${threadId}:${(body.user_message as { seq: number }).seq}`, performance.now());
      }
    }),
  );
  const total = THREADS * PER_THREAD;
  while (seen.size < total) await Bun.sleep(10);
  const elapsed = (performance.now() - started) / 1000;
  polling = false;
  await poll;
  const lags = [...acked]
    .map(([key, at]) => (seen.get(key) ?? Number.NaN) - at)
    .sort((a, b) => a - b);
  const records = db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages`).all() as Record<
    string,
    string | number | null
  >[];
  db.close();
  await spool.close();
  return {
    total,
    rate: total / elapsed,
    p50: percentile(lags, 0.5),
    p99: percentile(lags, 0.99),
    records,
    dir: spool.dataDir,
  };
}

/** The same rows through a bare prepared INSERT, one autocommit per row and one transaction. */
async function bareInserts(rows: Record<string, string | number | null>[], dir: string) {
  const results: Record<string, number> = {};
  for (const mode of ["row-per-commit", "one-transaction"] as const) {
    const db = await openSqlite(join(dir, `bare-${mode}.db`));
    migrateSqlite(db);
    const insert = db.prepare(
      `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (${MESSAGE_PLACEHOLDERS})`,
    );
    const params = rows.map((row) => MESSAGE_COLUMNS.split(", ").map((c) => row[c] ?? null));
    const started = performance.now();
    const insertAll = () => {
      for (const p of params) insert.run(...p);
    };
    if (mode === "one-transaction") db.transaction(insertAll);
    else insertAll();
    results[mode] = rows.length / ((performance.now() - started) / 1000);
    db.close();
  }
  return results;
}

const run = await pipeline();
const bare = await bareInserts(run.records, run.dir);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(`pipeline: ${fmt(run.total)} messages, ${THREADS} threads, embedded workers`);
console.log(`  persisted (send → SQLite row)   ${fmt(run.rate)} msg/s`);
console.log(
  `  lag ack → stored                 p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms`,
);
console.log(
  `  bare bun:sqlite INSERT, same rows: ${fmt(bare["row-per-commit"]!)} rows/s autocommit, ${fmt(bare["one-transaction"]!)} rows/s in one transaction`,
);
process.exit(0);
