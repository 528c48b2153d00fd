/**
 * TenantStore on MongoDB (see ports/tenant-store.ts for the contract). Settings live in `_id`
 * (the name) so uniqueness needs no extra index; `getOrCreateSetting` upserts with
 * `$setOnInsert`, which never overwrites, so the first writer wins on every node.
 * Call `ensureMongoSchema` (connect.ts) first. The client is owned by whoever connected.
 */
import type { Collection, Db } from "mongodb";
import type { SecretKeyRecord, TenantRecord } from "../../domain/records.ts";
import type { TenantStore } from "../../ports/tenant-store.ts";
import type { TenantLimits, TenantLimitsPatch } from "../../protocol/requests.ts";
import {
  COLLECTIONS,
  type EndUserRevocationDoc,
  isDuplicateKey,
  keyFromDoc,
  type SecretKeyDoc,
  type SettingDoc,
  type TenantDoc,
} from "./documents.ts";

export class MongoTenantStore implements TenantStore {
  readonly #tenants: Collection<TenantDoc>;
  readonly #keys: Collection<SecretKeyDoc>;
  readonly #settings: Collection<SettingDoc>;
  readonly #revocations: Collection<EndUserRevocationDoc>;

  constructor(db: Db) {
    this.#tenants = db.collection<TenantDoc>(COLLECTIONS.tenants);
    this.#keys = db.collection<SecretKeyDoc>(COLLECTIONS.secretKeys);
    this.#settings = db.collection<SettingDoc>(COLLECTIONS.settings);
    this.#revocations = db.collection<EndUserRevocationDoc>(COLLECTIONS.endUserRevocations);
  }

  async createTenant(tenant: TenantRecord): Promise<void> {
    await this.#tenants.insertOne({
      _id: tenant.id,
      name: tenant.name,
      created_at: tenant.created_at,
    });
  }

  async getTenant(tenantId: string): Promise<TenantRecord | null> {
    const doc = await this.#tenants.findOne({ _id: tenantId });
    return doc ? { id: doc._id, name: doc.name, created_at: doc.created_at } : null;
  }

  async listTenants(options: {
    limit: number;
    after?: { createdAt: number; id: string };
  }): Promise<TenantRecord[]> {
    const after = options.after;
    const filter = after
      ? {
          $or: [
            { created_at: { $gt: after.createdAt } },
            { created_at: after.createdAt, _id: { $gt: after.id } },
          ],
        }
      : {};
    const docs = await this.#tenants
      .find(filter)
      .sort({ created_at: 1, _id: 1 })
      .limit(options.limit)
      .toArray();
    return docs.map((doc) => ({ id: doc._id, name: doc.name, created_at: doc.created_at }));
  }

  async countTenants(): Promise<number> {
    return this.#tenants.countDocuments({});
  }

  async getLimits(tenantId: string): Promise<TenantLimits | null> {
    const doc = await this.#tenants.findOne({ _id: tenantId }, { projection: { limits: 1 } });
    return doc ? ((doc.limits ?? {}) as TenantLimits) : null;
  }

  async updateLimits(tenantId: string, patch: TenantLimitsPatch): Promise<TenantLimits | null> {
    // Field-wise $set / $unset in one update: concurrent patches of different fields both land.
    const set: Record<string, number> = {};
    const unset: Record<string, ""> = {};
    for (const [name, value] of Object.entries(patch)) {
      if (value === null) unset[`limits.${name}`] = "";
      else if (value !== undefined) set[`limits.${name}`] = value;
    }
    const update = {
      ...(Object.keys(set).length > 0 ? { $set: set } : {}),
      ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
    };
    if (Object.keys(update).length === 0) return this.getLimits(tenantId);
    const doc = await this.#tenants.findOneAndUpdate({ _id: tenantId }, update, {
      returnDocument: "after",
      projection: { limits: 1 },
    });
    return doc ? ((doc.limits ?? {}) as TenantLimits) : null;
  }

  async createKey(key: SecretKeyRecord): Promise<void> {
    await this.#keys.insertOne({
      _id: key.id,
      tenant_id: key.tenant_id,
      hash: key.hash,
      hint: key.hint,
      created_at: key.created_at,
      revoked_at: key.revoked_at,
    });
  }

  async findKeyByHash(hash: string): Promise<SecretKeyRecord | null> {
    const doc = await this.#keys.findOne({ hash });
    return doc ? keyFromDoc(doc) : null;
  }

  async getKey(keyId: string): Promise<SecretKeyRecord | null> {
    const doc = await this.#keys.findOne({ _id: keyId });
    return doc ? keyFromDoc(doc) : null;
  }

  /** Oldest first (created_at, then id), so an admin listing is stable. */
  async listKeys(tenantId: string): Promise<SecretKeyRecord[]> {
    const docs = await this.#keys
      .find({ tenant_id: tenantId })
      .sort({ created_at: 1, _id: 1 })
      .toArray();
    return docs.map(keyFromDoc);
  }

  async revokeKey(tenantId: string, keyId: string, at: number): Promise<boolean> {
    // A pipeline update keeps the first revocation time ($ifNull), so a repeat changes nothing;
    // matchedCount (not modifiedCount) makes an already revoked key still answer true.
    const { matchedCount } = await this.#keys.updateOne({ _id: keyId, tenant_id: tenantId }, [
      { $set: { revoked_at: { $ifNull: ["$revoked_at", at] } } },
    ]);
    return matchedCount > 0;
  }

  async revokeEndUserTokens(tenantId: string, endUserDigest: string, at: number): Promise<void> {
    await this.#revocations.updateOne(
      { _id: `${tenantId}:${endUserDigest}` },
      { $max: { revoked_at: at } },
      { upsert: true },
    );
  }

  async endUserTokensRevokedAt(tenantId: string, endUserDigest: string): Promise<number | null> {
    const doc = await this.#revocations.findOne({ _id: `${tenantId}:${endUserDigest}` });
    return doc ? doc.revoked_at : null;
  }

  async getOrCreateSetting(name: string, create: () => string): Promise<string> {
    const existing = await this.#settings.findOne({ _id: name });
    if (existing) return existing.value;
    try {
      await this.#settings.updateOne(
        { _id: name },
        { $setOnInsert: { value: create() } },
        { upsert: true },
      );
    } catch (err) {
      // Two first upserts raced on `_id` and ours lost: the other value stands, read it below.
      if (!isDuplicateKey(err)) throw err;
    }
    const stored = await this.#settings.findOne({ _id: name });
    if (!stored) throw new Error(`setting ${name} missing right after its upsert`);
    return stored.value;
  }
}
