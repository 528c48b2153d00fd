/**
 * Tenants and their secret keys. Keys are looked up by the SHA-256 of the presented key; the key
 * itself is never stored. A revoked key is never returned as usable (callers check `revoked_at`).
 * `getOrCreateSetting` is an atomic first-writer-wins put, used for server-wide secrets that
 * every node must share (the cursor signing key).
 * Limits: `getLimits` is the tenant's own settings ({} when none; null: no such tenant);
 * `updateLimits` merges a patch atomically (a number sets, null removes a field) and returns the
 * result (null: no such tenant).
 * End-user revocations (erasure of an end user): `revokeEndUserTokens` records that every token
 * of that end user issued at or before `at` is void; a later call only moves the time forward.
 * The end user is named by a digest the caller makes (the erased id is not kept in clear).
 */
import type { SecretKeyRecord, TenantRecord } from "../domain/records.ts";
import type { TenantLimits, TenantLimitsPatch } from "../protocol/requests.ts";

export interface TenantStore {
  createTenant(tenant: TenantRecord): Promise<void>;
  getTenant(tenantId: string): Promise<TenantRecord | null>;
  countTenants(): Promise<number>;
  /** Oldest first (created_at, then id); `after` is the last tenant of the previous page. */
  listTenants(options: {
    limit: number;
    after?: { createdAt: number; id: string };
  }): Promise<TenantRecord[]>;
  getLimits(tenantId: string): Promise<TenantLimits | null>;
  updateLimits(tenantId: string, patch: TenantLimitsPatch): Promise<TenantLimits | null>;

  createKey(key: SecretKeyRecord): Promise<void>;
  findKeyByHash(hash: string): Promise<SecretKeyRecord | null>;
  getKey(keyId: string): Promise<SecretKeyRecord | null>;
  listKeys(tenantId: string): Promise<SecretKeyRecord[]>;
  /** Marks the key revoked; false when the tenant has no such key. Idempotent. */
  revokeKey(tenantId: string, keyId: string, at: number): Promise<boolean>;

  revokeEndUserTokens(tenantId: string, endUserDigest: string, at: number): Promise<void>;
  /** When that end user's tokens were last revoked (epoch ms), null when never. */
  endUserTokensRevokedAt(tenantId: string, endUserDigest: string): Promise<number | null>;

  getOrCreateSetting(name: string, create: () => string): Promise<string>;
}
