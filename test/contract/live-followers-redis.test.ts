/**
 * The owner skips the live PUBLISH of a batch when no other node follows the thread (issue 17):
 * an append reports whether the thread's watchers key existed, and a node that subscribes sets
 * that key before its subscription is active, so the first append after it is published again.
 */
import { afterAll, expect, test } from "bun:test";
import { RedisHotTier } from "../../src/adapters/redis/redis-hot-tier.ts";
import type { LiveEntry } from "../../src/ports/live-bus.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import { freshPrefix, testRedis } from "../support/redis.ts";

const tiers: RedisHotTier[] = [];
afterAll(async () => {
  for (const tier of tiers) await tier.close();
});

async function tier(url: string, prefix: string, name: string): Promise<RedisHotTier> {
  const hot = await RedisHotTier.open({
    url,
    dataDir: "",
    prefix,
    name,
    logger: silentLogger,
    finishedQueues: [],
  });
  tiers.push(hot);
  return hot;
}

const entry = (offset: number): LiveEntry => ({
  seq: 1,
  offset,
  json: `{"n":${offset}}`,
  final: false,
});

test("a batch is published only while another node follows the thread", async () => {
  const server = await testRedis();
  const prefix = freshPrefix("followers");
  const [owner, other] = [await tier(server.url, prefix, "a"), await tier(server.url, prefix, "b")];
  const threadId = `thr_${crypto.randomUUID()}`;
  const lease = await owner.leases.acquire(threadId, "a", 10_000);
  if (!lease.ok) throw new Error("lease not granted");
  const append = (offset: number) =>
    owner.checkpoint.appendEvents(threadId, lease.epoch, [
      { seq: 1, firstOffset: offset, events: [`{"n":${offset}}`] },
    ]);

  expect(owner.checkpoint.followers.followed(threadId)).toBe(true); // unknown: publish
  expect(await append(0)).toEqual({ ok: true });
  expect(owner.checkpoint.followers.followed(threadId)).toBe(false);

  const received: LiveEntry[][] = [];
  const unsubscribe = await other.live.subscribe(threadId, (entries) => received.push(entries));
  owner.live.publish(threadId, [entry(0)]); // decided by append 0: nobody followed, skipped
  expect(await append(1)).toEqual({ ok: true });
  expect(owner.checkpoint.followers.followed(threadId)).toBe(true);
  owner.live.publish(threadId, [entry(1)]);
  await Bun.sleep(100);
  expect(received).toEqual([[entry(1)]]);
  unsubscribe();
});
