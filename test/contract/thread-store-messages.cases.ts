/**
 * ThreadStore contract, the message half: conditional idempotent upserts (epoch, then rev),
 * dropped writes for missing threads, keyset pages in both orders with and without tool
 * messages, exact round trips, volume and concurrency. Registered by thread-store.contract.ts.
 */
import { expect } from "bun:test";
import type { MessageRecord, ThreadRecord } from "../../src/domain/records.ts";
import type { MessagePageQuery, ThreadStore } from "../../src/ports/thread-store.ts";
import { freshId, messageRange, messageRecord, threadRecord } from "../support/records.ts";
import type { ContractKit } from "./contract-kit.ts";
import { roundTripCases } from "./thread-store-round-trip.cases.ts";

/** More messages than any case stores: a walk past it has looped. */
const MAX_WALK_ITEMS = 10_000;

export async function seedThread(store: ThreadStore): Promise<ThreadRecord> {
  const thread = threadRecord();
  await store.createThread(thread);
  return thread;
}

/** Follows the seq keyset to the end; checks that every page but the last is full. */
export async function walkMessages(
  store: ThreadStore,
  query: Omit<MessagePageQuery, "afterSeq">,
): Promise<number[]> {
  const seqs: number[] = [];
  let afterSeq: number | undefined;
  for (;;) {
    const page = await store.listMessages({ ...query, afterSeq });
    seqs.push(...page.map((message) => message.seq));
    const last = page.at(-1);
    if (page.length < query.limit || !last) return seqs;
    // A keyset that does not advance would loop forever; fail instead.
    if (seqs.length > MAX_WALK_ITEMS) throw new Error("listMessages keyset did not advance");
    afterSeq = last.seq;
  }
}

const seqsOf = (page: MessageRecord[]) => page.map((message) => message.seq);

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function pageQuery(threadId: string, overrides: Partial<MessagePageQuery> = {}): MessagePageQuery {
  return { threadId, limit: 50, order: "asc", includeTools: true, ...overrides };
}

/** 6,000: the size of a long-lived agent thread; large enough that a scan would show. */
const BIG_THREAD_MESSAGES = 6000;
const BIG_THREAD_BATCH = 500;
const BIG_THREAD_TIMEOUT_MS = 120_000;

export function messageCases(kit: ContractKit<ThreadStore>): void {
  kit.test("the same record twice is written once, then not at all", async (store) => {
    const thread = await seedThread(store);
    const record = messageRecord(thread, 1);
    expect(await store.upsertMessages([record])).toEqual({ written: 1 });
    expect(await store.upsertMessages([record])).toEqual({ written: 0 });
    expect(await store.getMessage(thread.id, 1)).toStrictEqual(record);
  });

  kit.test("a higher rev of the same epoch replaces; an older rev is ignored", async (store) => {
    const thread = await seedThread(store);
    const v1 = messageRecord(thread, 1, { status: "in_progress", rev: 1, role: "assistant" });
    const v2 = { ...v1, rev: 2, content: [{ type: "text" as const, text: "partial" }] };
    const v3 = { ...v1, rev: 3, status: "completed" as const, last_offset: 9 };
    expect(await store.upsertMessages([v1])).toEqual({ written: 1 });
    expect(await store.upsertMessages([v3])).toEqual({ written: 1 });
    expect(await store.upsertMessages([v2])).toEqual({ written: 0 });
    expect(await store.getMessage(thread.id, 1)).toStrictEqual(v3);
  });

  kit.test("a newer epoch wins over a higher rev of an older epoch", async (store) => {
    const thread = await seedThread(store);
    const stale = messageRecord(thread, 1, { epoch: 1, rev: 9, status: "in_progress" });
    const fresh = messageRecord(thread, 1, { epoch: 2, rev: 1, status: "incomplete" });
    expect(await store.upsertMessages([stale])).toEqual({ written: 1 });
    expect(await store.upsertMessages([fresh])).toEqual({ written: 1 });
    expect(await store.getMessage(thread.id, 1)).toStrictEqual(fresh);
    // The stale owner keeps writing: higher revs, same old epoch. Nothing changes.
    const later = { ...stale, rev: 50 };
    expect(await store.upsertMessages([stale, later])).toEqual({ written: 0 });
    expect(await store.getMessage(thread.id, 1)).toStrictEqual(fresh);
  });

  kit.test("upserts for a thread that never existed are dropped", async (store) => {
    const ghost = threadRecord();
    expect(await store.upsertMessages(messageRange(ghost, 3))).toEqual({ written: 0 });
    expect(await store.getMessage(ghost.id, 1)).toBeNull();
    expect(await store.lastSeq(ghost.id)).toBe(0);
    expect(await store.getThread(ghost.tenant_id, ghost.id)).toBeNull();
  });

  kit.test("upserts after deleteThread are dropped and resurrect nothing", async (store) => {
    const thread = await seedThread(store);
    expect(await store.upsertMessages([messageRecord(thread, 1)])).toEqual({ written: 1 });
    expect(await store.deleteThread(thread.tenant_id, thread.id)).toBe(true);
    const late = [messageRecord(thread, 1, { rev: 2 }), messageRecord(thread, 2)];
    expect(await store.upsertMessages(late)).toEqual({ written: 0 });
    expect(await store.getThread(thread.tenant_id, thread.id)).toBeNull();
    expect(await store.getMessage(thread.id, 1)).toBeNull();
    expect(await store.getMessage(thread.id, 2)).toBeNull();
    expect(await store.lastSeq(thread.id)).toBe(0);
  });

  kit.test("a record naming another tenant than the thread's is dropped", async (store) => {
    const thread = await seedThread(store);
    const forged = messageRecord({ id: thread.id, tenant_id: freshId("ten") }, 1);
    expect(await store.upsertMessages([forged])).toEqual({ written: 0 });
    expect(await store.getMessage(thread.id, 1)).toBeNull();
  });

  kit.test("one batch may mix threads; only records of live threads count", async (store) => {
    const a = await seedThread(store);
    const b = await seedThread(store);
    const ghost = threadRecord();
    const batch = [messageRecord(a, 1), messageRecord(b, 1), messageRecord(ghost, 1)];
    batch.push(messageRecord(a, 2));
    expect(await store.upsertMessages(batch)).toEqual({ written: 3 });
    expect(await store.lastSeq(a.id)).toBe(2);
    expect(await store.lastSeq(b.id)).toBe(1);
    expect(await store.upsertMessages([])).toEqual({ written: 0 });
  });

  kit.test("listMessages pages ascending and descending after a seq", async (store) => {
    const thread = await seedThread(store);
    await store.upsertMessages(messageRange(thread, 10));
    const page = async (order: "asc" | "desc", limit: number, afterSeq?: number) =>
      seqsOf(await store.listMessages(pageQuery(thread.id, { order, limit, afterSeq })));
    expect(await page("asc", 3)).toEqual([1, 2, 3]);
    expect(await page("asc", 3, 3)).toEqual([4, 5, 6]);
    expect(await page("asc", 3, 9)).toEqual([10]);
    expect(await page("asc", 3, 10)).toEqual([]);
    expect(await page("desc", 3)).toEqual([10, 9, 8]);
    expect(await page("desc", 3, 8)).toEqual([7, 6, 5]);
    expect(await page("desc", 3, 2)).toEqual([1]);
    expect(await page("desc", 3, 1)).toEqual([]);
    expect(await page("asc", 1)).toEqual([1]);
    expect(await page("asc", 200)).toEqual(range(1, 10));
  });

  kit.test("includeTools false leaves tool messages out and pages stay full", async (store) => {
    const thread = await seedThread(store);
    await store.upsertMessages(messageRange(thread, 30, 3));
    const visible = range(1, 30).filter((seq) => seq % 3 !== 0);

    const first = await store.listMessages(pageQuery(thread.id, { limit: 5, includeTools: false }));
    expect(seqsOf(first)).toEqual([1, 2, 4, 5, 7]);
    expect(first.every((message) => message.role !== "tool")).toBe(true);
    for (const limit of [1, 4, 5, 7]) {
      const query = pageQuery(thread.id, { limit, includeTools: false });
      expect(await walkMessages(store, query)).toEqual(visible);
      expect(await walkMessages(store, { ...query, order: "desc" })).toEqual(visible.toReversed());
    }
    expect(await walkMessages(store, pageQuery(thread.id, { limit: 7 }))).toEqual(range(1, 30));
  });

  kit.test("getMessage returns the message at seq, or null", async (store) => {
    const thread = await seedThread(store);
    const other = await seedThread(store);
    const records = messageRange(thread, 3);
    await store.upsertMessages(records);
    expect(await store.getMessage(thread.id, 2)).toStrictEqual(records[1]!);
    expect(await store.getMessage(thread.id, 4)).toBeNull();
    expect(await store.getMessage(other.id, 2)).toBeNull();
  });

  kit.test("lastSeq is the highest stored seq, 0 without messages", async (store) => {
    const thread = await seedThread(store);
    expect(await store.lastSeq(thread.id)).toBe(0);
    await store.upsertMessages([messageRecord(thread, 7), messageRecord(thread, 2)]);
    expect(await store.lastSeq(thread.id)).toBe(7);
    expect(await store.lastSeq(freshId("thr"))).toBe(0);
  });

  kit.test("two threads with the same seqs stay apart", async (store) => {
    const a = await seedThread(store);
    const b = await seedThread(store);
    const aRecords = messageRange(a, 4);
    await store.upsertMessages([...aRecords, ...messageRange(b, 2)]);
    expect(await store.listMessages(pageQuery(a.id))).toStrictEqual(aRecords);
    expect(seqsOf(await store.listMessages(pageQuery(b.id)))).toEqual([1, 2]);
  });

  kit.test(
    "a 6,000-message thread paged by 50 returns every seq once, in both orders",
    async (store) => {
      const thread = await seedThread(store);
      const records = messageRange(thread, BIG_THREAD_MESSAGES);
      let written = 0;
      for (let i = 0; i < records.length; i += BIG_THREAD_BATCH) {
        written += (await store.upsertMessages(records.slice(i, i + BIG_THREAD_BATCH))).written;
      }
      expect(written).toBe(BIG_THREAD_MESSAGES);
      const all = range(1, BIG_THREAD_MESSAGES);
      expect(await walkMessages(store, pageQuery(thread.id))).toEqual(all);
      expect(await walkMessages(store, pageQuery(thread.id, { order: "desc" }))).toEqual(
        all.toReversed(),
      );
      expect(await store.lastSeq(thread.id)).toBe(BIG_THREAD_MESSAGES);
    },
    BIG_THREAD_TIMEOUT_MS,
  );

  kit.test("many concurrent upserts of different seqs all land", async (store) => {
    const thread = await seedThread(store);
    const records = messageRange(thread, 200);
    const outcomes = await Promise.all(records.map((record) => store.upsertMessages([record])));
    expect(outcomes.reduce((sum, outcome) => sum + outcome.written, 0)).toBe(200);
    expect(await walkMessages(store, pageQuery(thread.id, { limit: 200 }))).toEqual(range(1, 200));
  });

  kit.test("concurrent versions of one message settle on the newest", async (store) => {
    const thread = await seedThread(store);
    const versions = range(1, 20).map((rev) => messageRecord(thread, 1, { rev, last_offset: rev }));
    // Newest first in the middle of the pack, so arrival order cannot explain the result.
    const shuffled = [...versions.slice(10), ...versions.slice(0, 10)].reverse();
    await Promise.all(shuffled.map((record) => store.upsertMessages([record])));
    expect(await store.getMessage(thread.id, 1)).toStrictEqual(versions[19]!);
  });

  roundTripCases(kit);
}
