/**
 * The embedded search index (ports/search.ts): FTS5 BM25 for keywords, a brute-force cosine scan
 * of an in-memory int8 matrix per tenant for vectors (search-vector-cache.ts), fused by score
 * with a relevance floor (domain/search-fusion.ts). Lives in the message store's SQLite file; `close` leaves the database open (it is shared).
 * Each ranking is cut at SEARCH_WINDOW before fusion, whatever the page asked for, so a page never
 * depends on the page size: fused positions are fixed for a fixed index.
 */
import {
  DEFAULT_FUSION,
  type FusionParams,
  fuseByScore,
  type KeywordCandidate,
  type SemanticCandidate,
} from "../../domain/search-fusion.ts";
import { highlightSnippet, MAX_SNIPPET_SCAN_CHARS } from "../../domain/search-snippet.ts";
import { queryStems, termCoverageMatcher } from "../../domain/search-text.ts";
import type { SearchDocument, SearchHit, SearchIndex, SearchQuery } from "../../ports/search.ts";
import type { SqliteDb, SqlValue } from "./database.ts";
import { documentScope, matchExpression, scopeToken } from "./search-fts.ts";
import { migrateSearchSchema } from "./search-schema.ts";
import { REEMBED_CURSOR_KEY } from "./search-vector-backfill.ts";
import { DEFAULT_CACHE_BYTES, VectorCache, vectorToBlob } from "./search-vector-cache.ts";
import { nextTenantVersion } from "./search-versions.ts";

/**
 * 200 per ranking: ten pages of 20. Deeper, RRF adds almost nothing to a fused score, and the cost
 * grows (FTS5 LIMIT 1000 measured 2x LIMIT 200 at p50 on 100k documents).
 */
export const SEARCH_WINDOW = 200;
/**
 * How much of a document the keyword coverage reads: a match deeper in a long message still
 * ranks by BM25, but the word-share count stays bounded work per candidate.
 */
const COVERAGE_TEXT_CHARS = 8_000;

export interface SqliteSearchIndexOptions {
  /** The embedder whose vectors this index holds (vectors of another are dropped at open). */
  embedder: { name: string; dimensions: number };
  /** Memory budget of the per-process vector cache, bytes. */
  cacheBytes?: number;
  /** Relevance floors and saturation of the fusion (the tuned defaults unless evaluating). */
  fusion?: FusionParams;
}

type HitRow = Record<string, SqlValue>;

export class SqliteSearchIndex implements SearchIndex {
  readonly #db: SqliteDb;
  readonly #dims: number;
  readonly #cache: VectorCache;
  readonly #fusion: FusionParams;

  constructor(db: SqliteDb, options: SqliteSearchIndexOptions) {
    this.#db = db;
    this.#fusion = options.fusion ?? DEFAULT_FUSION;
    this.#dims = options.embedder.dimensions;
    migrateSearchSchema(db);
    this.#adoptVectorSpace(`${options.embedder.name}/${options.embedder.dimensions}`);
    this.#cache = new VectorCache(db, this.#dims, options.cacheBytes ?? DEFAULT_CACHE_BYTES);
  }

  /** Vectors of different embedders never mix: on a change of embedder the old ones are dropped. */
  #adoptVectorSpace(space: string): void {
    this.#db.transaction(() => {
      const row = this.#db
        .prepare("SELECT value FROM search_meta WHERE key = 'vector_space'")
        .get();
      if (row?.value === space) return;
      if (row) {
        this.#db.exec("UPDATE search_docs SET vector = NULL WHERE vector IS NOT NULL");
        // Every cache reloads: its version is below the new log floor.
        this.#db.exec("UPDATE search_tenants SET version = version + 1, log_floor = version + 1");
        // The re-embedding walk (search-vector-backfill.ts) starts over for the new space.
        this.#db.prepare("DELETE FROM search_meta WHERE key = ?").run(REEMBED_CURSOR_KEY);
      }
      this.#db
        .prepare("INSERT OR REPLACE INTO search_meta (key, value) VALUES ('vector_space', ?)")
        .run(space);
    });
  }

  async index(documents: SearchDocument[]): Promise<void> {
    for (const doc of documents) {
      if (doc.vector && doc.vector.length !== this.#dims) {
        throw new Error(
          `document ${doc.id}: vector has ${doc.vector.length} dims, not ${this.#dims}`,
        );
      }
    }
    const upsert = this.#db.prepare(
      `INSERT INTO search_docs (tenant_id, id, end_user_id, thread_id, seq, block_index, role,
         block_type, model, text, created_at, vector, scope, version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, id) DO UPDATE SET end_user_id = excluded.end_user_id,
         thread_id = excluded.thread_id, seq = excluded.seq, block_index = excluded.block_index,
         role = excluded.role, block_type = excluded.block_type, model = excluded.model,
         text = excluded.text, created_at = excluded.created_at, vector = excluded.vector,
         scope = excluded.scope, version = excluded.version`,
    );
    this.#db.transaction(() => {
      const versions = new Map<string, number>();
      for (const doc of documents) {
        let version = versions.get(doc.tenant_id);
        if (version === undefined) {
          version = nextTenantVersion(this.#db, doc.tenant_id);
          versions.set(doc.tenant_id, version);
        }
        upsert.run(
          doc.tenant_id,
          doc.id,
          doc.end_user_id,
          doc.thread_id,
          doc.seq,
          doc.block_index,
          doc.role,
          doc.block_type,
          doc.model,
          doc.text,
          doc.created_at,
          doc.vector ? vectorToBlob(doc.vector) : null,
          documentScope(doc),
          version,
        );
      }
    });
  }

  async deleteThread(tenantId: string, threadId: string): Promise<void> {
    this.#db.transaction(() => {
      const version = nextTenantVersion(this.#db, tenantId);
      this.#db
        .prepare(
          `INSERT INTO search_deletions (tenant_id, version, doc_key)
           SELECT tenant_id, ?, doc_key FROM search_docs WHERE tenant_id = ? AND thread_id = ?`,
        )
        .run(version, tenantId, threadId);
      this.#db
        .prepare("DELETE FROM search_docs WHERE tenant_id = ? AND thread_id = ?")
        .run(tenantId, threadId);
    });
  }

  async deleteMessage(tenantId: string, threadId: string, seq: number): Promise<void> {
    this.#db.transaction(() => {
      const version = nextTenantVersion(this.#db, tenantId);
      this.#db
        .prepare(
          `INSERT INTO search_deletions (tenant_id, version, doc_key)
           SELECT tenant_id, ?, doc_key FROM search_docs
           WHERE tenant_id = ? AND thread_id = ? AND seq = ?`,
        )
        .run(version, tenantId, threadId, seq);
      this.#db
        .prepare("DELETE FROM search_docs WHERE tenant_id = ? AND thread_id = ? AND seq = ?")
        .run(tenantId, threadId, seq);
    });
  }

  async search(query: SearchQuery): Promise<{ hits: SearchHit[]; hasMore: boolean }> {
    const limit = Math.max(1, Math.floor(query.limit));
    const offset = Math.max(0, Math.floor(query.offset));
    const { keyword, semantic, ratio } = this.candidates(query);
    const fused = fuseByScore(keyword, semantic, ratio, this.#fusion);
    const page = fused.slice(offset, offset + limit);
    const rows = this.#rowsByKey(
      query.tenantId,
      page.map((item) => item.key),
    );
    const hits: SearchHit[] = [];
    for (const item of page) {
      const row = rows.get(item.key);
      // Gone since the ranking was read (a concurrent delete): skipped, never shown stale.
      if (row) hits.push(this.#toHit(row, item.score, query.q));
    }
    return { hits, hasMore: fused.length > offset + limit };
  }

  /**
   * Both rankings before fusion, each cut at SEARCH_WINDOW (public for scripts/eval-search.ts,
   * which tunes the fusion on them). Without a query vector (embedder down, not configured) the
   * search degrades to keywords.
   */
  candidates(query: SearchQuery): {
    keyword: KeywordCandidate<number>[];
    semantic: SemanticCandidate<number>[];
    ratio: number;
  } {
    const ratio = query.vector ? Math.min(1, Math.max(0, query.semanticRatio)) : 0;
    const keyword = ratio < 1 ? this.#keywordRanking(query) : [];
    const semantic = ratio > 0 && query.vector ? this.#semanticRanking(query, query.vector) : [];
    return { keyword, semantic, ratio };
  }

  /** SQL conditions on `search_docs d` for the query's filters. */
  #filters(query: SearchQuery): { sql: string; params: SqlValue[] } {
    const clauses = ["d.tenant_id = ?"];
    const params: SqlValue[] = [query.tenantId];
    const add = (clause: string, value: SqlValue) => {
      clauses.push(clause);
      params.push(value);
    };
    if (query.endUserId !== undefined) add("d.end_user_id = ?", query.endUserId);
    if (query.threadId !== undefined) add("d.thread_id = ?", query.threadId);
    if (query.role !== undefined) add("d.role = ?", query.role);
    if (query.from !== undefined) add("d.created_at >= ?", query.from);
    if (query.to !== undefined) add("d.created_at <= ?", query.to);
    if (!query.includeTools) clauses.push("d.block_type = 'text'");
    return { sql: clauses.join(" AND "), params };
  }

  /**
   * BM25 ranking, best first. FTS5 orders by rank inside the virtual table and the join then
   * reads rows in that order until the window is full. CROSS JOIN pins that loop order, and the
   * ORDER BY must name `rank` alone: a second key makes SQLite sort every match itself (5x slower,
   * measured). Ties keep FTS5's order, which is fixed for a fixed index.
   */
  #keywordRanking(query: SearchQuery): KeywordCandidate<number>[] {
    const scope: string[] = [];
    if (query.endUserId !== undefined) scope.push(scopeToken("u", query.endUserId));
    if (query.threadId !== undefined) scope.push(scopeToken("h", query.threadId));
    const match = matchExpression(query.q, scope);
    if (match === null) return [];
    const filters = this.#filters(query);
    const rows = this.#db
      .prepare(
        `SELECT d.doc_key, search_fts.rank AS rank, substr(d.text, 1, ${COVERAGE_TEXT_CHARS}) AS text
         FROM search_fts CROSS JOIN search_docs AS d ON d.doc_key = search_fts.rowid
         WHERE search_fts MATCH ? AND ${filters.sql} ORDER BY search_fts.rank LIMIT ?`,
      )
      .all(match, ...filters.params, SEARCH_WINDOW);
    // FTS5's rank is bm25() negated (more negative is better).
    const coverage = termCoverageMatcher(queryStems(query.q));
    return rows.map((row) => ({
      key: Number(row.doc_key),
      bm25: -Number(row.rank),
      coverage: coverage(String(row.text)),
    }));
  }

  #semanticRanking(query: SearchQuery, vector: Float32Array): SemanticCandidate<number>[] {
    if (vector.length !== this.#dims) {
      throw new Error(`query vector has ${vector.length} dims, not ${this.#dims}`);
    }
    const nearest = this.#cache.current(query.tenantId).nearest(vector, query, SEARCH_WINDOW);
    return nearest.map((item) => ({ key: item.key, cosine: item.score }));
  }

  #rowsByKey(tenantId: string, keys: number[]): Map<number, HitRow> {
    if (keys.length === 0) return new Map();
    const rows = this.#db
      .prepare(
        // substr: rows written before MAX_INDEXED_CHARS may be megabytes; snippets read the head.
        `SELECT d.doc_key, d.thread_id, d.seq, d.role, d.block_type,
                substr(d.text, 1, ${MAX_SNIPPET_SCAN_CHARS + 1}) AS text, d.created_at
         FROM json_each(?) AS k CROSS JOIN search_docs AS d ON d.doc_key = k.value
         WHERE d.tenant_id = ?`,
      )
      .all(JSON.stringify(keys), tenantId);
    return new Map(rows.map((row) => [Number(row.doc_key), row]));
  }

  #toHit(row: HitRow, score: number, q: string): SearchHit {
    return {
      thread_id: String(row.thread_id),
      seq: Number(row.seq),
      role: row.role as SearchHit["role"],
      block_type: row.block_type as SearchHit["block_type"],
      snippet: highlightSnippet(String(row.text), q),
      score,
      created_at: Number(row.created_at),
    };
  }

  async close(): Promise<void> {
    this.#cache.clear();
  }
}
