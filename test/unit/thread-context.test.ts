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
