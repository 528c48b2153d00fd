import { describe, expect, test } from "bun:test";
import { type EventEntry, endOf, entryOf } from "../../actors/event-entry.ts";
import { JobBatcher } from "../../actors/job-batcher.ts";
import { type StreamSink, Subscription } from "../../actors/subscription.ts";
import type { JobQueue, MessageRef } from "../../src/ports/job-queue.ts";
import { silentLogger } from "../../src/ports/logger.ts";

const entry = (seq: number, offset: number): EventEntry =>
  entryOf(seq, offset, `${seq}:${offset}`, false);

function sink(buffered = () => 0) {
  const sent: string[] = [];
  let drain: (() => void) | null = null;
  const s: StreamSink & { sent: string[]; drain(): void } = {
    sent,
    send: (entries) => sent.push(...entries.map((e) => e.json)),
    bufferedBytes: buffered,
    onDrain: (callback) => {
      drain = callback;
    },
    close: () => undefined,
    closed: false,
    drain: () => drain?.(),
  };
  return s;
}

describe("subscription", () => {
  test("live events held during catch-up are delivered after the replay, each once, in order", () => {
    const out = sink();
    const subscription = new Subscription(out, endOf(0), 1000);
    subscription.receive([entry(1, 2), entry(1, 3)]);
    expect(out.sent).toEqual([]);
    subscription.finishCatchUp([entry(1, 0), entry(1, 1), entry(1, 2)]);
    expect(out.sent).toEqual(["1:0", "1:1", "1:2", "1:3"]);
    subscription.receive([entry(1, 3), entry(1, 4)]);
    expect(out.sent).toEqual(["1:0", "1:1", "1:2", "1:3", "1:4"]);
  });

  test("nothing at or before the starting cursor is sent", () => {
    const out = sink();
    const subscription = new Subscription(out, { seq: 2, offset: 5 }, 1000);
    subscription.finishCatchUp([entry(1, 9), entry(2, 5), entry(2, 6), entry(3, 0)]);
    expect(out.sent).toEqual(["2:6", "3:0"]);
  });

  test("a sink over its bound pauses the subscription at its position", () => {
    let buffered = 0;
    const out = sink(() => buffered);
    const subscription = new Subscription(out, endOf(0), 100);
    const paused: Subscription[] = [];
    subscription.onPause = (s) => paused.push(s);
    subscription.finishCatchUp([entry(1, 0)]);
    buffered = 500;
    subscription.receive([entry(1, 1)]);
    expect(paused.length).toBe(1);
    expect(subscription.state).toBe("paused");
    subscription.receive([entry(1, 2)]);
    expect(out.sent).toEqual(["1:0", "1:1"]);
    expect(subscription.position).toEqual({ seq: 1, offset: 1 });
  });
});

describe("job batcher", () => {
  test("refs pushed while an enqueue is in flight collapse into one job for the highest seq", async () => {
    const enqueued: MessageRef[][] = [];
    let release: () => void = () => undefined;
    const jobs: JobQueue = {
      enqueuePersist: (refs) => {
        enqueued.push(refs);
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      enqueueCompaction: async () => undefined,
      enqueueFinished: async () => undefined,
      deadLetter: async () => undefined,
      deadLetterCount: async () => 0,
    };
    const batcher = new JobBatcher(jobs, silentLogger);
    batcher.push([{ threadId: "t", seq: 1, rev: 1 }]);
    for (let seq = 2; seq <= 50; seq++) batcher.push([{ threadId: "t", seq, rev: 1 }]);
    batcher.push([{ threadId: "t", seq: 3, rev: 2 }]);
    release();
    await Bun.sleep(0);
    release();
    await batcher.drained();
    expect(enqueued).toEqual([
      [{ threadId: "t", seq: 1, rev: 1 }],
      [{ threadId: "t", seq: 50, rev: 1 }],
    ]);
  });
});
