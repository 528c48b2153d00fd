/**
 * TenantStore on the embedded SQLite file (see ports/tenant-store.ts for the contract).
 * `getOrCreateSetting` is first-writer-wins across processes: INSERT … ON CONFLICT DO NOTHING,
 * then read back whatever row won, so every node ends up with the same value.
 * Call `migrateSqlite(db)` first. The handle is shared and owned by whoever opened it.
 */
import type { SecretKeyRecord, TenantRecord } from "../../domain/records.ts";
import { mergeLimits } from "../../domain/tenant-limits.ts";
import type { TenantStore } from "../../ports/tenant-store.ts";
import type { TenantLimits, TenantLimitsPatch } from "../../protocol/requests.ts";
import type { Row, SqliteDb } from "./database.ts";

const KEY_COLUMNS = "id, tenant_id, hash, hint, created_at, revoked_at";

function keyFromRow(row: Row): SecretKeyRecord {
  return {
    id: String(row.id),
    tenant_id: String(row.tenant_id),
    hash: String(row.hash),
    hint: String(row.hint),
    created_at: Number(row.created_at),
    revoked_at: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

export class SqliteTenantStore implements TenantStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async createTenant(tenant: TenantRecord): Promise<void> {
    this.#db
      .prepare("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)")
      .run(tenant.id, tenant.name, tenant.created_at);
  }

  async getTenant(tenantId: string): Promise<TenantRecord | null> {
    const row = this.#db
      .prepare("SELECT id, name, created_at FROM tenants WHERE id = ?")
      .get(tenantId);
    if (!row) return null;
    return { id: String(row.id), name: String(row.name), created_at: Number(row.created_at) };
  }

  async countTenants(): Promise<number> {
    const row = this.#db.prepare("SELECT COUNT(*) AS n FROM tenants").get();
    return Number(row?.n ?? 0);
  }

  async listTenants(options: {
    limit: number;
    after?: { createdAt: number; id: string };
  }): Promise<TenantRecord[]> {
    const after = options.after;
    const rows = after
      ? this.#db
          .prepare(
            "SELECT id, name, created_at FROM tenants WHERE created_at > ? OR (created_at = ? AND id > ?) ORDER BY created_at, id LIMIT ?",
          )
          .all(after.createdAt, after.createdAt, after.id, options.limit)
      : this.#db
          .prepare("SELECT id, name, created_at FROM tenants ORDER BY created_at, id LIMIT ?")
          .all(options.limit);
    return rows.map((row) => ({
      id: String(row.id),
      name: String(row.name),
      created_at: Number(row.created_at),
    }));
  }

  async getLimits(tenantId: string): Promise<TenantLimits | null> {
    const row = this.#db.prepare("SELECT limits FROM tenants WHERE id = ?").get(tenantId);
    if (!row) return null;
    return row.limits ? (JSON.parse(String(row.limits)) as TenantLimits) : {};
  }

  async updateLimits(tenantId: string, patch: TenantLimitsPatch): Promise<TenantLimits | null> {
    // One IMMEDIATE transaction: two admins patching different fields both land.
    return this.#db.transaction(() => {
      const row = this.#db.prepare("SELECT limits FROM tenants WHERE id = ?").get(tenantId);
      if (!row) return null;
      const current = row.limits ? (JSON.parse(String(row.limits)) as TenantLimits) : {};
      const next = mergeLimits(current, patch);
      this.#db
        .prepare("UPDATE tenants SET limits = ? WHERE id = ?")
        .run(JSON.stringify(next), tenantId);
      return next;
    });
  }

  async createKey(key: SecretKeyRecord): Promise<void> {
    this.#db
      .prepare(`INSERT INTO secret_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(key.id, key.tenant_id, key.hash, key.hint, key.created_at, key.revoked_at);
  }

  async findKeyByHash(hash: string): Promise<SecretKeyRecord | null> {
    const row = this.#db.prepare(`SELECT ${KEY_COLUMNS} FROM secret_keys WHERE hash = ?`).get(hash);
    return row ? keyFromRow(row) : null;
  }

  async getKey(keyId: string): Promise<SecretKeyRecord | null> {
    const row = this.#db.prepare(`SELECT ${KEY_COLUMNS} FROM secret_keys WHERE id = ?`).get(keyId);
    return row ? keyFromRow(row) : null;
  }

  /** Oldest first (created_at, then id), so an admin listing is stable. */
  async listKeys(tenantId: string): Promise<SecretKeyRecord[]> {
    return this.#db
      .prepare(`SELECT ${KEY_COLUMNS} FROM secret_keys WHERE tenant_id = ? ORDER BY created_at, id`)
      .all(tenantId)
      .map(keyFromRow);
  }

  async revokeKey(tenantId: string, keyId: string, at: number): Promise<boolean> {
    // COALESCE keeps the first revocation time, so a repeated call changes nothing. SQLite
    // counts every row the WHERE matched as changed, so an already revoked key still says true.
    const { changes } = this.#db
      .prepare(
        "UPDATE secret_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND tenant_id = ?",
      )
      .run(at, keyId, tenantId);
    return changes > 0;
  }

  async revokeEndUserTokens(tenantId: string, endUserDigest: string, at: number): Promise<void> {
    this.#db
      .prepare(
        "INSERT INTO end_user_revocations (tenant_id, end_user_digest, revoked_at) VALUES (?, ?, ?) " +
          "ON CONFLICT (tenant_id, end_user_digest) " +
          "DO UPDATE SET revoked_at = MAX(revoked_at, excluded.revoked_at)",
      )
      .run(tenantId, endUserDigest, at);
  }

  async endUserTokensRevokedAt(tenantId: string, endUserDigest: string): Promise<number | null> {
    const row = this.#db
      .prepare(
        "SELECT revoked_at FROM end_user_revocations WHERE tenant_id = ? AND end_user_digest = ?",
      )
      .get(tenantId, endUserDigest);
    return row ? Number(row.revoked_at) : null;
  }

  async getOrCreateSetting(name: string, create: () => string): Promise<string> {
    const existing = this.#readSetting(name);
    if (existing !== null) return existing;
    this.#db
      .prepare("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
      .run(name, create());
    const stored = this.#readSetting(name);
    if (stored === null) throw new Error(`setting ${name} missing right after its insert`);
    return stored;
  }

  #readSetting(name: string): string | null {
    const row = this.#db.prepare("SELECT value FROM settings WHERE name = ?").get(name);
    return row ? String(row.value) : null;
  }
}
