/**
 * RateLimiter in process memory (one node, unit tests): the pure token-bucket math of
 * domain/token-bucket.ts over a Map, timed by the given clock (a fake one in tests).
 */
import { type BucketState, take } from "../../domain/token-bucket.ts";
import type { Clock } from "../../ports/clock.ts";
import type { Bucket, RateLimiter, RateLimitResult } from "../../ports/rate-limiter.ts";

export class MemoryRateLimiter implements RateLimiter {
  readonly #buckets = new Map<string, BucketState>();

  constructor(private readonly clock: Pick<Clock, "now">) {}

  async take(scope: string, buckets: Bucket[], cost = 1): Promise<RateLimitResult> {
    const keys = buckets.map((b) => `${scope}\u0000${b.name}`);
    const outcome = take(
      keys.map((k) => this.#buckets.get(k) ?? null),
      buckets,
      this.clock.now(),
      cost,
    );
    if (outcome.allowed) {
      for (const [i, key] of keys.entries()) this.#buckets.set(key, outcome.states[i]!);
    }
    const binding = buckets[outcome.binding]!;
    return {
      allowed: outcome.allowed,
      bucket: binding.name,
      limit: binding.capacity,
      remaining: outcome.remaining,
      retryAfterMs: outcome.retryAfterMs,
      resetMs: outcome.resetMs,
    };
  }

  async forget(scope: string, names: string[]): Promise<void> {
    for (const name of names) this.#buckets.delete(`${scope}\u0000${name}`);
  }
}
