/**
 * The RateLimiter and StreamSlots ports on Redis (Lua scripts, real Redis) and in memory, one
 * suite each: the same take/open sequences give the same answers on both. The Redis limiter takes
 * a fixed "now" here so the script's refill math runs on a fake clock.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Redis } from "ioredis";
import { MemoryRateLimiter } from "../../src/adapters/memory/memory-rate-limiter.ts";
import { MemoryStreamSlots } from "../../src/adapters/memory/memory-stream-slots.ts";
import { connectRedis } from "../../src/adapters/redis/connection.ts";
import { RedisKeys } from "../../src/adapters/redis/keys.ts";
import { RedisRateLimiter } from "../../src/adapters/redis/redis-rate-limiter.ts";
import { RedisStreamSlots } from "../../src/adapters/redis/redis-stream-slots.ts";
import type { RateLimiter } from "../../src/ports/rate-limiter.ts";
import type { StreamSlots } from "../../src/ports/stream-slots.ts";
import { freshPrefix, testRedis } from "../support/redis.ts";

let redis: Redis;
beforeAll(async () => {
  redis = connectRedis((await testRedis()).url, { name: "rate-limiter-contract" });
});
afterAll(() => redis.disconnect());

const clock = { now: 1_000_000 };

function limiterSuite(name: string, make: () => RateLimiter) {
  describe(`RateLimiter contract: ${name}`, () => {
    test("burst, refusal with retry/reset, refill, and all-or-nothing over two buckets", async () => {
      const limiter = make();
      const user = { name: "send:u:alice", capacity: 3, perMinute: 3 };
      const tenant = { name: "send:t", capacity: 5, perMinute: 5 };
      clock.now = 1_000_000;
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await limiter.take("ten_a", [user, tenant]));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
      expect(results[3]).toMatchObject({
        bucket: "send:u:alice",
        limit: 3,
        retryAfterMs: 20_000,
        resetMs: 60_000,
      });
      // Another end user of the tenant: the tenant bucket has 2 left (the refusal took none).
      const bob = { ...user, name: "send:u:bob" };
      const bobs = [];
      for (let i = 0; i < 3; i++) bobs.push(await limiter.take("ten_a", [bob, tenant]));
      expect(bobs.map((r) => r.allowed)).toEqual([true, true, false]);
      expect(bobs[2]).toMatchObject({ bucket: "send:t", limit: 5 });
      // 20 s later alice has one token again, the tenant one and a third.
      clock.now += 20_000;
      expect((await limiter.take("ten_a", [user, tenant])).allowed).toBe(true);
      expect((await limiter.take("ten_a", [user, tenant])).allowed).toBe(false);
      // Other tenants are separate.
      expect((await limiter.take("ten_b", [user, tenant])).allowed).toBe(true);
    });

    test("forget drops the named buckets only: they are full again", async () => {
      const limiter = make();
      clock.now = 2_000_000;
      const gone = { name: "req:u:gone", capacity: 1, perMinute: 1 };
      const kept = { name: "req:u:kept", capacity: 1, perMinute: 1 };
      for (const b of [gone, kept]) expect((await limiter.take("ten_f", [b])).allowed).toBe(true);
      for (const b of [gone, kept]) expect((await limiter.take("ten_f", [b])).allowed).toBe(false);
      await limiter.forget("ten_f", [gone.name, "send:u:gone"]);
      expect((await limiter.take("ten_f", [gone])).allowed).toBe(true);
      expect((await limiter.take("ten_f", [kept])).allowed).toBe(false);
    });
  });
}

limiterSuite("memory", () => new MemoryRateLimiter({ now: () => clock.now }));
limiterSuite(
  "redis",
  () => new RedisRateLimiter(redis, new RedisKeys(freshPrefix("rl")), () => clock.now),
);

function slotsSuite(name: string, make: () => StreamSlots) {
  describe(`StreamSlots contract: ${name}`, () => {
    test("caps per end user and per tenant; close frees; re-open of an id is not counted twice", async () => {
      const slots = make();
      const sets = { endUser: "alice", endUserCap: 2, tenantCap: 3 };
      expect(await slots.open("ten", sets, "s1", 60_000)).toEqual({ ok: true });
      expect(await slots.open("ten", sets, "s1", 60_000)).toEqual({ ok: true });
      expect(await slots.open("ten", sets, "s2", 60_000)).toEqual({ ok: true });
      expect(await slots.open("ten", sets, "s3", 60_000)).toEqual({
        ok: false,
        which: "end_user",
        cap: 2,
      });
      const bob = { ...sets, endUser: "bob" };
      expect(await slots.open("ten", bob, "s4", 60_000)).toEqual({ ok: true });
      expect(await slots.open("ten", bob, "s5", 60_000)).toEqual({
        ok: false,
        which: "tenant",
        cap: 3,
      });
      await slots.close("ten", "alice", "s1");
      await slots.close("ten", "alice", "s1");
      expect(await slots.open("ten", bob, "s5", 60_000)).toEqual({ ok: true });
      // A secret key's stream counts against the tenant only.
      const key = { endUser: null, endUserCap: 0, tenantCap: 3 };
      expect(await slots.open("ten", key, "s6", 60_000)).toMatchObject({
        ok: false,
        which: "tenant",
      });
      expect(await slots.open("other", key, "s6", 60_000)).toEqual({ ok: true });
    });

    test("forgetEndUser drops that end user's set only", async () => {
      const slots = make();
      const dave = { endUser: "dave", endUserCap: 1, tenantCap: 0 };
      const erin = { endUser: "erin", endUserCap: 1, tenantCap: 0 };
      expect(await slots.open("ten_g", dave, "d1", 60_000)).toEqual({ ok: true });
      expect(await slots.open("ten_g", erin, "e1", 60_000)).toEqual({ ok: true });
      await slots.forgetEndUser("ten_g", "dave");
      expect(await slots.open("ten_g", dave, "d2", 60_000)).toEqual({ ok: true });
      expect(await slots.open("ten_g", erin, "e2", 60_000)).toMatchObject({ ok: false });
    });
  });
}

slotsSuite("memory", () => new MemoryStreamSlots({ now: () => clock.now }));
slotsSuite("redis", () => new RedisStreamSlots(redis, new RedisKeys(freshPrefix("ss"))));

describe("StreamSlots on Redis: leases", () => {
  test("an entry not renewed lapses (a crashed node's streams), a renewed one stays", async () => {
    const slots = new RedisStreamSlots(redis, new RedisKeys(freshPrefix("lease")));
    const sets = { endUser: "carol", endUserCap: 2, tenantCap: 0 };
    expect(await slots.open("ten", sets, "kept", 300)).toEqual({ ok: true });
    expect(await slots.open("ten", sets, "lost", 300)).toEqual({ ok: true });
    for (let i = 0; i < 4; i++) {
      await Bun.sleep(150);
      await slots.renew([{ scope: "ten", endUser: "carol", streamIds: ["kept"] }], 300);
    }
    expect(await slots.open("ten", sets, "new", 300)).toEqual({ ok: true });
    expect(await slots.open("ten", sets, "third", 300)).toMatchObject({ ok: false });
  });
});
