/**
 * Redis connections. BullMQ wants its own connection per Queue / Worker with
 * `maxRetriesPerRequest: null`; Spool's own commands keep a bound so a Redis outage surfaces as
 * `503 unavailable` instead of a request hanging forever.
 */
import { Redis } from "ioredis";
import { quietIdleTracing } from "./quiet-tracing.ts";
import { registerScripts } from "./scripts.ts";

/** 3 tries: rides out a failover blip, fails a request within seconds when Redis is gone. */
const COMMAND_RETRIES = 3;

export function connectRedis(
  url: string,
  options: { forBullmq?: boolean; name?: string } = {},
): Redis {
  quietIdleTracing();
  const redis = new Redis(url, {
    maxRetriesPerRequest: options.forBullmq ? null : COMMAND_RETRIES,
    enableReadyCheck: true,
    connectionName: options.name ?? "spool",
    lazyConnect: false,
    // Commands issued in the same tick (checkpoint writes of many actors) leave in one write.
    enableAutoPipelining: !options.forBullmq,
  });
  // Connection errors are retried by ioredis; without a listener each one is an unhandled event.
  redis.on("error", () => undefined);
  if (!options.forBullmq) registerScripts(redis);
  return redis;
}

/** Spool refuses a Redis that may evict keys: a lost lease or seq counter would break invariants. */
export async function checkEvictionPolicy(redis: Redis): Promise<void> {
  const info = await redis.info("memory");
  const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
  if (policy !== "noeviction") {
    throw new Error(
      `redis maxmemory-policy is "${policy ?? "unknown"}"; Spool needs "noeviction" ` +
        "(set it with: CONFIG SET maxmemory-policy noeviction, or in redis.conf)",
    );
  }
}
