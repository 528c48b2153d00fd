/**
 * The grouped-append part of the CheckpointStore contract (`appendMessageGroup`, issue 17), run on
 * Redis and on memory beside checkpoint-store.contract.ts: requests in order with consecutive
 * seqs, each with its own dedup entry and checks; a refusal fails only its request and turns the
 * next append into `not_run`; a fenced or moved counter fails the whole group and writes nothing;
 * groups of different threads in the same moment stay independent.
 */
import { describe, expect } from "bun:test";
import type { GroupedAppend } from "../../src/ports/checkpoint.ts";
import { messageRecord, threadRecord } from "../support/records.ts";
import { type ContractOptions, contractKit, type StoreFactory } from "./contract-kit.ts";
import type { HotTierPorts } from "./hot-tier-kit.ts";

const TTL_MS = 60_000;

type Thread = { id: string; tenant_id: string };

async function owned(ports: HotTierPorts, node = "n1") {
  const thread = threadRecord();
  const lease = await ports.leases.acquire(thread.id, node, TTL_MS);
  if (!lease.ok) throw new Error("fresh thread's lease was not free");
  return { thread, epoch: lease.epoch };
}

function request(
  thread: Thread,
  epoch: number,
  seqs: number[],
  extra: Partial<Omit<GroupedAppend, "messages">> = {},
): GroupedAppend {
  return {
    requestId: extra.requestId ?? null,
    fingerprint: extra.fingerprint ?? "",
    ifLastSeq: extra.ifLastSeq ?? null,
    messages: seqs.map((seq) => messageRecord(thread, seq, { epoch })),
  };
}

function group(ports: HotTierPorts, thread: Thread, epoch: number, requests: GroupedAppend[]) {
  return ports.checkpoint.appendMessageGroup({
    threadId: thread.id,
    epoch,
    dedupTtlMs: TTL_MS,
    requests,
  });
}

const tailSeqs = async (p: HotTierPorts, thread: Thread) =>
  (await p.checkpoint.readTail(thread.id)).map((r) => r.seq);

export function checkpointGroupContract(
  name: string,
  factory: StoreFactory<HotTierPorts>,
  options: ContractOptions = {},
): void {
  describe(`CheckpointStore grouped appends: ${name}`, () => {
    const kit = contractKit(factory, options);

    kit.test("a group appends its requests in order, each with its own request id", async (p) => {
      const { thread, epoch } = await owned(p);
      const results = await group(p, thread, epoch, [
        request(thread, epoch, [1], { requestId: "a", fingerprint: "fa" }),
        request(thread, epoch, [2, 3], { requestId: "b", fingerprint: "fb", ifLastSeq: 1 }),
        request(thread, epoch, [4]),
      ]);
      expect(results).toEqual([
        { kind: "appended", seqs: [1] },
        { kind: "appended", seqs: [2, 3] },
        { kind: "appended", seqs: [4] },
      ]);
      expect(await p.checkpoint.lastSeq(thread.id)).toBe(4);
      expect(await tailSeqs(p, thread)).toEqual([1, 2, 3, 4]);
      expect(await p.checkpoint.findRequest(thread.id, "a")).toEqual({
        fingerprint: "fa",
        seqs: [1],
      });
      expect(await p.checkpoint.findRequest(thread.id, "b")).toEqual({
        fingerprint: "fb",
        seqs: [2, 3],
      });
      expect(await group(p, thread, epoch, [])).toEqual([]);
    });

    kit.test("a refusal fails only its request; the next append is not_run", async (p) => {
      const { thread, epoch } = await owned(p);
      await group(p, thread, epoch, [
        request(thread, epoch, [1], { requestId: "r", fingerprint: "f" }),
      ]);
      const results = await group(p, thread, epoch, [
        request(thread, epoch, [2]),
        request(thread, epoch, [3], { requestId: "r", fingerprint: "f" }),
        request(thread, epoch, [4], { requestId: "r", fingerprint: "other" }),
        request(thread, epoch, [5], { ifLastSeq: 9 }),
        request(thread, epoch, [6], { requestId: "s", fingerprint: "g" }),
        request(thread, epoch, [7], { requestId: "r", fingerprint: "f" }),
      ]);
      expect(results).toEqual([
        { kind: "appended", seqs: [2] },
        { kind: "duplicate", seqs: [1] },
        { kind: "mismatch" },
        { kind: "seq_conflict", lastSeq: 2 },
        { kind: "not_run" },
        { kind: "not_run" },
      ]);
      expect(await p.checkpoint.lastSeq(thread.id)).toBe(2);
      expect(await tailSeqs(p, thread)).toEqual([1, 2]);
      expect(await p.checkpoint.findRequest(thread.id, "s")).toBeNull();
      // Built again from the real last seq, the rest goes in.
      const again = await group(p, thread, epoch, [
        request(thread, epoch, [3], { requestId: "s", fingerprint: "g" }),
        request(thread, epoch, [4], { requestId: "r", fingerprint: "f" }),
      ]);
      expect(again).toEqual([
        { kind: "appended", seqs: [3] },
        { kind: "duplicate", seqs: [1] },
      ]);
      expect(await p.checkpoint.lastSeq(thread.id)).toBe(3);
    });

    kit.test("if_last_seq of a later request sees the appends before it", async (p) => {
      const { thread, epoch } = await owned(p);
      const results = await group(p, thread, epoch, [
        request(thread, epoch, [1, 2]),
        request(thread, epoch, [3], { ifLastSeq: 0 }),
      ]);
      expect(results).toEqual([
        { kind: "appended", seqs: [1, 2] },
        { kind: "seq_conflict", lastSeq: 2 },
      ]);
      expect(await p.checkpoint.lastSeq(thread.id)).toBe(2);
    });

    kit.test(
      "a stale epoch or a moved counter fails the whole group, writing nothing",
      async (p) => {
        const { thread, epoch } = await owned(p);
        await group(p, thread, epoch, [request(thread, epoch, [1])]);
        const fenced = [{ kind: "fenced" as const }, { kind: "fenced" as const }];
        const moved = await group(p, thread, epoch, [
          request(thread, epoch, [1], { requestId: "m", fingerprint: "f" }),
          request(thread, epoch, [2]),
        ]);
        expect(moved).toEqual(fenced);
        expect(await p.checkpoint.findRequest(thread.id, "m")).toBeNull();
        await p.leases.release(thread.id, "n1", epoch);
        const next = await p.leases.acquire(thread.id, "n2", TTL_MS);
        if (!next.ok) throw new Error("lease not free after release");
        const stale = await group(p, thread, epoch, [
          request(thread, epoch, [2]),
          request(thread, epoch, [3]),
        ]);
        expect(stale).toEqual(fenced);
        expect(await p.checkpoint.lastSeq(thread.id)).toBe(1);
        expect(await tailSeqs(p, thread)).toEqual([1]);
        const fresh = await group(p, thread, next.epoch, [request(thread, next.epoch, [2])]);
        expect(fresh).toEqual([{ kind: "appended", seqs: [2] }]);
      },
    );

    kit.test("groups of several threads at once stay independent", async (p) => {
      const a = await owned(p);
      const b = await owned(p);
      const c = await owned(p);
      await p.leases.release(c.thread.id, "n1", c.epoch);
      const [ra, rb, rc] = await Promise.all([
        group(p, a.thread, a.epoch, [
          request(a.thread, a.epoch, [1]),
          request(a.thread, a.epoch, [2]),
        ]),
        group(p, b.thread, b.epoch, [request(b.thread, b.epoch, [1, 2, 3])]),
        group(p, c.thread, c.epoch, [request(c.thread, c.epoch, [1])]),
      ]);
      expect(ra).toEqual([
        { kind: "appended", seqs: [1] },
        { kind: "appended", seqs: [2] },
      ]);
      expect(rb).toEqual([{ kind: "appended", seqs: [1, 2, 3] }]);
      expect(rc).toEqual([{ kind: "fenced" }]);
      expect(await p.checkpoint.lastSeq(a.thread.id)).toBe(2);
      expect(await p.checkpoint.lastSeq(b.thread.id)).toBe(3);
      expect(await p.checkpoint.lastSeq(c.thread.id)).toBeNull();
    });

    kit.checkSkips();
  });
}
