/**
 * Re-embedding of what a search index already holds, after its vector space changed (a new
 * built-in embedder version, another EMBEDDER): the index's documents without a vector of the
 * current space, walked in key order from a cursor the index stores, so a restart goes on where
 * the last run stopped. Used by the reembed-index job (workers/reembed-index.ts). Implemented by
 * the SQLite index (adapters/sqlite/search-vector-backfill.ts); Meilisearch holds the vectors
 * Spool sent and is re-indexed instead (docs/search.md).
 *
 * Contract:
 * - One run at a time per index, across processes: a run `claim`s a lease first, and `store`
 *   writes only while its holder still holds it (renewing it).
 * - `nextPage` reads after the stored cursor; only `store` moves the cursor, in the same
 *   transaction as the vectors, so a run that dies mid-page redoes that page, and nothing a run
 *   stored is embedded again (pages hold documents without a vector only).
 * - `store` skips a document re-indexed or deleted since it was read (its `version` moved): the
 *   newer write carries its own vector.
 * - A change of vector space resets the cursor; `store` refuses vectors of another space.
 */
export interface PendingDocument {
  /** Position in the walk (strictly increasing along it). */
  key: number;
  /** The document's write stamp when read; `store` writes only if it is unchanged. */
  version: number;
  tenantId: string;
  /** The head of the indexed text, as the embed job embeds it (at least MAX_EMBEDDED_CHARS). */
  text: string;
}

export interface PendingPage {
  documents: PendingDocument[];
  /** Where the walk resumes after this page: pass it to `store` as `through` (also when the
   * page is empty: a read scans a bounded window of keys, and the walk must move past it). */
  through: number;
  /** The highest key in the index at this read: `through / last` is the walk's progress. */
  last: number;
  /** No document without a vector lies beyond `through` (as of this read). */
  end: boolean;
}

export type StoreVectorsResult =
  | { ok: true; written: number }
  | { ok: false; reason: "lease_lost" | "space_changed" };

export interface VectorBackfill {
  /** `<embedder name>/<dimensions>`: the space this index holds and accepts. */
  readonly space: string;
  /** The stored cursor (0 before any run of this space). */
  cursor(): Promise<number>;
  /** Takes the run lease, or renews it for the same holder; false while another holds it. */
  claim(holder: string, ttlMs: number, now: number): Promise<boolean>;
  /** Gives the lease up (no-op for another holder's). */
  release(holder: string): Promise<void>;
  /** Up to `limit` documents without a vector after the stored cursor, in key order; a read
   * does bounded work, so a page may be empty and not the end. */
  nextPage(limit: number): Promise<PendingPage>;
  /** Writes these vectors and moves the cursor to `through`, atomically, under the lease. */
  store(
    holder: string,
    vectors: { document: PendingDocument; vector: Float32Array }[],
    through: number,
    leaseTtlMs: number,
    now: number,
  ): Promise<StoreVectorsResult>;
  /** Documents without a vector in the whole index (a full scan: for tests and tools, never
   * on the job's path). */
  remaining(): Promise<number>;
}
