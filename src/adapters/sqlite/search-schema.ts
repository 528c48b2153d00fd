/**
 * Tables of the SQLite search index, in the message store's database file (all prefixed
 * `search_`). `search_docs` holds the documents and their vectors; `search_fts` is an FTS5 index
 * over it (external content, kept in step by triggers). Every write bumps the tenant's version in
 * `search_tenants` and stamps the rows it touches, and deletions are logged in `search_deletions`:
 * that lets each process bring its in-memory vector matrix up to date incrementally.
 */
import type { SqliteDb } from "./database.ts";

export const SEARCH_SCHEMA_VERSION = 1;

const STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // AUTOINCREMENT: a doc_key is never reused, so a cache can trust that a key names one document.
  `CREATE TABLE IF NOT EXISTS search_docs (
    doc_key INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    end_user_id TEXT,
    thread_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    block_index INTEGER NOT NULL,
    role TEXT NOT NULL,
    block_type TEXT NOT NULL,
    model TEXT,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    vector BLOB,
    scope TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (tenant_id, id)
  )`,
  `CREATE INDEX IF NOT EXISTS search_docs_thread ON search_docs (tenant_id, thread_id)`,
  `CREATE INDEX IF NOT EXISTS search_docs_version ON search_docs (tenant_id, version)`,
  `CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
    text, scope,
    content = 'search_docs', content_rowid = 'doc_key',
    tokenize = 'porter unicode61 remove_diacritics 2'
  )`,
  `CREATE TRIGGER IF NOT EXISTS search_docs_after_insert AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, text, scope) VALUES (new.doc_key, new.text, new.scope);
  END`,
  `CREATE TRIGGER IF NOT EXISTS search_docs_after_delete AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, text, scope)
      VALUES ('delete', old.doc_key, old.text, old.scope);
  END`,
  `CREATE TRIGGER IF NOT EXISTS search_docs_after_update AFTER UPDATE OF text, scope ON search_docs
  BEGIN
    INSERT INTO search_fts (search_fts, rowid, text, scope)
      VALUES ('delete', old.doc_key, old.text, old.scope);
    INSERT INTO search_fts (rowid, text, scope) VALUES (new.doc_key, new.text, new.scope);
  END`,
  // log_floor: deletions at or below it were pruned; a cache older than that reloads whole.
  `CREATE TABLE IF NOT EXISTS search_tenants (
    tenant_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    log_floor INTEGER NOT NULL DEFAULT 0
  )`,
  `CREATE TABLE IF NOT EXISTS search_deletions (
    tenant_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc_key INTEGER NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS search_deletions_version ON search_deletions (tenant_id, version)`,
];

/** Creates the search tables when missing; safe to run at every start and from every process. */
export function migrateSearchSchema(db: SqliteDb): void {
  db.transaction(() => {
    for (const sql of STATEMENTS) db.exec(sql);
    const row = db.prepare("SELECT value FROM search_meta WHERE key = 'schema_version'").get();
    if (row) return;
    // The `scope` column holds filter tokens: it must not weigh in BM25 (weight 0).
    db.exec("INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(1.0, 0.0)')");
    db.prepare("INSERT INTO search_meta (key, value) VALUES ('schema_version', ?)").run(
      String(SEARCH_SCHEMA_VERSION),
    );
  });
}
