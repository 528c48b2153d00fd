/** The seam's limits (use-cases/rate-limits.ts, stream-caps.ts) over memory adapters and a fake clock. */
import { describe, expect, test } from "bun:test";
import { MemoryRateLimiter } from "../../src/adapters/memory/memory-rate-limiter.ts";
import { MemoryStreamSlots } from "../../src/adapters/memory/memory-stream-slots.ts";
import type { AuthContext } from "../../src/domain/auth-context.ts";
import type { Clock } from "../../src/ports/clock.ts";
import type { TenantLimits } from "../../src/protocol/requests.ts";
import { RateLimits } from "../../src/use-cases/rate-limits.ts";
import { StreamCaps } from "../../src/use-cases/stream-caps.ts";

const DAY_MS = 86_400_000;
const defaults = {
  sendsPerMinutePerEndUser: 3,
  sendsPerMinutePerTenant: 5,
  requestsPerMinutePerEndUser: 2,
  streamsPerEndUser: 2,
  streamsPerTenant: 3,
  dailyTokensPerEndUser: 0,
};

function rig(own: TenantLimits = {}, used = 0) {
  const time = { now: 10 * DAY_MS + 1000 };
  const clock: Clock = {
    now: () => time.now,
    setTimeout: () => 0,
    clearTimeout: () => undefined,
  };
  const tenants = { getLimits: async () => own };
  const usage = {
    usageTotals: async () => ({
      input_tokens: used,
      output_tokens: 0,
      messages: 1,
      estimated_messages: 0,
    }),
  };
  const limits = new RateLimits({
    limiter: new MemoryRateLimiter(clock),
    tenants,
    usage,
    defaults,
    clock,
  });
  return { limits, time, clock };
}

const user = (endUserId: string | null): AuthContext => ({
  tenantId: "ten",
  keyId: "key",
  endUserId,
});
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: { code: string }) => e.code,
  );

describe("RateLimits", () => {
  test("an end user's sends hit its bucket; a secret key only the tenant's", async () => {
    const { limits } = rig();
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await codeOf(limits.send(user("alice"))));
    expect(codes).toEqual(["ok", "ok", "ok", "rate_limited"]);
    expect(await codeOf(limits.send(user(null)))).toBe("ok");
    expect(await codeOf(limits.send(user(null)))).toBe("ok");
    // The tenant bucket (5) is spent: bob is refused though his own bucket is full.
    expect(await codeOf(limits.send(user("bob")))).toBe("rate_limited");
  });

  test("a refusal carries Retry-After and the RateLimit fields", async () => {
    const { limits } = rig();
    for (let i = 0; i < 3; i++) await limits.send(user("alice"));
    const error = await limits.send(user("alice")).catch((e) => e);
    expect(error.retryAfterSeconds).toBe(20);
    expect(error.rateLimit).toEqual({
      limit: 3,
      remaining: 0,
      resetMs: 60_000,
      retryAfterMs: 20_000,
    });
  });

  test("requests of secret keys are never limited; an end user's are", async () => {
    const { limits } = rig();
    for (let i = 0; i < 10; i++) await limits.request(user(null));
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(await codeOf(limits.request(user("alice"))));
    expect(codes).toEqual(["ok", "ok", "rate_limited"]);
  });

  test("a tenant's own limits override the defaults; 0 turns a limit off", async () => {
    const { limits } = rig({ sends_per_minute_per_end_user: 0, sends_per_minute: 0 });
    for (let i = 0; i < 50; i++) await limits.send(user("alice"));
    expect((await limits.limitsFor("ten")).requestsPerMinutePerEndUser).toBe(2);
  });

  test("the daily quota refuses past the budget until the UTC day turns", async () => {
    const { limits, time } = rig({ daily_tokens_per_end_user: 100 }, 100);
    const error = await limits.quota(user("alice")).catch((e) => e);
    expect(error.code).toBe("quota_exceeded");
    expect(error.retryAfterSeconds).toBe((DAY_MS - 1000) / 1000);
    expect(await codeOf(limits.quota(user(null)))).toBe("ok");
    const under = rig({ daily_tokens_per_end_user: 101 }, 100);
    expect(await codeOf(under.limits.quota(user("alice")))).toBe("ok");
    time.now += DAY_MS; // a new day: the ledger is read again (the stub still says 100 used)
    expect(await codeOf(limits.quota(user("alice")))).toBe("quota_exceeded");
  });
});

describe("StreamCaps", () => {
  test("caps per end user and tenant; a released slot can be taken again", async () => {
    const { limits, clock } = rig();
    const caps = new StreamCaps(new MemoryStreamSlots(clock), limits, clock, () => undefined);
    const a1 = await caps.acquire(user("alice"));
    await caps.acquire(user("alice"));
    expect(await codeOf(caps.acquire(user("alice")))).toBe("rate_limited");
    await caps.acquire(user("bob"));
    expect(await codeOf(caps.acquire(user("carol")))).toBe("rate_limited");
    a1.release();
    a1.release();
    expect(caps.size).toBe(2);
    await new Promise((r) => setTimeout(r, 0));
    expect(await codeOf(caps.acquire(user("carol")))).toBe("ok");
    caps.stop();
  });
});
