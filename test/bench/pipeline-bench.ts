/**
 * The whole write pipeline, measured: send (REST, in process) → thread actor → Redis tail →
 * BullMQ persist job → SQLite row, with the backfill and embed jobs running beside it as they do in
 * production. Prints, per run: persisted messages/s and the lag p50/p99 from acknowledgement to
 * the row being visible, next to same-run baselines: the send path alone (workers external, none
 * running: the ceiling of send → stored), the workers alone draining that backlog (persist
 * capacity, and until every message is indexed for search, with their CPU per message), and the
 * bare bun:sqlite insert rate of the same rows (same pragmas).
 * Run: `bun test/bench/pipeline-bench.ts [--runs=3]` (not part of `bun test`). Noisy on 2 cores.
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { MESSAGE_COLUMNS, MESSAGE_PLACEHOLDERS } from "../../src/adapters/sqlite/rows.ts";
import { migrateSqlite } from "../../src/adapters/sqlite/schema.ts";
import { loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import { createWorkerProcess } from "../../src/worker-runtime.ts";
import { testRedis } from "../support/redis.ts";
import { ADMIN_KEY, startSpool, type TestSpool } from "../support/spool.ts";
import { RAISED_TEST_LIMITS } from "../support/test-limits.ts";

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

async function newThreads(spool: TestSpool): Promise<string[]> {
  const threads: string[] = [];
  for (let i = 0; i < THREADS; i++) {
    const { body } = await spool.json("POST", "/v1/threads", { end_user_id: `u${i}` });
    threads.push(body.id as string);
  }
  return threads;
}

/** One sequential sender per thread; `onAck` sees each acknowledged message. */
async function sendAll(
  spool: TestSpool,
  threads: string[],
  onAck: (key: string) => void = () => undefined,
): Promise<void> {
  await Promise.all(
    threads.map(async (threadId) => {
      for (let i = 0; i < PER_THREAD; i++) {
        const { body } = await spool.json("POST", `/v1/threads/${threadId}/messages`, {
          content: `${i} ${FILLER}`,
        });
        onAck(`${threadId}:${(body.user_message as { seq: number }).seq}`);
      }
    }),
  );
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

async function pipeline() {
  const spool = await startSpool();
  const threads = await newThreads(spool);
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
  await sendAll(spool, threads, (key) => acked.set(key, performance.now()));
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

/**
 * Baselines of the same run: the sends with no worker running (WORKERS=external), then the
 * workers alone (as `bun workers/main.ts` runs them, here in process) draining that backlog.
 */
async function sendsThenDrain() {
  const spool = await startSpool({ WORKERS: "external" });
  const threads = await newThreads(spool);
  const total = THREADS * PER_THREAD;
  const sendStarted = performance.now();
  await sendAll(spool, threads);
  const sendRate = total / ((performance.now() - sendStarted) / 1000);
  const config = loadConfig({
    REDIS_URL: (await testRedis()).url,
    REDIS_PREFIX: spool.prefix,
    DATA_DIR: spool.dataDir,
    ADMIN_KEY,
    PORT: "0",
    NODE_ID: "bench-workers",
    ...RAISED_TEST_LIMITS,
  });
  const db = new Database(join(spool.dataDir, "spool.db"), { readonly: true });
  const rows = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  // Timed from the start of the worker process: its start can take long enough for the whole
  // backlog to be persisted before it returns.
  const cpu = process.cpuUsage();
  const started = performance.now();
  const workers = await createWorkerProcess(config, silentLogger);
  while (rows("SELECT count(*) AS n FROM messages") < total) await Bun.sleep(POLL_MS);
  const persisted = performance.now() - started;
  const persistCpu = cpuMs(cpu);
  // One text block per message: one search document each once its embed job ran.
  while (rows("SELECT count(*) AS n FROM search_docs") < total) await Bun.sleep(POLL_MS);
  const indexed = performance.now() - started;
  const indexCpu = cpuMs(cpu);
  await workers.close();
  db.close();
  await spool.close();
  return {
    sendRate,
    persistRate: total / (persisted / 1000),
    indexRate: total / (indexed / 1000),
    persistCpuUs: (persistCpu * 1000) / total,
    indexCpuUs: (indexCpu * 1000) / total,
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

const RUNS = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 1);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(
  `pipeline: ${fmt(THREADS * PER_THREAD)} messages, ${THREADS} threads × ${PER_THREAD}, one sequential sender each`,
);
for (let i = 1; i <= RUNS; i++) {
  const run = await pipeline();
  const bare = await bareInserts(run.records, run.dir);
  const alone = await sendsThenDrain();
  console.log(`run ${i}/${RUNS}`);
  console.log(`  send → stored, embedded workers   ${fmt(run.rate)} msg/s`);
  console.log(
    `  lag ack → stored                  p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms`,
  );
  console.log(`  baseline: sends alone (no workers) ${fmt(alone.sendRate)} msg/s`);
  console.log(
    `  baseline: workers alone, backlog (from their start) persisted ${fmt(alone.persistRate)} msg/s (${fmt(alone.persistCpuUs)} µs CPU/msg), indexed ${fmt(alone.indexRate)} msg/s (${fmt(alone.indexCpuUs)} µs CPU/msg)`,
  );
  console.log(
    `  baseline: bare bun:sqlite INSERT   ${fmt(bare["row-per-commit"]!)} rows/s autocommit, ${fmt(bare["one-transaction"]!)} rows/s in one transaction`,
  );
}
process.exit(0);
