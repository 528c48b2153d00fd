/**
 * ThreadStore contract, the branch half: every message keeps its `parent_seq`; `messageLinks`
 * gives the tree in seq order, `getMessages` the messages of given seqs, `setHead` a branch switch
 * that an older switch never overwrites. Registered by thread-store.contract.ts.
 */
import { expect } from "bun:test";
import type { ThreadStore } from "../../src/ports/thread-store.ts";
import { messageRecord } from "../support/records.ts";
import type { ContractKit } from "./contract-kit.ts";
import { seedThread } from "./thread-store-messages.cases.ts";

export function branchCases(kit: ContractKit<ThreadStore>): void {
  kit.test("parent_seq round-trips, null and non-adjacent parents included", async (store) => {
    const thread = await seedThread(store);
    await store.upsertMessages([
      messageRecord(thread, 1, { parent_seq: null }),
      messageRecord(thread, 2, { parent_seq: 1, role: "assistant" }),
      messageRecord(thread, 3, { parent_seq: 1, role: "assistant" }),
      messageRecord(thread, 4, { parent_seq: 2, role: "tool" }),
    ]);
    expect((await store.getMessage(thread.id, 3))?.parent_seq).toBe(1);
    expect((await store.getMessage(thread.id, 1))?.parent_seq).toBeNull();
    expect(await store.messageLinks(thread.id)).toEqual([
      { seq: 1, parent_seq: null, role: "user" },
      { seq: 2, parent_seq: 1, role: "assistant" },
      { seq: 3, parent_seq: 1, role: "assistant" },
      { seq: 4, parent_seq: 2, role: "tool" },
    ]);
  });

  kit.test(
    "getMessages returns the named seqs in seq order and skips missing ones",
    async (store) => {
      const thread = await seedThread(store);
      await store.upsertMessages([1, 2, 3, 4, 5].map((seq) => messageRecord(thread, seq)));
      const got = await store.getMessages(thread.id, [5, 1, 3, 9]);
      expect(got.map((m) => m.seq)).toEqual([1, 3, 5]);
      expect(await store.getMessages(thread.id, [])).toEqual([]);
      expect(await store.getMessages("thr_missing", [1])).toEqual([]);
      // Many seqs (past any short list an adapter writes into its query), repeats included.
      const many = [...Array.from({ length: 30 }, (_, i) => 40 - i), 3, 3];
      expect((await store.getMessages(thread.id, many)).map((m) => m.seq)).toEqual([3]);
      await store.upsertMessages([12, 20].map((seq) => messageRecord(thread, seq)));
      expect((await store.getMessages(thread.id, many)).map((m) => m.seq)).toEqual([3, 12, 20]);
    },
  );

  kit.test("setHead stores a switch; an older one never undoes a newer one", async (store) => {
    const thread = await seedThread(store);
    expect(await store.getThread(thread.tenant_id, thread.id)).toMatchObject({
      head_seq: null,
      head_as_of: 0,
    });
    expect(await store.setHead(thread.tenant_id, thread.id, { seq: 2, asOf: 5 })).toBe(true);
    expect(await store.getThread(thread.tenant_id, thread.id)).toMatchObject({
      head_seq: 2,
      head_as_of: 5,
    });
    // Same as_of (a second switch before any append): the later write wins.
    expect(await store.setHead(thread.tenant_id, thread.id, { seq: 3, asOf: 5 })).toBe(true);
    expect(await store.setHead(thread.tenant_id, thread.id, { seq: 1, asOf: 4 })).toBe(false);
    expect(await store.getThread(thread.tenant_id, thread.id)).toMatchObject({
      head_seq: 3,
      head_as_of: 5,
    });
    // Scoped like every write: another tenant's id is a missing thread.
    expect(await store.setHead("ten_other", thread.id, { seq: 1, asOf: 9 })).toBe(false);
  });
}
