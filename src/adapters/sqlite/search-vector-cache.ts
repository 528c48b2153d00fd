/**
 * Per-process cache of each tenant's vectors (search-tenant-vectors.ts), loaded lazily on the
 * tenant's first semantic search and brought up to date before every one: the tenant's version in
 * `search_tenants` is one indexed read, and only rows stamped with a newer version, and deletions
 * logged since, are read again. Writes from any process (several may share the file) are seen by
 * the next search. Least recently used tenants are dropped past a memory budget.
 */
import type { SqliteDb } from "./database.ts";
import { TenantVectors, type VectorRow } from "./search-tenant-vectors.ts";

/** 256 MiB: two million 128-d vectors as int8 with their columns; far more than one node needs. */
export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

export function vectorToBlob(vector: Float32Array): Uint8Array {
  return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** Copies: a BLOB's bytes need not be 4-byte aligned for a Float32Array view. */
export function blobToVector(blob: Uint8Array): Float32Array {
  return new Float32Array(blob.slice().buffer);
}

interface TenantState {
  version: number;
  logFloor: number;
}

export class VectorCache {
  readonly #db: SqliteDb;
  readonly #dims: number;
  readonly #maxBytes: number;
  /** Insertion order is recency order: a used tenant is deleted and set again. */
  readonly #tenants = new Map<string, TenantVectors>();

  constructor(db: SqliteDb, dims: number, maxBytes = DEFAULT_CACHE_BYTES) {
    this.#db = db;
    this.#dims = dims;
    this.#maxBytes = maxBytes;
  }

  /** The tenant's vectors, current as of this call. */
  current(tenantId: string): TenantVectors {
    const state = this.#state(tenantId);
    let vectors = this.#tenants.get(tenantId);
    this.#tenants.delete(tenantId);
    if (!vectors || vectors.version < state.logFloor) {
      vectors = this.#load(tenantId, state.version);
    } else if (vectors.version < state.version) {
      this.#catchUp(tenantId, vectors, state.version);
    }
    this.#tenants.set(tenantId, vectors);
    this.#evict();
    return vectors;
  }

  clear(): void {
    this.#tenants.clear();
  }

  #state(tenantId: string): TenantState {
    const row = this.#db
      .prepare("SELECT version, log_floor FROM search_tenants WHERE tenant_id = ?")
      .get(tenantId);
    return { version: Number(row?.version ?? 0), logFloor: Number(row?.log_floor ?? 0) };
  }

  #toRow(row: Record<string, unknown>): VectorRow {
    return {
      docKey: Number(row.doc_key),
      endUserId: (row.end_user_id as string | null) ?? null,
      threadId: String(row.thread_id),
      role: String(row.role),
      blockType: String(row.block_type),
      createdAt: Number(row.created_at),
      vector: blobToVector(row.vector as Uint8Array),
    };
  }

  /**
   * Rows are read after the version, so they may be newer than `version`: harmless, applying a
   * row twice is idempotent and the next catch-up reads anything above `version` again.
   */
  #load(tenantId: string, version: number): TenantVectors {
    const vectors = new TenantVectors(this.#dims);
    const rows = this.#db
      .prepare(
        `SELECT doc_key, end_user_id, thread_id, role, block_type, created_at, vector
         FROM search_docs WHERE tenant_id = ? AND vector IS NOT NULL ORDER BY doc_key`,
      )
      .all(tenantId);
    for (const row of rows) vectors.upsert(this.#toRow(row));
    vectors.version = version;
    return vectors;
  }

  #catchUp(tenantId: string, vectors: TenantVectors, version: number): void {
    const changed = this.#db
      .prepare(
        `SELECT doc_key, end_user_id, thread_id, role, block_type, created_at, vector
         FROM search_docs WHERE tenant_id = ? AND version > ? ORDER BY doc_key`,
      )
      .all(tenantId, vectors.version);
    for (const row of changed) {
      if (row.vector === null) vectors.remove(Number(row.doc_key));
      else vectors.upsert(this.#toRow(row));
    }
    const deleted = this.#db
      .prepare("SELECT doc_key FROM search_deletions WHERE tenant_id = ? AND version > ?")
      .all(tenantId, vectors.version);
    for (const row of deleted) vectors.remove(Number(row.doc_key));
    vectors.version = version;
  }

  #evict(): void {
    let total = 0;
    for (const vectors of this.#tenants.values()) total += vectors.bytes;
    for (const [tenantId, vectors] of this.#tenants) {
      // Never the last one: the tenant just used stays even when it alone exceeds the budget.
      if (total <= this.#maxBytes || this.#tenants.size === 1) return;
      this.#tenants.delete(tenantId);
      total -= vectors.bytes;
    }
  }
}
