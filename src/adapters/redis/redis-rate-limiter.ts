/**
 * RateLimiter on Redis: one `take-tokens-2.lua` call per take, timed by Redis's own clock so
 * every node agrees on refills (see the script's header for why not rate-limiter-flexible).
 */
import type { Redis } from "ioredis";
import type { Bucket, RateLimiter, RateLimitResult } from "../../ports/rate-limiter.ts";
import type { RedisKeys } from "./keys.ts";
import { runScript } from "./scripts.ts";

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** Fixed "now" for tests of the script; null: Redis TIME. */
    private readonly now: (() => number) | null = null,
  ) {}

  async take(scope: string, buckets: Bucket[], cost = 1): Promise<RateLimitResult> {
    const [a, b] = buckets;
    if (!a) throw new Error("take needs a bucket");
    const keyA = this.keys.bucket(scope, a.name);
    const keyB = b ? this.keys.bucket(scope, b.name) : keyA;
    const reply = (await runScript(
      this.redis,
      "take-tokens-2",
      [keyA, keyB],
      [
        this.now ? this.now() : "",
        cost,
        a.capacity,
        a.perMinute,
        b ? b.capacity : 0,
        b ? b.perMinute : 1,
      ],
    )) as [number, number, number, number, number];
    const binding = reply[1] === 2 && b ? b : a;
    return {
      allowed: reply[0] === 1,
      bucket: binding.name,
      limit: binding.capacity,
      remaining: Number(reply[2]),
      retryAfterMs: Number(reply[3]),
      resetMs: Number(reply[4]),
    };
  }

  async forget(scope: string, names: string[]): Promise<void> {
    if (names.length === 0) return;
    await this.redis.unlink(...names.map((name) => this.keys.bucket(scope, name)));
  }
}
