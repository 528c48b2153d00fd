/**
 * ThreadStore contract, the thread half: tenant scoping, listing order and keyset paging,
 * touchThread, deleteThread. Registered by thread-store.contract.ts.
 */
import { expect } from "bun:test";
import type { ThreadRecord } from "../../src/domain/records.ts";
import type { ThreadPageQuery, ThreadStore } from "../../src/ports/thread-store.ts";
import {
  BASE_TIME_MS,
  freshId,
  messageRange,
  messageRecord,
  threadRecord,
} from "../support/records.ts";
import type { ContractKit } from "./contract-kit.ts";

/** More threads than any case creates: a walk past it has looped. */
const MAX_WALK_ITEMS = 1000;

async function seed(store: ThreadStore, threads: ThreadRecord[]): Promise<void> {
  for (const thread of threads) await store.createThread(thread);
}

/** The contract's list order: last_active_at desc, then id desc. */
function listOrder(threads: ThreadRecord[]): string[] {
  return [...threads]
    .sort((a, b) => b.last_active_at - a.last_active_at || (a.id < b.id ? 1 : -1))
    .map((thread) => thread.id);
}

/** Follows the keyset from page to page; checks every page but the last is full. */
async function walkThreads(
  store: ThreadStore,
  query: Omit<ThreadPageQuery, "after">,
): Promise<string[]> {
  const ids: string[] = [];
  let after: ThreadPageQuery["after"];
  for (;;) {
    const page = await store.listThreads({ ...query, after });
    ids.push(...page.map((thread) => thread.id));
    const last = page.at(-1);
    if (page.length < query.limit || !last) return ids;
    // A keyset that does not advance would loop forever; fail instead.
    if (ids.length > MAX_WALK_ITEMS) throw new Error("listThreads keyset did not advance");
    after = { lastActiveAt: last.last_active_at, id: last.id };
  }
}

/** 23 threads of one tenant over 4 distinct activity times, so most keyset steps cross ties. */
function tiedThreads(tenantId: string, endUserOf: (i: number) => string | null): ThreadRecord[] {
  return Array.from({ length: 23 }, (_, i) =>
    threadRecord({
      tenant_id: tenantId,
      end_user_id: endUserOf(i),
      last_active_at: BASE_TIME_MS + (i % 4) * 1000,
    }),
  );
}

export function threadCases(kit: ContractKit<ThreadStore>): void {
  kit.test("getThread returns the created thread with every field", async (store) => {
    const thread = threadRecord({
      end_user_id: "user_1",
      // Keys with dots and a leading $ are legal metadata and must survive any backend.
      metadata: { topic: "billing", "with.dot": "v", $key: "$value" },
      created_at: BASE_TIME_MS + 1,
      last_active_at: BASE_TIME_MS + 2,
      last_seq: 3,
    });
    await store.createThread(thread);
    expect(await store.getThread(thread.tenant_id, thread.id)).toStrictEqual(thread);
  });

  kit.test("a missing thread is null for get and update, false for delete", async (store) => {
    const tenantId = freshId("ten");
    const threadId = freshId("thr");
    expect(await store.getThread(tenantId, threadId)).toBeNull();
    expect(await store.updateThreadMetadata(tenantId, threadId, { a: "b" })).toBeNull();
    expect(await store.deleteThread(tenantId, threadId)).toBe(false);
  });

  kit.test("another tenant's thread is null for get, update, delete and list", async (store) => {
    const thread = threadRecord({ metadata: { owner: "first" } });
    await store.createThread(thread);
    const other = freshId("ten");
    expect(await store.getThread(other, thread.id)).toBeNull();
    expect(await store.updateThreadMetadata(other, thread.id, { owner: "second" })).toBeNull();
    expect(await store.deleteThread(other, thread.id)).toBe(false);
    expect(await store.listThreads({ tenantId: other, limit: 10 })).toEqual([]);
    // And the owner still sees it untouched.
    expect(await store.getThread(thread.tenant_id, thread.id)).toStrictEqual(thread);
  });

  kit.test("updateThreadMetadata replaces the metadata and returns the thread", async (store) => {
    const thread = threadRecord({ metadata: { a: "1", b: "2" } });
    await store.createThread(thread);
    const updated = await store.updateThreadMetadata(thread.tenant_id, thread.id, { c: "3" });
    expect(updated).toStrictEqual({ ...thread, metadata: { c: "3" } });
    expect(await store.getThread(thread.tenant_id, thread.id)).toStrictEqual(updated);
  });

  kit.test("listThreads orders by last_active_at desc, then id desc", async (store) => {
    const tenantId = freshId("ten");
    const threads = tiedThreads(tenantId, () => null);
    await seed(store, [...threads, threadRecord(), threadRecord()]);
    const page = await store.listThreads({ tenantId, limit: 100 });
    expect(page.map((thread) => thread.id)).toEqual(listOrder(threads));
    expect(page.every((thread) => thread.tenant_id === tenantId)).toBe(true);
  });

  kit.test("listThreads keyset pages return every thread exactly once", async (store) => {
    const tenantId = freshId("ten");
    const threads = tiedThreads(tenantId, () => null);
    await seed(store, [...threads, threadRecord({ last_active_at: BASE_TIME_MS + 1500 })]);
    for (const limit of [1, 5, 23, 50]) {
      expect(await walkThreads(store, { tenantId, limit })).toEqual(listOrder(threads));
    }
  });

  kit.test("listThreads with endUserId returns that end user's threads only", async (store) => {
    const tenantId = freshId("ten");
    const threads = tiedThreads(tenantId, (i) =>
      i % 3 === 0 ? "alice" : i % 3 === 1 ? "bob" : null,
    );
    // Same end user id under another tenant: must not leak in.
    await seed(store, [...threads, threadRecord({ end_user_id: "alice" })]);
    const alices = threads.filter((thread) => thread.end_user_id === "alice");
    expect(await walkThreads(store, { tenantId, endUserId: "alice", limit: 3 })).toEqual(
      listOrder(alices),
    );
    expect(await walkThreads(store, { tenantId, endUserId: "nobody", limit: 3 })).toEqual([]);
  });

  kit.test("touchThread only moves last_seq and last_active_at forward", async (store) => {
    const thread = threadRecord({ last_seq: 2, last_active_at: BASE_TIME_MS + 100 });
    await store.createThread(thread);
    const read = () => store.getThread(thread.tenant_id, thread.id);

    await store.touchThread(thread.id, 5, BASE_TIME_MS + 200);
    expect(await read()).toMatchObject({ last_seq: 5, last_active_at: BASE_TIME_MS + 200 });
    await store.touchThread(thread.id, 3, BASE_TIME_MS + 150);
    expect(await read()).toMatchObject({ last_seq: 5, last_active_at: BASE_TIME_MS + 200 });
    // Each column on its own: a late touch with a newer time but an older seq.
    await store.touchThread(thread.id, 4, BASE_TIME_MS + 300);
    expect(await read()).toMatchObject({ last_seq: 5, last_active_at: BASE_TIME_MS + 300 });
    await store.touchThread(thread.id, 6, BASE_TIME_MS + 250);
    expect(await read()).toMatchObject({ last_seq: 6, last_active_at: BASE_TIME_MS + 300 });
  });

  kit.test("touchThread of a missing thread creates nothing", async (store) => {
    const thread = threadRecord();
    await store.touchThread(thread.id, 1, BASE_TIME_MS);
    expect(await store.getThread(thread.tenant_id, thread.id)).toBeNull();
  });

  kit.test("a touched thread moves to the front of listThreads", async (store) => {
    const tenantId = freshId("ten");
    const older = threadRecord({ tenant_id: tenantId, last_active_at: BASE_TIME_MS });
    const newer = threadRecord({ tenant_id: tenantId, last_active_at: BASE_TIME_MS + 10 });
    await seed(store, [older, newer]);
    await store.touchThread(older.id, 1, BASE_TIME_MS + 20);
    const page = await store.listThreads({ tenantId, limit: 10 });
    expect(page.map((thread) => thread.id)).toEqual([older.id, newer.id]);
  });

  kit.test("deleteThread removes the thread and all its messages", async (store) => {
    const thread = threadRecord();
    const keep = threadRecord({ tenant_id: thread.tenant_id });
    await seed(store, [thread, keep]);
    await store.upsertMessages([...messageRange(thread, 5), messageRecord(keep, 1)]);

    expect(await store.deleteThread(thread.tenant_id, thread.id)).toBe(true);
    expect(await store.getThread(thread.tenant_id, thread.id)).toBeNull();
    expect(await store.getMessage(thread.id, 1)).toBeNull();
    expect(await store.lastSeq(thread.id)).toBe(0);
    const page = { threadId: thread.id, limit: 10, order: "asc", includeTools: true } as const;
    expect(await store.listMessages(page)).toEqual([]);
    expect(await store.deleteThread(thread.tenant_id, thread.id)).toBe(false);
    // The neighbour is untouched.
    expect(await store.getMessage(keep.id, 1)).not.toBeNull();
    const list = await store.listThreads({ tenantId: thread.tenant_id, limit: 10 });
    expect(list.map((t) => t.id)).toEqual([keep.id]);
  });
}
