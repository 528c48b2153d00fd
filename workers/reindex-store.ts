/**
 * Re-indexes every stored message into a search index from the message store itself: tenants →
 * threads → messages, each finished message's documents embedded with the current embedder and
 * upserted (idempotent by document id). For an index that cannot re-embed what it holds
 * (Meilisearch, after a change of embedder: docs/search.md); `bun scripts/reindex-search.ts` runs it.
 * Paced like the reembed-index job. Threads are read in the store's activity order, so a thread
 * that becomes active during the walk may be passed over: its new messages are embedded by the
 * embed job, and a second run picks up the rest.
 */
import {
  headChars,
  MAX_EMBEDDED_CHARS,
  messageToSearchDocuments,
  type SearchDocumentDraft,
} from "../src/domain/search-documents.ts";
import type { Embedder } from "../src/ports/embedder.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { SearchIndex } from "../src/ports/search.ts";
import type { TenantStore } from "../src/ports/tenant-store.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";

export interface ReindexDeps {
  tenants: TenantStore;
  store: ThreadStore;
  search: SearchIndex;
  embedder: Embedder;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
}

/** 100 per page of tenants, threads and messages: bounded memory, few round trips. */
const PAGE = 100;
/** Texts per embedder call and the rate bound: as DEFAULT_REEMBED_TUNING (workers/reembed-index.ts). */
const EMBED_BATCH = 16;
const DOCS_PER_SECOND = 200;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ReindexTotals {
  tenants: number;
  threads: number;
  documents: number;
}

export async function reindexStore(
  deps: ReindexDeps,
  docsPerSecond = DOCS_PER_SECOND,
): Promise<ReindexTotals> {
  const totals: ReindexTotals = { tenants: 0, threads: 0, documents: 0 };
  let after: { createdAt: number; id: string } | undefined;
  for (;;) {
    const tenants = await deps.tenants.listTenants({ limit: PAGE, ...(after ? { after } : {}) });
    for (const tenant of tenants) {
      await reindexTenant(deps, tenant.id, totals, docsPerSecond);
      totals.tenants++;
    }
    const last = tenants[tenants.length - 1];
    if (!last || tenants.length < PAGE) return totals;
    after = { createdAt: last.created_at, id: last.id };
  }
}

async function reindexTenant(
  deps: ReindexDeps,
  tenantId: string,
  totals: ReindexTotals,
  docsPerSecond: number,
): Promise<void> {
  let after: { lastActiveAt: number; id: string } | undefined;
  for (;;) {
    const threads = await deps.store.listThreads({
      tenantId,
      limit: PAGE,
      ...(after ? { after } : {}),
    });
    for (const thread of threads) {
      totals.documents += await reindexThread(deps, thread.id, docsPerSecond);
      totals.threads++;
    }
    deps.logger.info("reindex page", { tenant: tenantId, ...totals });
    const last = threads[threads.length - 1];
    if (!last || threads.length < PAGE) return;
    after = { lastActiveAt: last.last_active_at, id: last.id };
  }
}

async function reindexThread(
  deps: ReindexDeps,
  threadId: string,
  docsPerSecond: number,
): Promise<number> {
  let indexed = 0;
  let afterSeq: number | undefined;
  for (;;) {
    const messages = await deps.store.listMessages({
      threadId,
      limit: PAGE,
      order: "asc",
      includeTools: true,
      ...(afterSeq === undefined ? {} : { afterSeq }),
    });
    const drafts = messages
      .filter((m) => m.status !== "in_progress")
      .flatMap((m) => messageToSearchDocuments(m));
    indexed += await embedAndIndex(deps, drafts, docsPerSecond);
    const last = messages[messages.length - 1];
    if (!last || messages.length < PAGE) return indexed;
    afterSeq = last.seq;
  }
}

async function embedAndIndex(
  deps: ReindexDeps,
  drafts: SearchDocumentDraft[],
  docsPerSecond: number,
): Promise<number> {
  const sleep = deps.sleep ?? realSleep;
  for (let i = 0; i < drafts.length; i += EMBED_BATCH) {
    const batch = drafts.slice(i, i + EMBED_BATCH);
    const began = Date.now();
    const vectors = await deps.embedder.embed(
      batch.map((d) => headChars(d.text, MAX_EMBEDDED_CHARS)),
    );
    await deps.search.index(batch.map((d, j) => ({ ...d, vector: vectors[j] ?? null })));
    await sleep(Math.max(0, (batch.length / docsPerSecond) * 1000 - (Date.now() - began)));
  }
  return drafts.length;
}
