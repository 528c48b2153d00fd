/**
 * The search index at scale (ports/search.ts) on Meilisearch: one index for all tenants, every
 * query filtered by tenant (and end user); hybrid search with the vectors Spool computes itself
 * (a `userProvided` embedder named `default`). Every write waits for its task and throws if the
 * task failed, so what was written is visible to the next search, as the port requires.
 * Snippets come from the shared highlighter, so hits look the same as the embedded index's.
 */
import { type Index, Meilisearch, type Task } from "meilisearch";
import { highlightSnippet } from "../../domain/search-snippet.ts";
import type { SearchDocument, SearchHit, SearchIndex, SearchQuery } from "../../ports/search.ts";
import { equals, meiliDocumentKey, queryFilter } from "./meili-filter.ts";

/** The embedder name the port's vectors are stored under. */
export const MEILI_EMBEDDER = "default";
/** 30 s per task: a batch of embedded documents on a busy server, not a hung one. */
const TASK_TIMEOUT_MS = 30_000;
/** 1000 documents per request: well under Meilisearch's payload limit with 3072-d vectors. */
const DOCUMENTS_PER_REQUEST = 1000;

export interface MeiliSearchIndexOptions {
  host: string;
  apiKey: string | null;
  /** Index uid, e.g. `spool-messages`. */
  indexName: string;
  embedder: { name: string; dimensions: number };
}

interface MeiliDocument {
  key: string;
  id: string;
  tenant_id: string;
  end_user_id: string | null;
  thread_id: string;
  seq: number;
  block_index: number;
  role: SearchDocument["role"];
  block_type: SearchDocument["block_type"];
  model: string | null;
  text: string;
  created_at: number;
  _vectors: Record<string, number[] | null>;
}

function checkTask(task: Task, what: string): void {
  if (task.status !== "succeeded") {
    throw new Error(`meilisearch ${what} ${task.status}: ${task.error?.message ?? "no error"}`);
  }
}

function toMeiliDocument(doc: SearchDocument): MeiliDocument {
  return {
    key: meiliDocumentKey(doc.tenant_id, doc.id),
    id: doc.id,
    tenant_id: doc.tenant_id,
    end_user_id: doc.end_user_id,
    thread_id: doc.thread_id,
    seq: doc.seq,
    block_index: doc.block_index,
    role: doc.role,
    block_type: doc.block_type,
    model: doc.model,
    text: doc.text,
    created_at: doc.created_at,
    // null: "no vector yet", accepted by a userProvided embedder.
    _vectors: { [MEILI_EMBEDDER]: doc.vector ? Array.from(doc.vector) : null },
  };
}

/**
 * Meilisearch's `_rankingScore` (0–1, hybrid or not) under which a hit is not relevant: the same
 * contract as the embedded index's floor (domain/search-fusion.ts). Its scale is Meilisearch's
 * own, so the value is not the embedded one; 0.5 keeps one-term keyword matches of short queries
 * and drops vector neighbours that share nothing. The search contract suite checks the semantics
 * (an unrelated query returns nothing) wherever MEILI_URL is set.
 */
export const MEILI_RANKING_SCORE_THRESHOLD = 0.5;

export class MeiliSearchIndex implements SearchIndex {
  readonly #client: Meilisearch;
  readonly #index: Index<MeiliDocument>;
  readonly #dims: number;

  private constructor(client: Meilisearch, indexName: string, dims: number) {
    this.#client = client;
    this.#index = client.index<MeiliDocument>(indexName);
    this.#dims = dims;
  }

  /** Connects, creates the index if needed and applies its settings (waits for both). */
  static async open(options: MeiliSearchIndexOptions): Promise<MeiliSearchIndex> {
    const client = new Meilisearch({
      host: options.host,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      defaultWaitOptions: { timeout: TASK_TIMEOUT_MS },
    });
    const index = new MeiliSearchIndex(client, options.indexName, options.embedder.dimensions);
    await index.#configure(options.indexName);
    return index;
  }

  async #configure(indexName: string): Promise<void> {
    const created = await this.#client.createIndex(indexName, { primaryKey: "key" }).waitTask();
    // An index that already exists is what a restart finds: not an error.
    if (created.status === "failed" && created.error?.code !== "index_already_exists") {
      checkTask(created, "createIndex");
    }
    const settings = await this.#index
      .updateSettings({
        searchableAttributes: ["text"],
        filterableAttributes: [
          "tenant_id",
          "end_user_id",
          "thread_id",
          "seq",
          "role",
          "block_type",
          "model",
          "created_at",
        ],
        sortableAttributes: ["created_at"],
        embedders: { [MEILI_EMBEDDER]: { source: "userProvided", dimensions: this.#dims } },
      })
      .waitTask();
    checkTask(settings, "updateSettings");
  }

  async index(documents: SearchDocument[]): Promise<void> {
    for (const doc of documents) {
      if (doc.vector && doc.vector.length !== this.#dims) {
        throw new Error(
          `document ${doc.id}: vector has ${doc.vector.length} dims, not ${this.#dims}`,
        );
      }
    }
    for (let i = 0; i < documents.length; i += DOCUMENTS_PER_REQUEST) {
      const batch = documents.slice(i, i + DOCUMENTS_PER_REQUEST).map(toMeiliDocument);
      // addDocuments replaces a document with the same key: the port's idempotent upsert.
      checkTask(await this.#index.addDocuments(batch).waitTask(), "addDocuments");
    }
  }

  async deleteThread(tenantId: string, threadId: string): Promise<void> {
    const filter = `${equals("tenant_id", tenantId)} AND ${equals("thread_id", threadId)}`;
    checkTask(await this.#index.deleteDocuments({ filter }).waitTask(), "deleteDocuments");
  }

  async deleteMessage(tenantId: string, threadId: string, seq: number): Promise<void> {
    const filter = `${equals("tenant_id", tenantId)} AND ${equals("thread_id", threadId)} AND seq = ${Math.trunc(seq)}`;
    checkTask(await this.#index.deleteDocuments({ filter }).waitTask(), "deleteDocuments");
  }

  async search(query: SearchQuery): Promise<{ hits: SearchHit[]; hasMore: boolean }> {
    const limit = Math.max(1, Math.floor(query.limit));
    const blank = query.q.trim() === "";
    const vector = query.vector;
    if (vector && vector.length !== this.#dims) {
      throw new Error(`query vector has ${vector.length} dims, not ${this.#dims}`);
    }
    // Without a vector the search is keyword only; a blank query with one is vector only (a
    // blank keyword search would match every document, which the embedded index does not do).
    const ratio = vector ? (blank ? 1 : Math.min(1, Math.max(0, query.semanticRatio))) : 0;
    if (ratio === 0 && blank) return { hits: [], hasMore: false };
    const response = await this.#index.search(blank ? null : query.q, {
      filter: queryFilter(query),
      offset: Math.max(0, Math.floor(query.offset)),
      // One more than asked: whether it comes back says whether there is a next page.
      limit: limit + 1,
      attributesToRetrieve: ["thread_id", "seq", "role", "block_type", "text", "created_at"],
      showRankingScore: true,
      // The port's relevance floor: Meilisearch drops hits scoring under it (see the constant).
      rankingScoreThreshold: MEILI_RANKING_SCORE_THRESHOLD,
      ...(ratio > 0 && vector
        ? { hybrid: { embedder: MEILI_EMBEDDER, semanticRatio: ratio }, vector: Array.from(vector) }
        : {}),
    });
    const hits = response.hits.slice(0, limit).map(
      (hit): SearchHit => ({
        thread_id: hit.thread_id,
        seq: hit.seq,
        role: hit.role,
        block_type: hit.block_type,
        snippet: highlightSnippet(hit.text, query.q),
        score: hit._rankingScore ?? 0,
        created_at: hit.created_at,
      }),
    );
    return { hits, hasMore: response.hits.length > limit };
  }

  /** Deletes the whole index (tests; an operator resetting search). */
  async drop(): Promise<void> {
    checkTask(await this.#index.delete().waitTask(), "deleteIndex");
  }

  async close(): Promise<void> {
    // The client holds no connection of its own (fetch per request): nothing to release.
  }
}
