/**
 * The CheckpointStore contract (ports/checkpoint.ts), run on Redis and on memory
 * (hot-tier-redis.test.ts, hot-tier-memory.test.ts): fencing against the lease epoch, atomic
 * appends with request-id dedup, `if_last_seq` and the moved-counter check, conditional trims,
 * offset-checked event logs that expire, thread deletion, the in-progress index.
 */
import { describe, expect } from "bun:test";
import { messageRecord, threadRecord } from "../support/records.ts";
import { type ContractOptions, contractKit, type StoreFactory } from "./contract-kit.ts";
import type { HotTierPorts } from "./hot-tier-kit.ts";

const TTL_MS = 60_000;

async function owned(ports: HotTierPorts, node = "n1") {
  const thread = threadRecord();
  const lease = await ports.leases.acquire(thread.id, node, TTL_MS);
  if (!lease.ok) throw new Error("fresh thread's lease was not free");
  return { thread, epoch: lease.epoch };
}

function append(
  ports: HotTierPorts,
  thread: { id: string; tenant_id: string },
  epoch: number,
  seqs: number[],
  extra: { requestId?: string; fingerprint?: string; ifLastSeq?: number | null } = {},
) {
  return ports.checkpoint.appendMessages({
    threadId: thread.id,
    epoch,
    requestId: extra.requestId ?? null,
    fingerprint: extra.fingerprint ?? "",
    ifLastSeq: extra.ifLastSeq ?? null,
    messages: seqs.map((seq) => messageRecord(thread, seq, { epoch })),
    dedupTtlMs: TTL_MS,
  });
}

export function checkpointStoreContract(
  name: string,
  factory: StoreFactory<HotTierPorts>,
  options: ContractOptions = {},
): void {
  describe(`CheckpointStore contract: ${name}`, () => {
    const kit = contractKit(factory, options);

    kit.test("a new thread has no seq counter; initLastSeq sets it once, fenced", async (p) => {
      const { thread, epoch } = await owned(p);
      expect(await p.checkpoint.lastSeq(thread.id)).toBeNull();
      expect(await p.checkpoint.initLastSeq(thread.id, epoch + 1, 5)).toEqual({
        ok: false,
        reason: "stale_epoch",
      });
      expect(await p.checkpoint.lastSeq(thread.id)).toBeNull();
      expect(await p.checkpoint.initLastSeq(thread.id, epoch, 5)).toEqual({ ok: true });
      expect(await p.checkpoint.initLastSeq(thread.id, epoch, 9)).toEqual({ ok: true });
      expect(await p.checkpoint.lastSeq(thread.id)).toBe(5);
    });

    kit.test("appends assign consecutive seqs and land in the tail", async (p) => {
      const { thread, epoch } = await owned(p);
      expect(await append(p, thread, epoch, [1, 2])).toEqual({ kind: "appended", seqs: [1, 2] });
      expect(await append(p, thread, epoch, [3])).toEqual({ kind: "appended", seqs: [3] });
      expect(await p.checkpoint.lastSeq(thread.id)).toBe(3);
      expect((await p.checkpoint.readTail(thread.id)).map((r) => r.seq)).toEqual([1, 2, 3]);
      expect((await p.checkpoint.readTailMessage(thread.id, 2))?.seq).toBe(2);
      expect(await p.checkpoint.readTailMessage(thread.id, 9)).toBeNull();
      const some = await p.checkpoint.readTailMessages(thread.id, [3, 9, 1, 3]);
      expect(some.map((r) => r?.seq ?? null)).toEqual([3, null, 1, 3]);
      expect(await p.checkpoint.readTailMessages(thread.id, [])).toEqual([]);
    });

    kit.test("a stale epoch cannot append, put or log; the new holder can", async (p) => {
      const { thread, epoch } = await owned(p);
      expect((await append(p, thread, epoch, [1])).kind).toBe("appended");
      await p.leases.release(thread.id, "n1", epoch);
      const next = await p.leases.acquire(thread.id, "n2", TTL_MS);
      if (!next.ok) throw new Error("lease not free after release");
      expect(next.epoch).toBeGreaterThan(epoch);
      expect(await append(p, thread, epoch, [2])).toEqual({ kind: "fenced" });
      const record = messageRecord(thread, 1, { rev: 2 });
      expect((await p.checkpoint.putMessage(thread.id, epoch, record)).ok).toBe(false);
      const batch = { seq: 1, firstOffset: 0, events: ["{}"] };
      expect((await p.checkpoint.appendEvents(thread.id, epoch, [batch])).ok).toBe(false);
      expect(await p.checkpoint.eventCount(thread.id, 1)).toBe(0);
      expect((await append(p, thread, next.epoch, [2])).kind).toBe("appended");
    });

    kit.test("without a live lease every write is fenced", async (p) => {
      const thread = threadRecord();
      expect(await append(p, thread, 1, [1])).toEqual({ kind: "fenced" });
      expect((await p.checkpoint.initLastSeq(thread.id, 1, 0)).ok).toBe(false);
    });

    kit.test("a request id replays its seqs; another body under it is a mismatch", async (p) => {
      const { thread, epoch } = await owned(p);
      const first = await append(p, thread, epoch, [1, 2], { requestId: "r1", fingerprint: "f" });
      expect(first).toEqual({ kind: "appended", seqs: [1, 2] });
      const again = await append(p, thread, epoch, [3, 4], { requestId: "r1", fingerprint: "f" });
      expect(again).toEqual({ kind: "duplicate", seqs: [1, 2] });
      const other = await append(p, thread, epoch, [3], { requestId: "r1", fingerprint: "g" });
      expect(other).toEqual({ kind: "mismatch" });
      expect(await p.checkpoint.findRequest(thread.id, "r1")).toEqual({
        fingerprint: "f",
        seqs: [1, 2],
      });
      expect(await p.checkpoint.findRequest(thread.id, "r2")).toBeNull();
      expect(await p.checkpoint.lastSeq(thread.id)).toBe(2);
    });

    kit.test("if_last_seq refuses with the current last seq", async (p) => {
      const { thread, epoch } = await owned(p);
      await append(p, thread, epoch, [1]);
      expect(await append(p, thread, epoch, [2], { ifLastSeq: 0 })).toEqual({
        kind: "seq_conflict",
        lastSeq: 1,
      });
      expect((await append(p, thread, epoch, [2], { ifLastSeq: 1 })).kind).toBe("appended");
    });

    kit.test(
      "a writer whose seq counter moved under it is fenced (never a seq twice)",
      async (p) => {
        const { thread, epoch } = await owned(p);
        await append(p, thread, epoch, [1, 2]);
        expect(await append(p, thread, epoch, [2])).toEqual({ kind: "fenced" });
        expect(await p.checkpoint.lastSeq(thread.id)).toBe(2);
      },
    );

    kit.test("putMessage replaces a version; trimTail removes only up to its rev", async (p) => {
      const { thread, epoch } = await owned(p);
      await append(p, thread, epoch, [1, 2]);
      const newer = messageRecord(thread, 1, { epoch, rev: 3, status: "completed" });
      expect(await p.checkpoint.putMessage(thread.id, epoch, newer)).toEqual({ ok: true });
      expect((await p.checkpoint.readTailMessage(thread.id, 1))?.rev).toBe(3);
      const removed = await p.checkpoint.trimTail(thread.id, [
        { seq: 1, rev: 2 },
        { seq: 2, rev: 1 },
        { seq: 7, rev: 1 },
      ]);
      expect(removed).toBe(1);
      expect((await p.checkpoint.readTail(thread.id)).map((r) => r.seq)).toEqual([1]);
      expect(await p.checkpoint.trimTail(thread.id, [])).toBe(0);
    });

    kit.test("event logs: offset-checked batches, windowed reads, counts", async (p) => {
      const { thread, epoch } = await owned(p);
      expect(await p.checkpoint.readEvents(thread.id, 1, 0)).toBeNull();
      const batches = [
        { seq: 1, firstOffset: 0, events: ["a", "b"] },
        { seq: 2, firstOffset: 0, events: ["x"] },
      ];
      expect(await p.checkpoint.appendEvents(thread.id, epoch, batches)).toEqual({ ok: true });
      const next = [{ seq: 1, firstOffset: 2, events: ["c", "d"] }];
      expect(await p.checkpoint.appendEvents(thread.id, epoch, next)).toEqual({ ok: true });
      expect(await p.checkpoint.readEvents(thread.id, 1, 0)).toEqual(["a", "b", "c", "d"]);
      expect(await p.checkpoint.readEvents(thread.id, 1, 1, 2)).toEqual(["b", "c"]);
      expect(await p.checkpoint.readEvents(thread.id, 1, 9)).toEqual([]);
      expect(await p.checkpoint.eventCount(thread.id, 1)).toBe(4);
      expect(await p.checkpoint.eventCount(thread.id, 3)).toBe(0);
      // A retried batch (offset already taken) is refused, never appended twice.
      const retry = [{ seq: 1, firstOffset: 2, events: ["c", "d"] }];
      await expect(p.checkpoint.appendEvents(thread.id, epoch, retry)).rejects.toThrow();
      expect(await p.checkpoint.eventCount(thread.id, 1)).toBe(4);
    });

    kit.test("appends of many threads at once are independent of each other", async (p) => {
      // The Redis adapter joins appends made in one loop turn into one script call: a refused
      // request there (fenced, or a retried offset) must not take the others down with it.
      const [a, b, c] = [await owned(p), await owned(p), await owned(p)];
      await p.checkpoint.appendEvents(b.thread.id, b.epoch, [
        { seq: 1, firstOffset: 0, events: ["b0"] },
      ]);
      const results = await Promise.allSettled([
        p.checkpoint.appendEvents(a.thread.id, a.epoch + 1, [
          { seq: 1, firstOffset: 0, events: ["stale"] },
        ]),
        p.checkpoint.appendEvents(b.thread.id, b.epoch, [
          { seq: 1, firstOffset: 0, events: ["retried"] },
        ]),
        p.checkpoint.appendEvents(c.thread.id, c.epoch, [
          // A long message is split into several batches of one log, each after the last.
          { seq: 1, firstOffset: 0, events: ["c0", "c1"] },
          { seq: 1, firstOffset: 2, events: ["c2"] },
          { seq: 2, firstOffset: 0, events: ["d0"], expireAfterMs: 60_000 },
        ]),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect(results[0]).toEqual({
        status: "fulfilled",
        value: { ok: false, reason: "stale_epoch" },
      });
      expect(results[2]).toEqual({ status: "fulfilled", value: { ok: true } });
      expect(await p.checkpoint.readEvents(a.thread.id, 1, 0)).toBeNull();
      expect(await p.checkpoint.readEvents(b.thread.id, 1, 0)).toEqual(["b0"]);
      expect(await p.checkpoint.readEvents(c.thread.id, 1, 0)).toEqual(["c0", "c1", "c2"]);
      expect(await p.checkpoint.readEvents(c.thread.id, 2, 0)).toEqual(["d0"]);
    });

    kit.test("a closed log expires after its ttl; an open one stays", async (p) => {
      const { thread, epoch } = await owned(p);
      await p.checkpoint.appendEvents(thread.id, epoch, [
        { seq: 1, firstOffset: 0, events: ["a"], expireAfterMs: 150 },
        { seq: 2, firstOffset: 0, events: ["b"] },
      ]);
      await p.checkpoint.appendEvents(thread.id, epoch, [
        { seq: 3, firstOffset: 0, events: ["c"] },
      ]);
      await p.checkpoint.expireEvents(thread.id, 3, 150);
      expect(await p.checkpoint.readEvents(thread.id, 1, 0)).toEqual(["a"]);
      await p.wait(400);
      expect(await p.checkpoint.readEvents(thread.id, 1, 0)).toBeNull();
      expect(await p.checkpoint.readEvents(thread.id, 3, 0)).toBeNull();
      expect(await p.checkpoint.readEvents(thread.id, 2, 0)).toEqual(["b"]);
    });

    kit.test("deleteEvents removes one message's log at once, and only it", async (p) => {
      const { thread, epoch } = await owned(p);
      await p.checkpoint.appendEvents(thread.id, epoch, [
        { seq: 1, firstOffset: 0, events: ["a", "b"] },
        { seq: 2, firstOffset: 0, events: ["c"] },
      ]);
      await p.checkpoint.deleteEvents(thread.id, 1);
      await p.checkpoint.deleteEvents(thread.id, 7); // no such log: a no-op
      expect(await p.checkpoint.readEvents(thread.id, 1, 0)).toBeNull();
      expect(await p.checkpoint.eventCount(thread.id, 1)).toBe(0);
      expect(await p.checkpoint.readEvents(thread.id, 2, 0)).toEqual(["c"]);
    });

    kit.test("deleteThread removes counter, tail, logs, requests and lease", async (p) => {
      const { thread, epoch } = await owned(p);
      await append(p, thread, epoch, [1], { requestId: "r", fingerprint: "f" });
      await p.checkpoint.appendEvents(thread.id, epoch, [
        { seq: 1, firstOffset: 0, events: ["a"] },
      ]);
      await p.checkpoint.deleteThread(thread.id);
      expect(await p.checkpoint.lastSeq(thread.id)).toBeNull();
      expect(await p.checkpoint.readTail(thread.id)).toEqual([]);
      expect(await p.checkpoint.readEvents(thread.id, 1, 0)).toBeNull();
      expect(await p.checkpoint.findRequest(thread.id, "r")).toBeNull();
      expect(await p.leases.owner(thread.id)).toBeNull();
      // A later grant still fences the old writer (Redis drops the counter too and restarts it
      // above every earlier epoch: no key may name a deleted thread).
      const again = await p.leases.acquire(thread.id, "n2", TTL_MS);
      expect(again.ok && again.epoch > epoch).toBe(true);
      const late = await p.checkpoint.putMessage(thread.id, epoch, messageRecord(thread, 1));
      expect(late.ok).toBe(false);
    });

    kit.test(
      "the in-progress index lists oldest first and untracks only unrefreshed",
      async (p) => {
        const a = threadRecord();
        const b = threadRecord();
        await p.checkpoint.trackInProgress(a.id, 1_000);
        await p.checkpoint.trackInProgress(b.id, 500);
        const listed = await p.checkpoint.listInProgress(1_000, 10);
        const mine = listed.filter((e) => e.threadId === a.id || e.threadId === b.id);
        expect(mine).toEqual([
          { threadId: b.id, since: 500 },
          { threadId: a.id, since: 1_000 },
        ]);
        expect((await p.checkpoint.listInProgress(600, 10)).some((e) => e.threadId === a.id)).toBe(
          false,
        );
        await p.checkpoint.trackInProgress(a.id, 2_000);
        expect(await p.checkpoint.untrackInProgress(a.id, 1_000)).toBe(false);
        expect(await p.checkpoint.untrackInProgress(a.id, 2_000)).toBe(true);
        expect(await p.checkpoint.untrackInProgress(a.id, 2_000)).toBe(false);
      },
    );

    kit.test(
      "a summary draft: one per thread, replaced by a later put, removed only by its cut, expires",
      async (p) => {
        const { thread } = await owned(p);
        const draft = (covers: number) => ({
          covers_through_seq: covers,
          text: `summary through ${covers}`,
          model: "openai/gpt-5-mini",
          input_tokens: 900,
          output_tokens: 40,
        });
        expect(await p.checkpoint.readSummaryDraft(thread.id)).toBeNull();
        await p.checkpoint.putSummaryDraft(thread.id, draft(10), TTL_MS);
        expect(await p.checkpoint.readSummaryDraft(thread.id)).toEqual(draft(10));
        await p.checkpoint.putSummaryDraft(thread.id, draft(20), TTL_MS);
        // The owner appended the draft of cut 10: the newer one a worker put meanwhile stays.
        await p.checkpoint.deleteSummaryDraft(thread.id, 10);
        expect(await p.checkpoint.readSummaryDraft(thread.id)).toEqual(draft(20));
        await p.checkpoint.deleteSummaryDraft(thread.id, 20);
        expect(await p.checkpoint.readSummaryDraft(thread.id)).toBeNull();
        await p.checkpoint.putSummaryDraft(thread.id, draft(30), 50);
        await p.wait(120);
        expect(await p.checkpoint.readSummaryDraft(thread.id)).toBeNull();
        await p.checkpoint.putSummaryDraft(thread.id, draft(40), TTL_MS);
        await p.checkpoint.deleteThread(thread.id);
        expect(await p.checkpoint.readSummaryDraft(thread.id)).toBeNull();
      },
    );

    kit.checkSkips();
  });
}
