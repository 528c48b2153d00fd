// Spool refuses a Redis that may evict keys: a lost lease or seq counter would break invariants.
import { expect, test } from "bun:test";
import { Redis } from "ioredis";
import { checkEvictionPolicy } from "../../src/adapters/redis/connection.ts";
import { startRedis } from "../support/redis.ts";

test("a Redis with maxmemory-policy other than noeviction is refused with a clear message", async () => {
  const server = await startRedis();
  const redis = new Redis(server.url);
  try {
    await checkEvictionPolicy(redis);
    await redis.config("SET", "maxmemory-policy", "allkeys-lru");
    await expect(checkEvictionPolicy(redis)).rejects.toThrow(/allkeys-lru.*noeviction/);
  } finally {
    redis.disconnect();
    await server.stop();
  }
});
