/**
 * The TenantStore contract suite (ports/tenant-store.ts), run by every adapter's runner:
 * `tenantStoreContract("sqlite", factory)`. Each test gets a fresh, empty store.
 */
import { describe, expect } from "bun:test";
import type { TenantStore } from "../../src/ports/tenant-store.ts";
import { BASE_TIME_MS, freshId, secretKeyRecord, tenantRecord } from "../support/records.ts";
import { type ContractOptions, contractKit, type StoreFactory } from "./contract-kit.ts";

const byId = <T extends { id: string }>(items: T[]) =>
  [...items].sort((a, b) => (a.id < b.id ? -1 : 1));

export function tenantStoreContract(
  name: string,
  factory: StoreFactory<TenantStore>,
  options: ContractOptions = {},
): void {
  describe(`TenantStore contract: ${name}`, () => {
    const kit = contractKit(factory, options);

    kit.test("getTenant returns the created tenant, null for a missing one", async (store) => {
      const tenant = tenantRecord({ name: "Ünïcode Ltd" });
      await store.createTenant(tenant);
      expect(await store.getTenant(tenant.id)).toStrictEqual(tenant);
      expect(await store.getTenant(freshId("ten"))).toBeNull();
    });

    kit.test("countTenants counts every tenant", async (store) => {
      expect(await store.countTenants()).toBe(0);
      for (let i = 0; i < 3; i++) await store.createTenant(tenantRecord());
      expect(await store.countTenants()).toBe(3);
    });

    kit.test("listTenants pages oldest first, ties broken by id", async (store) => {
      const made = [3, 1, 2, 2, 2].map((t) => tenantRecord({ created_at: BASE_TIME_MS + t }));
      for (const tenant of made) await store.createTenant(tenant);
      const expected = [...made].sort((a, b) =>
        a.created_at !== b.created_at ? a.created_at - b.created_at : a.id < b.id ? -1 : 1,
      );
      const seen = [];
      let after: { createdAt: number; id: string } | undefined;
      for (;;) {
        const page = await store.listTenants({ limit: 2, ...(after ? { after } : {}) });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(2);
        seen.push(...page);
        const last = page.at(-1)!;
        after = { createdAt: last.created_at, id: last.id };
      }
      expect(seen).toStrictEqual(expected);
    });

    kit.test("a key is found by its hash and by its id", async (store) => {
      const tenant = tenantRecord();
      await store.createTenant(tenant);
      const key = secretKeyRecord(tenant.id, { hint: "sk_live_ab" });
      await store.createKey(key);
      expect(await store.findKeyByHash(key.hash)).toStrictEqual(key);
      expect(await store.getKey(key.id)).toStrictEqual(key);
      expect(await store.findKeyByHash("0".repeat(64))).toBeNull();
      expect(await store.getKey(freshId("key"))).toBeNull();
    });

    kit.test("a revoked key stays findable, with revoked_at set", async (store) => {
      const tenant = tenantRecord();
      await store.createTenant(tenant);
      const key = secretKeyRecord(tenant.id);
      await store.createKey(key);
      const revokedAt = BASE_TIME_MS + 5000;
      expect(await store.revokeKey(tenant.id, key.id, revokedAt)).toBe(true);
      const revoked = { ...key, revoked_at: revokedAt };
      expect(await store.findKeyByHash(key.hash)).toStrictEqual(revoked);
      expect(await store.getKey(key.id)).toStrictEqual(revoked);
      // Idempotent: a second revocation succeeds and changes nothing.
      expect(await store.revokeKey(tenant.id, key.id, revokedAt + 1000)).toBe(true);
      expect(await store.getKey(key.id)).toStrictEqual(revoked);
    });

    kit.test(
      "end-user revocations: per tenant and end user, time only moves forward",
      async (store) => {
        const tenant = tenantRecord();
        const other = tenantRecord();
        await store.createTenant(tenant);
        await store.createTenant(other);
        expect(await store.endUserTokensRevokedAt(tenant.id, "digest-a")).toBeNull();
        await store.revokeEndUserTokens(tenant.id, "digest-a", BASE_TIME_MS + 10);
        await store.revokeEndUserTokens(tenant.id, "digest-a", BASE_TIME_MS + 5); // older: kept
        expect(await store.endUserTokensRevokedAt(tenant.id, "digest-a")).toBe(BASE_TIME_MS + 10);
        await store.revokeEndUserTokens(tenant.id, "digest-a", BASE_TIME_MS + 20);
        expect(await store.endUserTokensRevokedAt(tenant.id, "digest-a")).toBe(BASE_TIME_MS + 20);
        expect(await store.endUserTokensRevokedAt(tenant.id, "digest-b")).toBeNull();
        expect(await store.endUserTokensRevokedAt(other.id, "digest-a")).toBeNull();
      },
    );

    kit.test("revokeKey of another tenant's key is false and leaves it usable", async (store) => {
      const owner = tenantRecord();
      const intruder = tenantRecord();
      await store.createTenant(owner);
      await store.createTenant(intruder);
      const key = secretKeyRecord(owner.id);
      await store.createKey(key);
      expect(await store.revokeKey(intruder.id, key.id, BASE_TIME_MS)).toBe(false);
      expect(await store.revokeKey(owner.id, freshId("key"), BASE_TIME_MS)).toBe(false);
      expect(await store.getKey(key.id)).toStrictEqual(key);
    });

    kit.test("listKeys returns the tenant's keys, revoked ones included", async (store) => {
      const tenant = tenantRecord();
      const other = tenantRecord();
      await store.createTenant(tenant);
      await store.createTenant(other);
      const keys = [0, 1, 2].map((i) =>
        secretKeyRecord(tenant.id, { created_at: BASE_TIME_MS + i }),
      );
      for (const key of keys) await store.createKey(key);
      await store.createKey(secretKeyRecord(other.id));
      await store.revokeKey(tenant.id, keys[1]!.id, BASE_TIME_MS + 10);
      const expected = keys.map((key, i) =>
        i === 1 ? { ...key, revoked_at: BASE_TIME_MS + 10 } : key,
      );
      expect(byId(await store.listKeys(tenant.id))).toStrictEqual(byId(expected));
      expect(await store.listKeys(freshId("ten"))).toEqual([]);
    });

    kit.test("getOrCreateSetting keeps the first writer's value", async (store) => {
      const first = await store.getOrCreateSetting("cursor_key", () => "first-value");
      const second = await store.getOrCreateSetting("cursor_key", () => "second-value");
      expect(first).toBe("first-value");
      expect(second).toBe("first-value");
      expect(await store.getOrCreateSetting("other", () => "other-value")).toBe("other-value");
    });

    kit.test("a writer landing between the read and the write wins", async (store) => {
      // The second call starts inside the first one's `create`, i.e. after the first found no
      // value and before it writes: the other process of a cross-process race, made certain.
      let inner: Promise<string> | undefined;
      const outer = await store.getOrCreateSetting("race", () => {
        inner = store.getOrCreateSetting("race", () => "inner-value");
        return "outer-value";
      });
      expect(await inner).toBe(outer);
      expect(await store.getOrCreateSetting("race", () => "late-value")).toBe(outer);
    });

    kit.test("concurrent getOrCreateSetting calls all agree on one value", async (store) => {
      const values = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.getOrCreateSetting("shared", () => `v${i}`)),
      );
      expect(new Set(values).size).toBe(1);
      expect(await store.getOrCreateSetting("shared", () => "late")).toBe(values[0]!);
    });

    kit.test("limits: {} by default, null for a missing tenant", async (store) => {
      const tenant = tenantRecord();
      await store.createTenant(tenant);
      expect(await store.getLimits(tenant.id)).toEqual({});
      expect(await store.getLimits(freshId("ten"))).toBeNull();
      expect(await store.updateLimits(freshId("ten"), { streams: 5 })).toBeNull();
    });

    kit.test("updateLimits merges: a number sets, null removes, absent keeps", async (store) => {
      const tenant = tenantRecord();
      await store.createTenant(tenant);
      expect(
        await store.updateLimits(tenant.id, { sends_per_minute_per_end_user: 5, streams: 0 }),
      ).toEqual({ sends_per_minute_per_end_user: 5, streams: 0 });
      expect(
        await store.updateLimits(tenant.id, { streams: null, daily_tokens_per_end_user: 1000 }),
      ).toEqual({ sends_per_minute_per_end_user: 5, daily_tokens_per_end_user: 1000 });
      expect(await store.getLimits(tenant.id)).toEqual({
        sends_per_minute_per_end_user: 5,
        daily_tokens_per_end_user: 1000,
      });
      // The tenant record itself is unchanged by its limits.
      expect(await store.getTenant(tenant.id)).toStrictEqual(tenant);
    });

    kit.test("concurrent patches of different limits all land", async (store) => {
      const tenant = tenantRecord();
      await store.createTenant(tenant);
      await Promise.all([
        store.updateLimits(tenant.id, { streams: 1 }),
        store.updateLimits(tenant.id, { streams_per_end_user: 2 }),
        store.updateLimits(tenant.id, { sends_per_minute: 3 }),
      ]);
      expect(await store.getLimits(tenant.id)).toEqual({
        streams: 1,
        streams_per_end_user: 2,
        sends_per_minute: 3,
      });
    });

    kit.checkSkips();
  });
}
