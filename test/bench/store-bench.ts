/**
 * Micro-benchmark of the SQLite thread store against bare bun:sqlite, same file, same run:
 * p50/p99 of a 50-message keyset page from a 6,000-message thread, and upsert rows/s.
 * Run: `bun test/bench/store-bench.ts` (not part of `bun test`). Numbers are noisy on 2 cores;
 * compare the adapter with the bare line beside it. The bare connection gets the same pragmas
 * as `openSqlite` (synchronous=NORMAL), or it would pay an fsync per commit and flatter us.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import {
  MESSAGE_COLUMNS,
  MESSAGE_PLACEHOLDERS,
  messageParams,
} from "../../src/adapters/sqlite/rows.ts";
import { migrateSqlite } from "../../src/adapters/sqlite/schema.ts";
import { SqliteThreadStore } from "../../src/adapters/sqlite/sqlite-thread-store.ts";
import type { MessageRecord, ThreadRecord } from "../../src/domain/records.ts";
import { messageRange, threadRecord } from "../support/records.ts";

const THREAD_MESSAGES = 6000;
const PAGE_LIMIT = 50;
/** 2,000 pages: 20 samples above the p99, still under a second per series. */
const PAGE_SAMPLES = 2000;
const WARMUP_SAMPLES = 300;
/** 100 records per upsert call: a persist worker's batch under load. */
const UPSERT_BATCH = 100;
/** Alternating rounds per upsert variant; the median is reported (the first runs are cold). */
const UPSERT_ROUNDS = 5;
/** ~400 bytes of text per message, roughly one chat turn. */
const FILLER = "The quick brown fox jumps over the lazy dog. ".repeat(9);
const PAGE_SQL =
  `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE thread_id = ? AND seq > ? AND role <> 'tool' ` +
  "ORDER BY seq ASC LIMIT ?";

interface BenchFile {
  path: string;
  store: SqliteThreadStore;
  bare: Database;
  close(): void;
}

async function openBenchFile(): Promise<BenchFile> {
  const dir = mkdtempSync(join(tmpdir(), "spool-bench-"));
  const path = join(dir, "bench.sqlite");
  const db = await openSqlite(path);
  migrateSqlite(db);
  const bare = new Database(path);
  bare.exec("PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL");
  return {
    path,
    store: new SqliteThreadStore(db),
    bare,
    close() {
      bare.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every 10th message is a tool message, hidden by the measured page query. */
function threadMessages(thread: ThreadRecord): MessageRecord[] {
  return messageRange(thread, THREAD_MESSAGES, 10).map((m) => ({
    ...m,
    content: [{ type: "text", text: `${m.seq} ${FILLER}` }],
  }));
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function median(values: number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

function reportLatency(label: string, samplesMs: number[]): void {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const us = (ms: number) => `${(ms * 1000).toFixed(0).padStart(5)} µs`;
  console.log(
    `${label.padEnd(48)} p50 ${us(quantile(sorted, 0.5))}   p99 ${us(quantile(sorted, 0.99))}`,
  );
}

async function timeEach(count: number, run: (i: number) => unknown): Promise<number[]> {
  // Start each series from a clean heap so one series' garbage is not billed to the next.
  Bun.gc(true);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await run(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** Rows/s of writing one fresh 6,000-message thread in batches, through `write`. */
async function upsertRate(
  write: (file: BenchFile, batch: MessageRecord[]) => unknown,
): Promise<number> {
  const file = await openBenchFile();
  try {
    const thread = threadRecord();
    await file.store.createThread(thread);
    const records = threadMessages(thread);
    Bun.gc(true);
    const start = performance.now();
    for (let i = 0; i < records.length; i += UPSERT_BATCH) {
      await write(file, records.slice(i, i + UPSERT_BATCH));
    }
    return THREAD_MESSAGES / ((performance.now() - start) / 1000);
  } finally {
    file.close();
  }
}

function bareInsert(file: BenchFile, batch: MessageRecord[]): void {
  const insert = file.bare.prepare(
    `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (${MESSAGE_PLACEHOLDERS})`,
  );
  file.bare.transaction(() => {
    for (const m of batch) insert.run(...messageParams(m));
  })();
}

async function benchPages(): Promise<void> {
  const file = await openBenchFile();
  try {
    const thread = threadRecord();
    await file.store.createThread(thread);
    await file.store.upsertMessages(threadMessages(thread));
    // Fixed pseudo-random keyset positions, so both sides read the same pages.
    const positions = Array.from(
      { length: PAGE_SAMPLES },
      (_, i) => (i * 7919) % (THREAD_MESSAGES - PAGE_LIMIT),
    );
    const at = (i: number) => positions[i % PAGE_SAMPLES] ?? 0;
    const query = { threadId: thread.id, limit: PAGE_LIMIT, order: "asc", includeTools: false };
    const adapterPage = (i: number) =>
      file.store.listMessages({ ...query, order: "asc", afterSeq: at(i) });
    const barePage = file.bare.prepare(PAGE_SQL);
    const rawPage = (i: number) => barePage.all(thread.id, at(i), PAGE_LIMIT);
    const parsedPage = (i: number) =>
      (rawPage(i) as { content: string }[]).map((row) => ({
        ...row,
        content: JSON.parse(row.content),
      }));

    await timeEach(WARMUP_SAMPLES, adapterPage);
    await timeEach(WARMUP_SAMPLES, rawPage);
    const version = (file.bare.query("SELECT sqlite_version() AS v").get() as { v: string }).v;
    console.log(
      `bun ${Bun.version}, SQLite ${version} (WAL, file on disk): ${THREAD_MESSAGES}-message thread, ` +
        `every 10th a tool message, ${PAGE_LIMIT}-message pages with tools hidden, ${PAGE_SAMPLES} samples`,
    );
    reportLatency(
      "page via SqliteThreadStore.listMessages",
      await timeEach(PAGE_SAMPLES, adapterPage),
    );
    reportLatency("page via bare bun:sqlite (raw rows)", await timeEach(PAGE_SAMPLES, rawPage));
    reportLatency(
      "page via bare bun:sqlite + JSON.parse(content)",
      await timeEach(PAGE_SAMPLES, parsedPage),
    );
  } finally {
    file.close();
  }
}

async function benchUpserts(): Promise<void> {
  const adapter: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < UPSERT_ROUNDS; round++) {
    adapter.push(await upsertRate((file, batch) => file.store.upsertMessages(batch)));
    bare.push(await upsertRate(bareInsert));
  }
  const rate = (values: number[]) =>
    `${Math.round(median(values)).toLocaleString("en-US").padStart(8)} rows/s`;
  console.log(
    `writes: ${THREAD_MESSAGES} messages into a fresh file, batches of ${UPSERT_BATCH} per transaction, ` +
      `median of ${UPSERT_ROUNDS} alternating rounds`,
  );
  console.log(`${"upsert via SqliteThreadStore.upsertMessages".padEnd(48)} ${rate(adapter)}`);
  console.log(`${"bare INSERT (no condition, no thread check)".padEnd(48)} ${rate(bare)}`);
}

await benchPages();
await benchUpserts();
