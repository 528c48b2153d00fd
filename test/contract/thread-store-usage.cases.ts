/**
 * ThreadStore contract, the usage half: `setUsage` fills only missing or estimated usage and
 * leaves the version (epoch, rev) alone; the ledger counts each (thread, seq) once however often
 * it is recorded, filters by tenant, end user and time. Registered by thread-store.contract.ts.
 */
import { expect } from "bun:test";
import type { ThreadStore, UsageEntry } from "../../src/ports/thread-store.ts";
import { BASE_TIME_MS, freshId, messageRecord } from "../support/records.ts";
import type { ContractKit } from "./contract-kit.ts";
import { seedThread } from "./thread-store-messages.cases.ts";

const EXACT = { input_tokens: 7, output_tokens: 3, estimated: false };
const ESTIMATE = { input_tokens: 0, output_tokens: 9, estimated: true };

function entry(overrides: Partial<UsageEntry>): UsageEntry {
  return {
    tenant_id: "ten_a",
    end_user_id: null,
    thread_id: freshId("thr"),
    seq: 1,
    input_tokens: 10,
    output_tokens: 5,
    estimated: false,
    at: BASE_TIME_MS,
    ...overrides,
  };
}

const ALL_TIME = { from: 0, to: Number.MAX_SAFE_INTEGER };

export function usageCases(kit: ContractKit<ThreadStore>): void {
  kit.test("setUsage fills a missing usage and leaves epoch and rev alone", async (store) => {
    const thread = await seedThread(store);
    await store.upsertMessages([messageRecord(thread, 1, { epoch: 3, rev: 4 })]);
    expect(await store.setUsage(thread.id, 1, EXACT)).toBe(true);
    const stored = await store.getMessage(thread.id, 1);
    expect(stored).toMatchObject({ usage: EXACT, epoch: 3, rev: 4 });
  });

  kit.test("setUsage replaces an estimate but never a provider count", async (store) => {
    const thread = await seedThread(store);
    await store.upsertMessages([
      messageRecord(thread, 1, { usage: ESTIMATE }),
      messageRecord(thread, 2, { usage: EXACT }),
    ]);
    expect(await store.setUsage(thread.id, 1, EXACT)).toBe(true);
    expect(await store.setUsage(thread.id, 2, ESTIMATE)).toBe(false);
    expect((await store.getMessage(thread.id, 1))?.usage).toEqual(EXACT);
    expect((await store.getMessage(thread.id, 2))?.usage).toEqual(EXACT);
    expect(await store.setUsage(thread.id, 1, ESTIMATE)).toBe(false);
  });

  kit.test("setUsage on a message that is not stored changes nothing", async (store) => {
    const thread = await seedThread(store);
    expect(await store.setUsage(thread.id, 5, EXACT)).toBe(false);
    expect(await store.getMessage(thread.id, 5)).toBeNull();
  });

  kit.test("a newer version written after setUsage replaces it", async (store) => {
    const thread = await seedThread(store);
    await store.upsertMessages([messageRecord(thread, 1)]);
    await store.setUsage(thread.id, 1, ESTIMATE);
    expect(await store.upsertMessages([messageRecord(thread, 1, { rev: 2 })])).toEqual({
      written: 1,
    });
    expect((await store.getMessage(thread.id, 1))?.usage).toBeNull();
  });

  kit.test("recording the same (thread, seq) twice counts it once", async (store) => {
    const tenant = freshId("ten");
    const e = entry({ tenant_id: tenant });
    await store.recordUsage([e]);
    await store.recordUsage([e, { ...e, input_tokens: 11 }]);
    expect(await store.usageTotals({ tenantId: tenant, ...ALL_TIME })).toEqual({
      input_tokens: 11,
      output_tokens: 5,
      messages: 1,
      estimated_messages: 0,
    });
  });

  kit.test("usage totals are scoped by tenant, end user and time", async (store) => {
    const tenant = freshId("ten");
    await store.recordUsage([
      entry({ tenant_id: tenant, end_user_id: "u1", at: 1000 }),
      entry({ tenant_id: tenant, end_user_id: "u1", at: 2000, estimated: true }),
      entry({ tenant_id: tenant, end_user_id: "u2", at: 1500, input_tokens: 100 }),
      entry({ tenant_id: freshId("ten"), end_user_id: "u1", at: 1000 }),
    ]);
    const all = await store.usageTotals({ tenantId: tenant, ...ALL_TIME });
    expect(all).toEqual({
      input_tokens: 120,
      output_tokens: 15,
      messages: 3,
      estimated_messages: 1,
    });
    const u1 = await store.usageTotals({ tenantId: tenant, endUserId: "u1", ...ALL_TIME });
    expect(u1).toMatchObject({ input_tokens: 20, messages: 2, estimated_messages: 1 });
    const window = await store.usageTotals({ tenantId: tenant, from: 1000, to: 2000 });
    expect(window).toMatchObject({ input_tokens: 110, messages: 2 });
    const none = await store.usageTotals({ tenantId: freshId("ten"), ...ALL_TIME });
    expect(none).toEqual({ input_tokens: 0, output_tokens: 0, messages: 0, estimated_messages: 0 });
  });

  kit.test("ledger entries outlive their thread", async (store) => {
    const thread = await seedThread(store);
    await store.recordUsage([entry({ tenant_id: thread.tenant_id, thread_id: thread.id })]);
    await store.deleteThread(thread.tenant_id, thread.id);
    const totals = await store.usageTotals({ tenantId: thread.tenant_id, ...ALL_TIME });
    expect(totals.messages).toBe(1);
  });

  kit.test("anonymizeUsage drops the end user from their entries; totals stay", async (store) => {
    const tenant = freshId("ten");
    const other = freshId("ten");
    await store.recordUsage([
      entry({ tenant_id: tenant, end_user_id: "gone", input_tokens: 4 }),
      entry({ tenant_id: tenant, end_user_id: "gone", input_tokens: 6 }),
      entry({ tenant_id: tenant, end_user_id: "kept", input_tokens: 100 }),
      entry({ tenant_id: other, end_user_id: "gone", input_tokens: 1 }),
    ]);
    const before = await store.usageTotals({ tenantId: tenant, ...ALL_TIME });
    expect(await store.anonymizeUsage(tenant, "gone")).toBe(2);
    expect(await store.anonymizeUsage(tenant, "gone")).toBe(0); // idempotent
    expect(await store.usageTotals({ tenantId: tenant, ...ALL_TIME })).toEqual(before);
    const gone = await store.usageTotals({ tenantId: tenant, endUserId: "gone", ...ALL_TIME });
    expect(gone.messages).toBe(0);
    const kept = await store.usageTotals({ tenantId: tenant, endUserId: "kept", ...ALL_TIME });
    expect(kept).toMatchObject({ messages: 1, input_tokens: 100 });
    const elsewhere = await store.usageTotals({ tenantId: other, endUserId: "gone", ...ALL_TIME });
    expect(elsewhere.messages).toBe(1); // another tenant's end user of the same id is untouched
  });
}
