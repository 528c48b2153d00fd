/** Token-bucket math (domain/token-bucket.ts) and the memory RateLimiter, on a fake clock. */
import { describe, expect, test } from "bun:test";
import { MemoryRateLimiter } from "../../src/adapters/memory/memory-rate-limiter.ts";
import { refill, take } from "../../src/domain/token-bucket.ts";

const perMinute60 = { capacity: 60, perMinute: 60 };

describe("token bucket", () => {
  test("a new bucket is full: the burst is one minute's worth, then refused", () => {
    let states = [null] as ({ tokens: number; at: number } | null)[];
    for (let i = 0; i < 60; i++) {
      const out = take(states, [perMinute60], 1000);
      expect(out.allowed).toBe(true);
      expect(out.remaining).toBe(59 - i);
      states = out.states;
    }
    const refused = take(states, [perMinute60], 1000);
    expect(refused.allowed).toBe(false);
    expect(refused.remaining).toBe(0);
    // One token a second: the next one is 1 s away, the bucket full 60 s away.
    expect(refused.retryAfterMs).toBe(1000);
    expect(refused.resetMs).toBe(60_000);
  });

  test("refills continuously and never past capacity; a clock running backwards adds nothing", () => {
    const empty = { tokens: 0, at: 10_000 };
    expect(refill(empty, perMinute60, 10_500)).toBeCloseTo(0.5);
    expect(refill(empty, perMinute60, 10_000 + 3_600_000)).toBe(60);
    expect(refill(empty, perMinute60, 5_000)).toBe(0);
    const out = take([empty], [perMinute60], 10_999);
    expect(out.allowed).toBe(false);
    expect(out.retryAfterMs).toBe(2);
    expect(take([empty], [perMinute60], 11_000).allowed).toBe(true);
  });

  test("two buckets: all or nothing, and the emptier one binds", () => {
    const user = { capacity: 2, perMinute: 2 };
    const tenant = { capacity: 100, perMinute: 100 };
    let states: ({ tokens: number; at: number } | null)[] = [null, null];
    for (let i = 0; i < 2; i++) {
      const out = take(states, [user, tenant], 0);
      expect(out.allowed).toBe(true);
      expect(out.binding).toBe(0);
      states = out.states;
    }
    const refused = take(states, [user, tenant], 0);
    expect(refused.allowed).toBe(false);
    expect(refused.binding).toBe(0);
    // The refusal took nothing from the tenant bucket.
    expect(refused.states[1]!.tokens).toBe(98);
    expect(refused.retryAfterMs).toBe(30_000);
  });

  test("sustained rate over ten simulated minutes is the configured rate (+ the burst)", async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter({ now: () => now });
    let allowed = 0;
    // 10 attempts a second for 10 minutes against 60/min.
    for (let t = 0; t < 600_000; t += 100) {
      now = t;
      const out = await limiter.take("ten_1", [{ name: "send:u:a", ...perMinute60 }]);
      if (out.allowed) allowed++;
    }
    expect(allowed).toBeGreaterThanOrEqual(600 + 60 - 1);
    expect(allowed).toBeLessThanOrEqual(600 + 60);
  });

  test("scopes and names are separate buckets", async () => {
    const limiter = new MemoryRateLimiter({ now: () => 0 });
    const rule = { capacity: 1, perMinute: 1 };
    expect((await limiter.take("a", [{ name: "x", ...rule }])).allowed).toBe(true);
    expect((await limiter.take("a", [{ name: "x", ...rule }])).allowed).toBe(false);
    expect((await limiter.take("b", [{ name: "x", ...rule }])).allowed).toBe(true);
    expect((await limiter.take("a", [{ name: "y", ...rule }])).allowed).toBe(true);
  });
});
