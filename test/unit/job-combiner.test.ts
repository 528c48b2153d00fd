import { describe, expect, test } from "bun:test";
import { JobCombiner } from "../../actors/job-combiner.ts";
import type { JobQueue, MessageRef } from "../../src/ports/job-queue.ts";

function recordingQueue() {
  const persist: MessageRef[][] = [];
  const finished: { tenantId: string; refs: MessageRef[] }[] = [];
  let gate: Promise<void> = Promise.resolve();
  let failNext: Error | null = null;
  const jobs: JobQueue = {
    enqueuePersist: async (refs) => {
      persist.push(refs);
      await gate;
      if (failNext) throw failNext;
    },
    enqueueFinished: async (tenantId, refs) => {
      finished.push({ tenantId, refs });
      await gate;
    },
    enqueueCompaction: async () => undefined,
    deadLetter: async () => undefined,
    deadLetterCount: async () => 0,
  };
  return {
    jobs,
    persist,
    finished,
    hold() {
      let release: () => void = () => undefined;
      gate = new Promise<void>((r) => {
        release = r;
      });
      return release;
    },
    fail(error: Error | null) {
      failNext = error;
    },
  };
}

const ref = (threadId: string, seq: number, rev = 1): MessageRef => ({ threadId, seq, rev });

describe("job combiner", () => {
  test("one turn's enqueues of many threads become one persist call, newest ref per thread", async () => {
    const q = recordingQueue();
    const combiner = new JobCombiner(q.jobs);
    await Promise.all([
      combiner.enqueuePersist([ref("a", 1)]),
      combiner.enqueuePersist([ref("a", 3), ref("a", 2)]),
      combiner.enqueuePersist([ref("b", 7, 1), ref("b", 7, 2)]),
      combiner.enqueueFinished("t1", [ref("a", 1)]),
      combiner.enqueueFinished("t2", [ref("c", 4)]),
      combiner.enqueueFinished("t1", [ref("b", 7, 2)]),
    ]);
    expect(q.persist).toEqual([[ref("a", 3), ref("b", 7, 2)]]);
    expect(q.finished).toEqual([
      { tenantId: "t1", refs: [ref("a", 1), ref("b", 7, 2)] },
      { tenantId: "t2", refs: [ref("c", 4)] },
    ]);
  });

  test("calls made while one is in flight wait and go out together in the next", async () => {
    const q = recordingQueue();
    const combiner = new JobCombiner(q.jobs, 0);
    const release = q.hold();
    const first = combiner.enqueuePersist([ref("a", 1)]);
    await Bun.sleep(5);
    expect(q.persist.length).toBe(1);
    const later = [combiner.enqueuePersist([ref("b", 1)]), combiner.enqueuePersist([ref("c", 1)])];
    await Bun.sleep(5);
    expect(q.persist.length).toBe(1);
    release();
    await first;
    await Promise.all(later);
    expect(q.persist).toEqual([[ref("a", 1)], [ref("b", 1), ref("c", 1)]]);
  });

  test("a flush starts no sooner than the gap after the previous one, gathering what came meanwhile", async () => {
    const q = recordingQueue();
    const combiner = new JobCombiner(q.jobs, 40);
    const started = performance.now();
    await combiner.enqueuePersist([ref("a", 1)]);
    const second = combiner.enqueuePersist([ref("b", 1)]);
    await Bun.sleep(10);
    expect(q.persist.length).toBe(1);
    const third = combiner.enqueuePersist([ref("c", 1)]);
    await Promise.all([second, third]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    expect(q.persist).toEqual([[ref("a", 1)], [ref("b", 1), ref("c", 1)]]);
  });

  test("a failed enqueue rejects every caller of its batch, and the next batch goes on", async () => {
    const q = recordingQueue();
    const combiner = new JobCombiner(q.jobs);
    q.fail(new Error("redis away"));
    const results = await Promise.allSettled([
      combiner.enqueuePersist([ref("a", 1)]),
      combiner.enqueueFinished("t1", [ref("a", 1)]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    q.fail(null);
    await combiner.enqueuePersist([ref("a", 1)]);
    expect(q.persist.length).toBe(2);
  });

  test("empty batches resolve at once and enqueue nothing", async () => {
    const q = recordingQueue();
    const combiner = new JobCombiner(q.jobs);
    await combiner.enqueuePersist([]);
    await combiner.enqueueFinished("t1", []);
    expect(q.persist).toEqual([]);
    expect(q.finished).toEqual([]);
  });
});
