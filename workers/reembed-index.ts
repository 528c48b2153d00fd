/**
 * reembed-index: after the search index's vector space changed (a new built-in embedder version,
 * another EMBEDDER), its documents without a vector are embedded again, in the background. Every
 * worker process enqueues one job at start (src/worker-runtime.ts); the job takes the index's
 * run lease, walks pages from the stored cursor (ports/vector-backfill.ts), embeds in small paced
 * batches (the event loop and the embedder's rate limit stay free), stores each page with the
 * cursor, and after RUN_BUDGET_MS hands over to a fresh job at the new position. A run that dies
 * redoes at most its last page; a document that already has a vector is never embedded again.
 */
import { headChars, MAX_EMBEDDED_CHARS } from "../src/domain/search-documents.ts";
import type { Embedder } from "../src/ports/embedder.ts";
import type { ReembedQueue } from "../src/ports/job-queue.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { PendingDocument, PendingPage, VectorBackfill } from "../src/ports/vector-backfill.ts";
import { type ReembedPayload, ReembedPayloadSchema } from "../src/protocol/jobs.ts";
import { parsePayload } from "./job-payloads.ts";

export interface ReembedTuning {
  /** Documents per page (one store transaction, one cursor step). */
  pageSize: number;
  /** Texts per embedder call; the run yields to the event loop between calls. */
  embedBatch: number;
  /** Upper bound on the embedding rate. */
  docsPerSecond: number;
  /** A run stops after this long and enqueues the next position. */
  runBudgetMs: number;
  /** The run lease, renewed at every page. */
  leaseTtlMs: number;
}

export const DEFAULT_REEMBED_TUNING: ReembedTuning = {
  // 64 × at most 8 Ki chars: a page holds ≤ 2 MiB of text, whatever the index's size.
  pageSize: 64,
  // 16 texts: ~10 ms of the built-in embedder for chat-sized texts, so a request waits no longer.
  embedBatch: 16,
  // 200/s: 100k messages in ~8 min, under a remote embedder's usual rate limits (~13 calls/s).
  docsPerSecond: 200,
  // 10 s: far under the job lock (JOB_LOCK_MS, 30 s default); other jobs interleave between runs.
  runBudgetMs: 10_000,
  // 30 s: a dead run's job is retried after the lock period (30 s); by then its lease has lapsed.
  leaseTtlMs: 30_000,
};

export interface ReembedDeps {
  /** Null when the index keeps no vectors of its own to walk (Meilisearch: re-index instead). */
  backfill: VectorBackfill | null;
  embedder: Embedder;
  reembedJobs: ReembedQueue;
  logger: Logger;
  reembedTuning?: Partial<ReembedTuning>;
  /** Test seams: time and waiting. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type ReembedOutcome =
  | { skipped: string }
  | { embedded: number; written: number; pages: number; cursor: number; done: boolean };

/** Another run holds the lease: transient, so the job is retried (the holder may have died). */
export class ReembedBusyError extends Error {
  readonly code = "reembed_busy";
  constructor() {
    super("another re-embedding run holds the index's lease");
    this.name = "ReembedBusyError";
  }
}

export function parseReembedPayload(data: unknown): ReembedPayload {
  return parsePayload(ReembedPayloadSchema, data, "reembed-index");
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function reembedIndex(
  deps: ReembedDeps,
  _payload: ReembedPayload,
): Promise<ReembedOutcome> {
  const { backfill } = deps;
  if (!backfill) return { skipped: "the index keeps no vectors to re-embed" };
  if (backfill.space !== `${deps.embedder.name}/${deps.embedder.dimensions}`) {
    return { skipped: "the index holds another embedder's space" };
  }
  const tuning = { ...DEFAULT_REEMBED_TUNING, ...deps.reembedTuning };
  const now = deps.now ?? Date.now;
  const holder = `reembed-${crypto.randomUUID()}`;
  if (!(await backfill.claim(holder, tuning.leaseTtlMs, now()))) throw new ReembedBusyError();
  try {
    return await runPages(deps, backfill, holder, tuning);
  } finally {
    await backfill.release(holder);
  }
}

async function runPages(
  deps: ReembedDeps,
  backfill: VectorBackfill,
  holder: string,
  tuning: ReembedTuning,
): Promise<ReembedOutcome> {
  const now = deps.now ?? Date.now;
  const started = now();
  const totals = { embedded: 0, written: 0, pages: 0, cursor: await backfill.cursor() };
  for (;;) {
    const page = await backfill.nextPage(tuning.pageSize);
    const vectors = await embedPaced(deps, page.documents, tuning);
    if (page.through > totals.cursor || vectors.length > 0) {
      const stored = await backfill.store(holder, vectors, page.through, tuning.leaseTtlMs, now());
      if (!stored.ok) {
        deps.logger.warn("reembed stopped", { reason: stored.reason, cursor: totals.cursor });
        return { skipped: stored.reason };
      }
      totals.cursor = page.through;
      if (vectors.length > 0)
        recordPage(deps, backfill, page, vectors.length, stored.written, totals);
    }
    if (page.end) return finish(deps, totals, true);
    if (now() - started >= tuning.runBudgetMs) return finish(deps, totals, false);
  }
}

function recordPage(
  deps: ReembedDeps,
  backfill: VectorBackfill,
  page: PendingPage,
  embedded: number,
  written: number,
  totals: { embedded: number; written: number; pages: number },
): void {
  totals.embedded += embedded;
  totals.written += written;
  totals.pages++;
  deps.logger.info("reembed page", {
    space: backfill.space,
    cursor: page.through,
    last: page.last,
    embedded,
    written,
    run_written: totals.written,
  });
}

async function finish(
  deps: ReembedDeps,
  totals: { embedded: number; written: number; pages: number; cursor: number },
  done: boolean,
): Promise<ReembedOutcome> {
  if (!done) await deps.reembedJobs.enqueueReembed(totals.cursor);
  else if (totals.pages > 0) deps.logger.info("reembed done", { cursor: totals.cursor });
  return { ...totals, done };
}

/** Embeds in batches of `embedBatch`, waiting between them so the rate stays under the bound. */
async function embedPaced(
  deps: ReembedDeps,
  documents: PendingDocument[],
  tuning: ReembedTuning,
): Promise<{ document: PendingDocument; vector: Float32Array }[]> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const out: { document: PendingDocument; vector: Float32Array }[] = [];
  // An empty page (a window of keys that all have vectors) still yields once.
  if (documents.length === 0) await sleep(0);
  for (let i = 0; i < documents.length; i += tuning.embedBatch) {
    const batch = documents.slice(i, i + tuning.embedBatch);
    const began = now();
    const vectors = await deps.embedder.embed(
      batch.map((d) => headChars(d.text, MAX_EMBEDDED_CHARS)),
    );
    batch.forEach((document, j) => {
      const vector = vectors[j];
      if (vector) out.push({ document, vector });
    });
    const budgetMs = (batch.length / tuning.docsPerSecond) * 1000;
    // At least a macrotask: requests queued meanwhile run before the next batch.
    await sleep(Math.max(0, budgetMs - (now() - began)));
  }
  return out;
}
