// Re-embedding after a change of vector space (workers/reembed-index.ts over the SQLite index): a
// store whose messages were embedded under a fake old space is opened with the built-in v2
// embedder, which drops those vectors; after the job runs, a query sharing no word with a message
// finds it again. Running again embeds nothing; a run that dies mid-way resumes where it stopped.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuiltinEmbedder } from "../../src/adapters/embed/builtin-embedder.ts";
import { MemoryJobQueue } from "../../src/adapters/memory/memory-job-queue.ts";
import { instrumentBackfill } from "../../src/adapters/metrics/instrumented.ts";
import { MemoryMetrics } from "../../src/adapters/metrics/memory-metrics.ts";
import { openSqlite, type SqliteDb } from "../../src/adapters/sqlite/database.ts";
import { SqliteVectorBackfill } from "../../src/adapters/sqlite/search-vector-backfill.ts";
import { SqliteSearchIndex } from "../../src/adapters/sqlite/sqlite-search-index.ts";
import type { Embedder } from "../../src/ports/embedder.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { SearchDocument } from "../../src/ports/search.ts";
import { QUEUE_NAMES } from "../../src/protocol/jobs.ts";
import {
  parseReembedPayload,
  type ReembedOutcome,
  type ReembedTuning,
  reembedIndex,
} from "../../workers/reembed-index.ts";
import { searchDocument } from "../support/records.ts";

const builtin = new BuiltinEmbedder();
const TENANT = "ten_reembed";
const TARGETS = [
  {
    thread: "thr_car",
    text: "My automobile broke down on the highway",
    query: "car trouble motorway",
  },
  {
    thread: "thr_bread",
    text: "how to bake sourdough bread at home",
    query: "kneading dough loaves",
  },
];
const FILLER = Array.from(
  { length: 70 },
  (_, i) => `meeting notes ${i}: the quarterly budget review moved to room ${i + 100}`,
);
const FAST: Partial<ReembedTuning> = { pageSize: 16, embedBatch: 8, docsPerSecond: 1e9 };

/** The current embedder, counting every text it embedded (successfully). */
class CountingEmbedder implements Embedder {
  readonly name = builtin.name;
  readonly dimensions = builtin.dimensions;
  readonly embedded = new Map<string, number>();
  calls = 0;
  /** Throws on this call number (1-based): the process dying mid-run. */
  failOnCall = 0;
  async embed(texts: string[]): Promise<Float32Array[]> {
    this.calls++;
    if (this.calls === this.failOnCall) throw new Error("embedder gone");
    const vectors = await builtin.embed(texts);
    for (const t of texts) this.embedded.set(t, (this.embedded.get(t) ?? 0) + 1);
    return vectors;
  }
}

/** The "v1" space: same dimensions, vectors that compare with nothing of v2. */
const oldEmbedder: Embedder = {
  name: "spool-builtin-v1-fake",
  dimensions: builtin.dimensions,
  async embed(texts) {
    return texts.map((_, i) => {
      const v = new Float32Array(builtin.dimensions);
      v[(i * 7) % v.length] = 1;
      return v;
    });
  },
};

const logs: { message: string; fields?: Record<string, unknown> }[] = [];
const logger: Logger = {
  debug: () => undefined,
  info: (message, fields) => void logs.push({ message, fields }),
  warn: (message, fields) => void logs.push({ message, fields }),
  error: (message, fields) => void logs.push({ message, fields }),
};

const dirs: string[] = [];
const dbs: SqliteDb[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  logs.length = 0;
});

function document(thread: string, text: string, vector: Float32Array | null): SearchDocument {
  return searchDocument(TENANT, thread, text, vector);
}

/** A store written under the old space, then opened (as after the upgrade) with `current`. */
async function upgradedStore(current: Embedder) {
  const dir = mkdtempSync(join(tmpdir(), "spool-reembed-"));
  dirs.push(dir);
  const path = join(dir, "spool.db");
  const before = await openSqlite(path);
  const old = new SqliteSearchIndex(before, { embedder: oldEmbedder });
  const texts = [...TARGETS.map((t) => t.text), ...FILLER];
  const threads = [...TARGETS.map((t) => t.thread), ...FILLER.map((_, i) => `thr_f${i}`)];
  const vectors = await oldEmbedder.embed(texts);
  await old.index(texts.map((text, i) => document(threads[i]!, text, vectors[i]!)));
  before.close();
  const db = await openSqlite(path);
  dbs.push(db);
  const index = new SqliteSearchIndex(db, { embedder: current });
  const backfill = new SqliteVectorBackfill(db, current);
  return { path, index, backfill, total: texts.length };
}

async function semanticSearch(index: SqliteSearchIndex, q: string): Promise<string[]> {
  const [vector] = await builtin.embed([q]);
  const { hits } = await index.search({
    tenantId: TENANT,
    q,
    vector: vector!,
    semanticRatio: 0.6,
    includeTools: false,
    limit: 5,
    offset: 0,
  });
  return hits.map((h) => h.thread_id);
}

/** Runs the job, then every job it handed over to, as the queue's workers would. */
async function runChain(deps: Parameters<typeof reembedIndex>[0], jobs: MemoryJobQueue) {
  const outcomes: ReembedOutcome[] = [await reembedIndex(deps, { cursor: 0 })];
  for (
    let next = jobs.take(QUEUE_NAMES.reembed);
    next.length > 0;
    next = jobs.take(QUEUE_NAMES.reembed)
  ) {
    for (const job of next) outcomes.push(await reembedIndex(deps, { cursor: job.cursor ?? 0 }));
  }
  return outcomes;
}

describe("reembed-index", () => {
  test("after the upgrade, old messages are found by meaning again", async () => {
    const current = new CountingEmbedder();
    const { index, backfill, total } = await upgradedStore(current);
    // Dropped at open: only keywords remain, and these queries share no word with the targets.
    expect(await backfill.remaining()).toBe(total);
    for (const t of TARGETS) expect(await semanticSearch(index, t.query)).toEqual([]);
    const jobs = new MemoryJobQueue();
    const metrics = new MemoryMetrics();
    const deps = {
      backfill: instrumentBackfill(backfill, metrics),
      embedder: current,
      reembedJobs: jobs,
      logger,
      reembedTuning: FAST,
    };
    const outcomes = await runChain({ ...deps, reembedTuning: { ...FAST, runBudgetMs: 0 } }, jobs);
    // A zero budget hands over after every page: one job per page of 16.
    expect(outcomes.length).toBe(Math.ceil(total / 16));
    expect(await backfill.remaining()).toBe(0);
    for (const t of TARGETS) expect((await semanticSearch(index, t.query))[0]).toBe(t.thread);
    expect([...current.embedded.values()].every((n) => n === 1)).toBe(true);
    expect(current.embedded.size).toBe(total);
    expect(metrics.count("vectors_reembedded")).toBe(total);
    expect(logs.filter((l) => l.message === "reembed page").length).toBe(Math.ceil(total / 16));
    // Progress: the cursor against the index's highest key, on every page.
    const pages = logs.filter((l) => l.message === "reembed page");
    expect(pages.at(-1)?.fields).toMatchObject({ cursor: total, last: total });
    expect(logs.at(-1)?.message).toBe("reembed done");
    // Idempotent: a second run (every restart enqueues one) embeds nothing.
    const calls = current.calls;
    expect(await reembedIndex(deps, { cursor: await backfill.cursor() })).toMatchObject({
      embedded: 0,
      done: true,
    });
    expect(current.calls).toBe(calls);
    expect(metrics.count("vectors_reembedded")).toBe(total);
    expect(jobs.waiting()).toEqual([]);
  });

  test("a run that dies mid-way resumes at its cursor and embeds nothing twice", async () => {
    const current = new CountingEmbedder();
    const { path, backfill, total } = await upgradedStore(current);
    current.failOnCall = 5; // two pages of 16 (four calls of 8) are stored, then it dies
    const jobs = new MemoryJobQueue();
    const deps = { backfill, embedder: current, reembedJobs: jobs, logger, reembedTuning: FAST };
    await expect(reembedIndex(deps, { cursor: 0 })).rejects.toThrow("embedder gone");
    expect(await backfill.remaining()).toBe(total - 32);
    const afterCrash = new Map(current.embedded);
    // A restarted process: a new handle on the file, the cursor it reads is the stored one.
    const db = await openSqlite(path);
    dbs.push(db);
    const resumed = new SqliteVectorBackfill(db, current);
    const cursor = await resumed.cursor();
    expect(cursor).toBeGreaterThan(0);
    const outcome = await reembedIndex({ ...deps, backfill: resumed }, { cursor });
    expect(outcome).toMatchObject({ done: true, embedded: total - 32 });
    expect(await resumed.remaining()).toBe(0);
    for (const [text, n] of current.embedded) {
      expect(n).toBe(1);
      if (afterCrash.has(text)) expect(afterCrash.get(text)).toBe(1);
    }
    expect(current.embedded.size).toBe(total);
  });

  test("while another run's lease is live the job is retried, after it lapses it goes on", async () => {
    const current = new CountingEmbedder();
    const { backfill, total } = await upgradedStore(current);
    const t0 = 5_000_000;
    expect(await backfill.claim("dead-run", 30_000, t0)).toBe(true);
    const jobs = new MemoryJobQueue();
    const deps = { backfill, embedder: current, reembedJobs: jobs, logger, reembedTuning: FAST };
    const busy = reembedIndex({ ...deps, now: () => t0 + 1 }, { cursor: 0 });
    await expect(busy).rejects.toMatchObject({ code: "reembed_busy" });
    expect(current.calls).toBe(0);
    const later = await reembedIndex({ ...deps, now: () => t0 + 30_001 }, { cursor: 0 });
    expect(later).toMatchObject({ done: true, written: total });
  });

  test("a run never exceeds the rate bound, and yields between batches", async () => {
    const current = new CountingEmbedder();
    const { backfill } = await upgradedStore(current);
    const waits: number[] = [];
    let clock = 0;
    const deps = {
      backfill,
      embedder: current,
      reembedJobs: new MemoryJobQueue(),
      logger,
      reembedTuning: { pageSize: 16, embedBatch: 8, docsPerSecond: 100, runBudgetMs: 1e9 },
      now: () => clock,
      sleep: async (ms: number) => {
        waits.push(ms);
        clock += ms;
      },
    };
    await reembedIndex(deps, { cursor: 0 });
    // 8 texts at 100/s: every batch is followed by a wait of 80 ms (the fake clock never moves
    // during an embed), so 72 documents take at least 0.72 s.
    expect(waits.length).toBe(Math.ceil(72 / 8));
    expect(waits.every((ms) => ms === 80)).toBe(true);
  });

  test("an index whose documents mostly have vectors is crossed in bounded windows", async () => {
    const current = new CountingEmbedder();
    const dir = mkdtempSync(join(tmpdir(), "spool-reembed-window-"));
    dirs.push(dir);
    const db = await openSqlite(join(dir, "spool.db"));
    dbs.push(db);
    const index = new SqliteSearchIndex(db, { embedder: current });
    const vectors = await builtin.embed(FILLER);
    // Two documents lack a vector (indexed while no embedder answered, say), far apart.
    await index.index(
      FILLER.map((text, i) =>
        document(`thr_w${i}`, text, i === 3 || i === 60 ? null : vectors[i]!),
      ),
    );
    const backfill = new SqliteVectorBackfill(db, current, 8);
    const jobs = new MemoryJobQueue();
    const outcome = await reembedIndex(
      { backfill, embedder: current, reembedJobs: jobs, logger, reembedTuning: FAST },
      { cursor: 0 },
    );
    expect(outcome).toMatchObject({ done: true, embedded: 2, written: 2, cursor: FILLER.length });
    expect([...current.embedded.keys()]).toEqual([FILLER[3]!, FILLER[60]!]);
    expect(await backfill.remaining()).toBe(0);
    expect(jobs.waiting()).toEqual([]);
  });

  test("a malformed payload is a permanent failure, not a retry", () => {
    for (const bad of [{}, { cursor: -1 }, { cursor: "1" }, null, { cursor: 1.5 }]) {
      expect(() => parseReembedPayload(bad)).toThrow();
      try {
        parseReembedPayload(bad);
      } catch (error) {
        expect((error as { code?: string }).code).toBe("permanent_job_error");
      }
    }
  });

  test("an index without its own vectors (Meilisearch) is skipped", async () => {
    const outcome = await reembedIndex(
      { backfill: null, embedder: builtin, reembedJobs: new MemoryJobQueue(), logger },
      { cursor: 0 },
    );
    expect(outcome).toEqual({ skipped: "the index keeps no vectors to re-embed" });
  });
});
