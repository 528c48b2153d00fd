/**
 * The JobQueue contract (ports/job-queue.ts), run on BullMQ and on memory: job ids derive from
 * what a job acts on, so enqueueing the same batch twice leaves one job and different batches
 * never share one; a batch (persist or finished, any threads) is one job per queue; an empty
 * batch enqueues nothing.
 */
import { describe, expect } from "bun:test";
import {
  batchJobId,
  compactionJobId,
  jobId,
  QUEUE_NAMES,
  reembedJobId,
} from "../../src/protocol/jobs.ts";
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

    kit.test("a persist batch is one job; a repeat is a no-op, another batch is not", async (p) => {
      const threadId = freshId("thr");
      const other = freshId("thr");
      const one = { threadId, seq: 1, rev: 1 };
      await p.jobs.enqueuePersist([one]);
      await p.jobs.enqueuePersist([one]);
      const batch = [one, { threadId: other, seq: 3, rev: 1 }];
      await p.jobs.enqueuePersist(batch);
      await p.jobs.enqueuePersist(batch);
      // Same first ref and size, another thread: a different batch, never dropped as a repeat.
      const sibling = [one, { threadId: other, seq: 4, rev: 1 }];
      await p.jobs.enqueuePersist(sibling);
      await p.jobs.enqueuePersist([]);
      const ids = await p.queuedJobIds(QUEUE_NAMES.persist);
      expect(ids.sort()).toEqual(
        [
          jobId(QUEUE_NAMES.persist, threadId, 1, 1),
          batchJobId(QUEUE_NAMES.persist, batch),
          batchJobId(QUEUE_NAMES.persist, sibling),
        ].sort(),
      );
      expect(new Set(ids).size).toBe(3);
    });

    kit.test(
      "a finished batch is one job per queue; one thread's is named by its first and last ref",
      async (p) => {
        const a = freshId("thr");
        const b = freshId("thr");
        const mixed = [
          { threadId: a, seq: 1, rev: 1 },
          { threadId: a, seq: 2, rev: 1 },
          { threadId: b, seq: 5, rev: 2 },
        ];
        await p.jobs.enqueueFinished("ten_1", mixed);
        await p.jobs.enqueueFinished("ten_1", mixed.slice(0, 2));
        await p.jobs.enqueueFinished("ten_1", [{ threadId: b, seq: 5, rev: 2 }]);
        await p.jobs.enqueueFinished("ten_1", [{ threadId: b, seq: 5, rev: 2 }]);
        const ids = await p.queuedJobIds(QUEUE_NAMES.backfill);
        const first = jobId(QUEUE_NAMES.backfill, a, 1, 1);
        expect(ids.sort()).toEqual(
          [
            batchJobId(QUEUE_NAMES.backfill, mixed),
            `${first}-to-2-1`,
            jobId(QUEUE_NAMES.backfill, b, 5, 2),
          ].sort(),
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
