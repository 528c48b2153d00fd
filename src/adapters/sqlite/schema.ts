/**
 * The SQLite schema of the embedded store: tenants, secret keys, settings, threads, messages.
 * `migrateSqlite` is idempotent and safe when several processes start on one file at once.
 * Versions are kept per component in a `schema_version` table, not in PRAGMA user_version: the
 * search index keeps its own tables (and its own migrations) in the same file, and one shared
 * integer would let the two schema files overwrite each other's version.
 */
import type { SqliteDb } from "./database.ts";

const COMPONENT = "store";

/**
 * Message `content`, `usage` and `error` are JSON text (opaque to SQL); `role` is a column so
 * that hiding tool messages happens in the query and keyset pages stay full. No foreign keys:
 * the thread store checks that a thread exists inside the write transaction and deletes a
 * thread's messages itself, which keeps inserts free of FK checks.
 */
const V1 = `
CREATE TABLE IF NOT EXISTS tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS secret_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  hint TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS secret_keys_by_tenant ON secret_keys (tenant_id, created_at, id);
CREATE TABLE IF NOT EXISTS settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS threads (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  end_user_id TEXT,
  metadata TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_active_at INTEGER NOT NULL,
  last_seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS threads_by_activity
  ON threads (tenant_id, last_active_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS threads_by_end_user_activity
  ON threads (tenant_id, end_user_id, last_active_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS messages (
  thread_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  role TEXT NOT NULL,
  content TEXT NOT NULL,
  status TEXT NOT NULL,
  model TEXT,
  request_id TEXT,
  end_user_id TEXT,
  usage TEXT,
  stop_reason TEXT,
  error TEXT,
  created_at TEXT NOT NULL,
  completed_at TEXT,
  epoch INTEGER NOT NULL,
  rev INTEGER NOT NULL,
  last_offset INTEGER NOT NULL,
  PRIMARY KEY (thread_id, seq)
);
CREATE INDEX IF NOT EXISTS messages_by_request ON messages (thread_id, request_id);
`;

/** The usage ledger: one row per message, replaced on re-record (ports/thread-store.ts). */
const V2 = `
CREATE TABLE IF NOT EXISTS usage_ledger (
  thread_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  tenant_id TEXT NOT NULL,
  end_user_id TEXT,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  estimated INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (thread_id, seq)
);
CREATE INDEX IF NOT EXISTS usage_by_tenant ON usage_ledger (tenant_id, at);
CREATE INDEX IF NOT EXISTS usage_by_end_user ON usage_ledger (tenant_id, end_user_id, at);
`;

/** Tenant limits (admin API): a JSON object of the tenant's own settings, NULL when none. */
const V3 = `
ALTER TABLE tenants ADD COLUMN limits TEXT;
`;

/**
 * Branches (API.md "Branches and message operations"): every message names its parent; a
 * thread stored before has one branch, so each message follows the one before it. The thread
 * keeps its last branch switch (domain/branches.ts `headOf`); none for existing threads.
 */
const V4 = `
ALTER TABLE messages ADD COLUMN parent_seq INTEGER;
UPDATE messages SET parent_seq = CASE WHEN seq > 1 THEN seq - 1 ELSE NULL END;
ALTER TABLE threads ADD COLUMN head_seq INTEGER;
ALTER TABLE threads ADD COLUMN head_as_of INTEGER NOT NULL DEFAULT 0;
`;

/** Compaction summaries (role `summary`): the newest message of the branch a summary covers. */
const V5 = `
ALTER TABLE messages ADD COLUMN covers_through_seq INTEGER;
`;

/** Erased end users whose tokens are void up to `revoked_at` (a digest, never the id). */
const V6 = `
CREATE TABLE IF NOT EXISTS end_user_revocations (
  tenant_id TEXT NOT NULL,
  end_user_digest TEXT NOT NULL,
  revoked_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, end_user_digest)
);
`;

/** Index i holds the SQL that takes the store from version i to version i + 1. */
const MIGRATIONS: readonly string[] = [V1, V2, V3, V4, V5, V6];

/** The store's schema version after `migrateSqlite`. */
export const SQLITE_STORE_SCHEMA_VERSION = MIGRATIONS.length;

export function migrateSqlite(db: SqliteDb): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
  );
  // IMMEDIATE transaction: a second process starting at the same moment waits, then sees the
  // version the first one wrote and applies nothing.
  db.transaction(() => {
    const current = storeVersion(db);
    // A newer file (written by a newer Spool) is left alone: migrations only ever add.
    if (current >= MIGRATIONS.length) return;
    for (const sql of MIGRATIONS.slice(current)) db.exec(sql);
    db.prepare(
      "INSERT INTO schema_version (component, version) VALUES (?, ?) " +
        "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
    ).run(COMPONENT, MIGRATIONS.length);
  });
}

export function storeVersion(db: SqliteDb): number {
  const row = db.prepare("SELECT version FROM schema_version WHERE component = ?").get(COMPONENT);
  return row ? Number(row.version) : 0;
}
