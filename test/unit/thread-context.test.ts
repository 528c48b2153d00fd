import { expect, test } from "bun:test";
import { ThreadContext } from "../../actors/thread-context.ts";
import type { MessageRecord } from "../../src/domain/records.ts";

const record = (seq: number, rev = 1) => ({ seq, rev }) as MessageRecord;

test("the thread is read once; versions this node writes are applied, also during the first read", async () => {
  let loads = 0;
  let release: (all: MessageRecord[]) => void = () => undefined;
  const context = new ThreadContext(() => {
    loads++;
    return new Promise((resolve) => {
      release = resolve;
    });
  });
  const first = context.records();
  context.put(record(3));
  release([record(1), record(2, 1)]);
  expect((await first).map((r) => r.seq)).toEqual([1, 2, 3]);
  context.put(record(2, 5));
  context.put(record(4));
  const again = await context.records();
  expect(again.map((r) => [r.seq, r.rev])).toEqual([
    [1, 1],
    [2, 5],
    [3, 1],
    [4, 1],
  ]);
  expect(loads).toBe(1);
});

const message = (seq: number, extra: Partial<MessageRecord> = {}) =>
  ({ seq, rev: 1, role: "user", status: "completed", content: [], ...extra }) as MessageRecord;

test("once a summary lands, the messages it covers are let go (the covered one stays: it anchors the summary)", async () => {
  const context = new ThreadContext(async () =>
    Array.from({ length: 100 }, (_, i) => message(i + 1)),
  );
  expect((await context.records()).length).toBe(100);
  context.put(message(101, { role: "summary", covers_through_seq: 90 }));
  context.put(message(102));
  const kept = await context.records();
  expect(kept.map((r) => r.seq)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102]);
  // A new version of a kept message replaces it in place.
  context.put(message(95, { rev: 2 }));
  expect((await context.records()).find((r) => r.seq === 95)?.rev).toBe(2);
});

test("memory is bounded in bytes whatever the thread's length; the newest messages are kept", async () => {
  const text = "x".repeat(1000);
  const big = (seq: number) => message(seq, { content: [{ type: "text", text }] });
  const context = new ThreadContext(async () => [], 20_000);
  await context.records();
  for (let seq = 1; seq <= 2000; seq++) {
    context.put(big(seq));
    if (seq % 100 === 0) await context.records();
  }
  const kept = await context.records();
  expect(context.bytes).toBeLessThanOrEqual(20_000);
  expect(kept.length).toBeGreaterThan(10);
  expect(kept.at(-1)?.seq).toBe(2000);
  expect(kept.map((r) => r.seq)).toEqual(
    Array.from({ length: kept.length }, (_, i) => 2001 - kept.length + i),
  );
});
