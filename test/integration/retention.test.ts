// Per-tenant retention_days: set and validated through the admin PATCH, enforced by the
// enforce-retention worker through the one delete path. On a fake clock it deletes exactly the
// threads inactive longer than the limit (not the one at the limit, not other tenants'); on the
// real BullMQ schedule an old thread goes by itself, with its messages, search entries and keys.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { FakeClock } from "../../src/adapters/memory/fake-clock.ts";
import { newId } from "../../src/domain/ids.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import { DAY_MS, enforceRetention } from "../../workers/enforce-retention.ts";
import { ADMIN_KEY, startSpool, type TestSpool } from "../support/spool.ts";

let spool: TestSpool;
let tenantId: string;

beforeAll(async () => {
  // 1 s schedule: the scheduled run is seen within the test.
  spool = await startSpool({ RETENTION_INTERVAL_MS: "1000" });
  // Listening and registered, as a deployed node is: the worker finds the owner through it.
  const server = await spool.listen();
  await spool.runtime.announce(server.port);
  tenantId = (await spool.runtime.services.tokens.authenticate(spool.secretKey)).tenantId;
});
afterAll(() => spool.close());

async function setRetention(tenant: string, value: unknown) {
  return spool.json<{ limits: Record<string, number>; error?: { code: string; param?: string } }>(
    "PATCH",
    `/v1/admin/tenants/${tenant}`,
    { limits: { retention_days: value } },
    ADMIN_KEY,
  );
}

/** A thread whose last activity was at `lastActiveAt`, with one message through the hot path. */
async function threadAt(tenant: string, key: string, lastActiveAt: number): Promise<string> {
  const id = newId("thr");
  await spool.runtime.services.store.createThread({
    id,
    tenant_id: tenant,
    end_user_id: "u1",
    metadata: {},
    created_at: lastActiveAt,
    last_active_at: lastActiveAt,
    last_seq: 0,
    head_seq: null,
    head_as_of: 0,
  });
  const sent = await spool.json("POST", `/v1/threads/${id}/messages`, { content: "old" }, key);
  expect(sent.status).toBe(201);
  return id;
}

const exists = async (id: string, key = spool.secretKey) =>
  (await spool.json("GET", `/v1/threads/${id}`, undefined, key)).status === 200;

describe("retention", () => {
  test("retention_days is validated: 0–36,500 whole days, null removes it", async () => {
    for (const bad of [-1, 1.5, 36_501, "30", true]) {
      const { status, body } = await setRetention(tenantId, bad);
      expect([bad, status, body.error?.code]).toEqual([bad, 422, "validation_failed"]);
    }
    expect((await setRetention(tenantId, 30)).body.limits.retention_days).toBe(30);
    expect((await setRetention(tenantId, null)).body.limits.retention_days).toBeUndefined();
  });

  test("deletes only threads inactive longer than the limit (fake clock)", async () => {
    const other = await spool.createTenant("kept-forever");
    const otherId = (await spool.runtime.services.tokens.authenticate(other)).tenantId;
    const zero = await spool.createTenant("zero-days");
    const zeroId = (await spool.runtime.services.tokens.authenticate(zero)).tenantId;
    // Far in the future of the real clock, so the real scheduled runs never touch these.
    const clock = new FakeClock(Date.now() + 10_000 * DAY_MS);
    const now = clock.now();
    const old = await threadAt(tenantId, spool.secretKey, now - 31 * DAY_MS);
    const older = await threadAt(tenantId, spool.secretKey, now - 400 * DAY_MS);
    const atLimit = await threadAt(tenantId, spool.secretKey, now - 30 * DAY_MS);
    const recent = await threadAt(tenantId, spool.secretKey, now - 29 * DAY_MS);
    const foreign = await threadAt(otherId, other, now - 400 * DAY_MS);
    const zeroOld = await threadAt(zeroId, zero, now - 400 * DAY_MS);
    await setRetention(tenantId, 30);
    await setRetention(zeroId, 0);
    try {
      const { services } = spool.runtime;
      const deps = {
        tenants: services.tenants,
        store: services.store,
        clock,
        logger: silentLogger,
        removeThread: (thread: Parameters<typeof services.commands.removeThread>[0]) =>
          services.commands.removeThread(thread),
      };
      // Budget 1 first: a run stops at its budget, the next one goes on.
      expect((await enforceRetention(deps, 1)).deleted).toBe(1);
      const outcome = await enforceRetention(deps);
      expect(outcome.deleted).toBe(1);
      expect(await exists(old)).toBe(false);
      expect(await exists(older)).toBe(false);
      expect(await exists(atLimit)).toBe(true);
      expect(await exists(recent)).toBe(true);
      expect(await exists(foreign, other)).toBe(true);
      expect(await exists(zeroOld, zero)).toBe(true);
      expect(
        await services.store.listMessages({
          threadId: old,
          limit: 5,
          order: "asc",
          includeTools: true,
        }),
      ).toEqual([]);
      expect(await services.checkpoint.lastSeq(old)).toBeNull();
      // A millisecond later the one at the limit is past it (and the 29-day one is not).
      await clock.advance(1);
      expect((await enforceRetention(deps)).deleted).toBe(1);
      expect(await exists(atLimit)).toBe(false);
      expect(await exists(recent)).toBe(true);
    } finally {
      await setRetention(tenantId, null);
    }
  });

  test("the scheduled worker deletes an old thread by itself: its owner stopped, its keys gone", async () => {
    const tenant = await spool.createTenant("scheduled");
    const id = (await spool.runtime.services.tokens.authenticate(tenant)).tenantId;
    const stale = await threadAt(id, tenant, Date.now() - 3 * DAY_MS);
    const fresh = await threadAt(id, tenant, Date.now());
    // Its message's persistence moved its activity to now: set it back to 3 days ago, as if it
    // had been idle since (the store port only moves activity forward).
    const { store } = spool.runtime.services;
    const deadlinePersist = Date.now() + 10_000;
    while (!(await store.getMessage(stale, 1)) && Date.now() < deadlinePersist) await Bun.sleep(50);
    await Bun.sleep(200); // the touch follows the write
    const db = new Database(join(spool.dataDir, "spool.db"));
    db.query("UPDATE threads SET last_active_at = ? WHERE id = ?").run(
      Date.now() - 3 * DAY_MS,
      stale,
    );
    db.close();
    // Owned by an actor on this node right now: the delete path must stop it first.
    expect(spool.runtime.services.host.local(stale)).toBeDefined();
    await setRetention(id, 2);
    const deadline = Date.now() + 15_000;
    while ((await exists(stale, tenant)) && Date.now() < deadline) await Bun.sleep(200);
    expect(await exists(stale, tenant)).toBe(false);
    expect(await exists(fresh, tenant)).toBe(true);
    expect(spool.runtime.services.host.local(stale)).toBeUndefined();
    expect(await spool.runtime.services.checkpoint.lastSeq(stale)).toBeNull();
  });
});
