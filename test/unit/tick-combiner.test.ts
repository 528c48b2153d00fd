// TickCombiner (src/adapters/redis/tick-combiner.ts): one call per loop turn, bounded calls, a
// request's own error fails only it, a failed call fails all of its requests.
import { expect, test } from "bun:test";
import { type CallResult, TickCombiner } from "../../src/adapters/redis/tick-combiner.ts";

function combiner(fail: (requests: number[]) => boolean = () => false) {
  const calls: number[][] = [];
  const tick = new TickCombiner<number, string>({
    maxUnitsPerCall: 10,
    unitsOf: (n) => n,
    call: async (requests): Promise<CallResult<string>[]> => {
      calls.push(requests);
      if (fail(requests)) throw new Error("call failed");
      return requests.map((n) => (n === 7 ? { error: new Error("seven") } : { ok: `done ${n}` }));
    },
  });
  return { tick, calls };
}

test("requests of one turn share calls of at most maxUnitsPerCall units, in order", async () => {
  const { tick, calls } = combiner();
  const answers = await Promise.all([4, 5, 1, 12, 2].map((n) => tick.submit(n)));
  expect(answers).toEqual(["done 4", "done 5", "done 1", "done 12", "done 2"]);
  // 4+5+1 = 10 fits; 12 is over the bound alone; 2 starts the next call.
  expect(calls).toEqual([[4, 5, 1], [12], [2]]);
  await tick.submit(3);
  expect(calls.at(-1)).toEqual([3]);
});

test("a request's own error fails only it; a failed call fails every request of that call", async () => {
  const { tick } = combiner((requests) => requests.includes(9));
  const mixed = await Promise.allSettled([tick.submit(1), tick.submit(7), tick.submit(2)]);
  expect(mixed.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  const failed = await Promise.allSettled([tick.submit(9), tick.submit(1)]);
  expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
});
