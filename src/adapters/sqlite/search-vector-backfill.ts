/**
 * VectorBackfill (ports/vector-backfill.ts) on the SQLite search index: the walk is over
 * `search_docs.doc_key` (AUTOINCREMENT, never reused) where `vector IS NULL`; the cursor and the
 * run lease live in `search_meta`, so every process on the file sees one walk. A stored vector
 * stamps its row with a new tenant version, so every process's vector cache picks it up at its
 * next search (search-vector-cache.ts), like any other write.
 */
import type {
  PendingDocument,
  PendingPage,
  StoreVectorsResult,
  VectorBackfill,
} from "../../ports/vector-backfill.ts";
import type { SqliteDb } from "./database.ts";
import { migrateSearchSchema } from "./search-schema.ts";
import { vectorToBlob } from "./search-vector-cache.ts";
import { nextTenantVersion } from "./search-versions.ts";

/** `search_meta` keys; the index's change of vector space deletes the cursor. */
export const REEMBED_CURSOR_KEY = "reembed_cursor";
const REEMBED_LEASE_KEY = "reembed_lease";
/**
 * Characters (code points) of the text a page reads: SQLite's substr counts code points, the
 * embedder's cut (MAX_EMBEDDED_CHARS, 8 Ki) counts UTF-16 units, so 8 Ki code points always
 * cover it; the worker cuts the same head the embed job does.
 */
const PAGE_TEXT_CHARS = 8 * 1024;
/**
 * Keys one page read may scan: a store whose documents all have vectors is crossed in bounded
 * steps (4096 rows: a few ms of the event loop) instead of one scan of the whole table.
 */
export const SCAN_WINDOW_KEYS = 4096;

interface Lease {
  holder: string;
  until: number;
}

export class SqliteVectorBackfill implements VectorBackfill {
  readonly #db: SqliteDb;
  readonly space: string;
  readonly #dims: number;

  readonly #window: number;

  /** `space` as the index names it: `<embedder name>/<dimensions>`. */
  constructor(
    db: SqliteDb,
    embedder: { name: string; dimensions: number },
    scanWindowKeys = SCAN_WINDOW_KEYS,
  ) {
    this.#db = db;
    this.#window = scanWindowKeys;
    this.space = `${embedder.name}/${embedder.dimensions}`;
    this.#dims = embedder.dimensions;
    migrateSearchSchema(db);
  }

  #meta(key: string): string | null {
    const row = this.#db.prepare("SELECT value FROM search_meta WHERE key = ?").get(key);
    return row ? String(row.value) : null;
  }

  #setMeta(key: string, value: string): void {
    this.#db
      .prepare("INSERT OR REPLACE INTO search_meta (key, value) VALUES (?, ?)")
      .run(key, value);
  }

  /** A row that does not parse (edited by hand) counts as no lease: the walk must not wedge. */
  #lease(): Lease | null {
    const raw = this.#meta(REEMBED_LEASE_KEY);
    if (!raw) return null;
    try {
      const lease = JSON.parse(raw) as Partial<Lease>;
      return typeof lease.holder === "string" && typeof lease.until === "number"
        ? { holder: lease.holder, until: lease.until }
        : null;
    } catch {
      return null; // unparsable: as above, treated as free
    }
  }

  /** Takes or renews the lease for `holder` (inside a transaction); false if another holds it. */
  #take(holder: string, ttlMs: number, now: number): boolean {
    const lease = this.#lease();
    if (lease && lease.holder !== holder && lease.until > now) return false;
    this.#setMeta(REEMBED_LEASE_KEY, JSON.stringify({ holder, until: now + ttlMs }));
    return true;
  }

  /** A cursor that is not a key (edited by hand) restarts the walk: redoing it is only slower. */
  async cursor(): Promise<number> {
    const cursor = Number(this.#meta(REEMBED_CURSOR_KEY) ?? 0);
    return Number.isSafeInteger(cursor) && cursor >= 0 ? cursor : 0;
  }

  async claim(holder: string, ttlMs: number, now: number): Promise<boolean> {
    return this.#db.transaction(() => this.#take(holder, ttlMs, now));
  }

  async release(holder: string): Promise<void> {
    this.#db.transaction(() => {
      if (this.#lease()?.holder === holder) {
        this.#db.prepare("DELETE FROM search_meta WHERE key = ?").run(REEMBED_LEASE_KEY);
      }
    });
  }

  async nextPage(limit: number): Promise<PendingPage> {
    const after = await this.cursor();
    const size = Math.max(1, Math.floor(limit));
    const last = Number(
      this.#db.prepare("SELECT max(doc_key) AS k FROM search_docs").get()?.k ?? 0,
    );
    const upto = after + this.#window;
    const rows = this.#db
      .prepare(
        `SELECT doc_key, version, tenant_id, substr(text, 1, ${PAGE_TEXT_CHARS}) AS text
         FROM search_docs WHERE doc_key > ? AND doc_key <= ? AND vector IS NULL
         ORDER BY doc_key LIMIT ?`,
      )
      .all(after, upto, size);
    const documents: PendingDocument[] = rows.map((row) => ({
      key: Number(row.doc_key),
      version: Number(row.version),
      tenantId: String(row.tenant_id),
      text: String(row.text),
    }));
    const full = documents.length === size;
    // A full page resumes after its last document; otherwise the whole window was scanned.
    const through = full
      ? documents[documents.length - 1]!.key
      : Math.max(after, Math.min(upto, last));
    return { documents, through, last, end: !full && upto >= last };
  }

  async store(
    holder: string,
    vectors: { document: PendingDocument; vector: Float32Array }[],
    through: number,
    leaseTtlMs: number,
    now: number,
  ): Promise<StoreVectorsResult> {
    for (const { document, vector } of vectors) {
      if (vector.length !== this.#dims) {
        throw new Error(
          `document ${document.key}: vector has ${vector.length} dims, not ${this.#dims}`,
        );
      }
    }
    return this.#db.transaction((): StoreVectorsResult => {
      if (this.#meta("vector_space") !== this.space) return { ok: false, reason: "space_changed" };
      if (!this.#take(holder, leaseTtlMs, now)) return { ok: false, reason: "lease_lost" };
      const written = this.#write(vectors);
      const cursor = Number(this.#meta(REEMBED_CURSOR_KEY) ?? 0);
      const from = Number.isSafeInteger(cursor) ? cursor : 0;
      this.#setMeta(REEMBED_CURSOR_KEY, String(Math.max(from, through)));
      return { ok: true, written };
    });
  }

  /** Each tenant's rows get one new version: a cache reads them once, as for an index() batch. */
  #write(vectors: { document: PendingDocument; vector: Float32Array }[]): number {
    const update = this.#db.prepare(
      `UPDATE search_docs SET vector = ?, version = ?
       WHERE doc_key = ? AND version = ? AND vector IS NULL`,
    );
    const versions = new Map<string, number>();
    let written = 0;
    for (const { document, vector } of vectors) {
      let version = versions.get(document.tenantId);
      if (version === undefined) {
        version = nextTenantVersion(this.#db, document.tenantId);
        versions.set(document.tenantId, version);
      }
      written += update.run(vectorToBlob(vector), version, document.key, document.version).changes;
    }
    return written;
  }

  async remaining(): Promise<number> {
    const row = this.#db
      .prepare("SELECT count(*) AS n FROM search_docs WHERE vector IS NULL")
      .get();
    return Number(row?.n ?? 0);
  }
}
