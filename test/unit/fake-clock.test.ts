/** The fake clock the actor-core tests run on: time moves only on `advance`, timers fire in order. */
import { describe, expect, test } from "bun:test";
import { FakeClock } from "../../src/adapters/memory/fake-clock.ts";

describe("fake clock", () => {
  test("timers fire in due order when time is advanced past them, cleared ones never", async () => {
    const clock = new FakeClock(1_000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("b@300"), 300);
    clock.setTimeout(() => fired.push("a@100"), 100);
    const cleared = clock.setTimeout(() => fired.push("never"), 200);
    clock.clearTimeout(cleared);
    await clock.advance(99);
    expect(fired).toEqual([]);
    expect(clock.now()).toBe(1_099);
    await clock.advance(250);
    expect(fired).toEqual(["a@100", "b@300"]);
    expect(clock.now()).toBe(1_349);
    expect(clock.pending).toBe(0);
  });

  test("a timer set by a timer fires in the same advance when it falls due", async () => {
    const clock = new FakeClock(0);
    const at: number[] = [];
    const tick = () => {
      at.push(clock.now());
      if (at.length < 5) clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    await clock.advance(45);
    expect(at).toEqual([10, 20, 30, 40]);
    await clock.advance(10);
    expect(at).toEqual([10, 20, 30, 40, 50]);
  });

  test("promise chains started by a timer settle before the next timer fires", async () => {
    const clock = new FakeClock(0);
    const log: string[] = [];
    clock.setTimeout(async () => {
      await Promise.resolve();
      await Promise.resolve();
      log.push("first done");
    }, 5);
    clock.setTimeout(() => log.push("second"), 6);
    await clock.advance(10);
    expect(log).toEqual(["first done", "second"]);
  });
});
