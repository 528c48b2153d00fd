/**
 * The per-tenant write stamp of the SQLite search index (search-schema.ts): every write bumps it
 * and stamps the rows it touches, so each process's vector cache reads only what changed. Shared
 * by the index's own writes and by the re-embedding backfill.
 */
import type { SqliteDb } from "./database.ts";

/** Deletions kept in the log per tenant (in versions); an older cache reloads from scratch. */
const DELETION_LOG_VERSIONS = 10_000;

/** Bumps and returns the tenant's version (call inside a transaction); prunes its deletion log now and then. */
export function nextTenantVersion(db: SqliteDb, tenantId: string): number {
  const row = db
    .prepare(
      `INSERT INTO search_tenants (tenant_id, version) VALUES (?, 1)
       ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1 RETURNING version`,
    )
    .get(tenantId);
  const version = Number(row?.version);
  if (version % DELETION_LOG_VERSIONS === 0) {
    const floor = version - DELETION_LOG_VERSIONS;
    db.prepare("DELETE FROM search_deletions WHERE tenant_id = ? AND version <= ?").run(
      tenantId,
      floor,
    );
    db.prepare("UPDATE search_tenants SET log_floor = ? WHERE tenant_id = ?").run(floor, tenantId);
  }
  return version;
}
