import { describe, expect, test } from "bun:test";
import { LoopSlice, loopTurn, nextLoopTurn } from "../../actors/loop-turns.ts";

const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: the loop cannot turn
  }
};

describe("LoopSlice", () => {
  test("a slice that kept the loop longer than its bound is overdue, however it awaited microtasks", async () => {
    const slice = new LoopSlice(5);
    for (let i = 0; i < 3; i++) {
      spin(2);
      await Promise.resolve();
    }
    expect(slice.overdue()).toBe(true);
  });

  test("waiting on the network (a timer here) restarts the slice: paced parts never yield", async () => {
    const slice = new LoopSlice(5);
    let overdue = 0;
    for (let i = 0; i < 5; i++) {
      spin(2);
      await new Promise((resolve) => setTimeout(resolve, 3));
      if (slice.overdue()) overdue++;
    }
    // 25 ms since the slice began, but the loop turned before every check.
    expect(overdue).toBe(0);
  });

  test("after a yield the slice starts afresh", async () => {
    const slice = new LoopSlice(1);
    spin(3);
    expect(slice.overdue()).toBe(true);
    await nextLoopTurn();
    slice.restart();
    expect(slice.overdue()).toBe(false);
  });
});

describe("loopTurn", () => {
  test("changes only once the loop has turned, with one shared callback", async () => {
    const before = loopTurn();
    await Promise.resolve();
    expect(loopTurn()).toBe(before);
    await nextLoopTurn();
    await nextLoopTurn();
    expect(loopTurn()).toBeGreaterThan(before);
  });

  test("an I/O callback runs while a generation-like loop yields on overdue slices", async () => {
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    const slice = new LoopSlice(2);
    const startedAt = performance.now();
    while (!timerRan && performance.now() - startedAt < 1000) {
      spin(0.5);
      await Promise.resolve();
      if (slice.overdue()) {
        await nextLoopTurn();
        slice.restart();
      }
    }
    expect(timerRan).toBe(true);
  });
});
