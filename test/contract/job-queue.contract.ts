/**
 * The JobQueue contract (ports/job-queue.ts), run on BullMQ and on memory: job ids derive from
 * what a job acts on, so enqueueing the same version twice leaves one job; a finished batch is one
 * job per finished-queue and thread; an empty batch enqueues nothing.
 */
import { describe, expect } from "bun:test";
import { compactionJobId, jobId, QUEUE_NAMES, reembedJobId } from "../../src/protocol/jobs.ts";
import { freshId } from "../support/records.ts";
import { type ContractOptions, contractKit, type StoreFactory } from "./contract-kit.ts";
import type { HotTierPorts } from "./hot-tier-kit.ts";

export function jobQueueContract(
  name: string,
  factory: StoreFactory<HotTierPorts>,
  options: ContractOptions = {},
): void {
  describe(`JobQueue contract: ${name}`, () => {
    const kit = contractKit(factory, options);

    kit.test("a persist job per message version; a repeat is a no-op", async (p) => {
      const threadId = freshId("thr");
      await p.jobs.enqueuePersist([{ threadId, seq: 1, rev: 1 }]);
      await p.jobs.enqueuePersist([
        { threadId, seq: 1, rev: 1 },
        { threadId, seq: 1, rev: 2 },
      ]);
      await p.jobs.enqueuePersist([]);
      const ids = await p.queuedJobIds(QUEUE_NAMES.persist);
      const persist = (rev: number) => jobId(QUEUE_NAMES.persist, threadId, 1, rev);
      expect(ids.sort()).toEqual([persist(1), persist(2)].sort());
    });

    kit.test(
      "a finished batch is one job per thread, named by its first and last ref",
      async (p) => {
        const a = freshId("thr");
        const b = freshId("thr");
        await p.jobs.enqueueFinished("ten_1", [
          { threadId: a, seq: 1, rev: 1 },
          { threadId: a, seq: 2, rev: 1 },
          { threadId: b, seq: 5, rev: 2 },
        ]);
        await p.jobs.enqueueFinished("ten_1", [{ threadId: b, seq: 5, rev: 2 }]);
        const ids = await p.queuedJobIds(QUEUE_NAMES.backfill);
        const first = jobId(QUEUE_NAMES.backfill, a, 1, 1);
        expect(ids.sort()).toEqual(
          [`${first}-to-2-1`, jobId(QUEUE_NAMES.backfill, b, 5, 2)].sort(),
        );
      },
    );

    kit.test("one re-embedding job waits per cursor position; a repeat is a no-op", async (p) => {
      await p.jobs.enqueueReembed(0);
      await p.jobs.enqueueReembed(0);
      await p.jobs.enqueueReembed(128);
      const ids = await p.queuedJobIds(QUEUE_NAMES.reembed);
      expect(ids.sort()).toEqual([reembedJobId(0), reembedJobId(128)].sort());
    });

    kit.test("a compaction job per thread and cut; a repeat is a no-op", async (p) => {
      const threadId = freshId("thr");
      const payload = {
        tenant_id: "ten_1",
        thread_id: threadId,
        covers_through_seq: 40,
        model: "openai/gpt-5-mini",
        transcript: "[user]\nhello",
      };
      await p.jobs.enqueueCompaction(payload);
      await p.jobs.enqueueCompaction({ ...payload, transcript: "[user]\nhello again" });
      await p.jobs.enqueueCompaction({ ...payload, covers_through_seq: 80 });
      const ids = await p.queuedJobIds(QUEUE_NAMES.compact);
      expect(ids.sort()).toEqual(
        [
          compactionJobId({ thread_id: threadId, covers_through_seq: 40 }),
          compactionJobId({ thread_id: threadId, covers_through_seq: 80 }),
        ].sort(),
      );
    });

    kit.checkSkips();
  });
}
