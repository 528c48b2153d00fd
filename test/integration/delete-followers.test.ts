// A thread deleted while followed from a node that does not own it: the remote follower's stream
// ends at the next owner watch (no takeover of a deleted thread), and no Redis key names the
// thread afterwards. (On the owner's node the stream ends with the delete itself.)
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Redis } from "ioredis";
import { connectRedis } from "../../src/adapters/redis/connection.ts";
import { startCluster, type TestCluster } from "../support/cluster.ts";

let cluster: TestCluster;
let redis: Redis;
beforeAll(async () => {
  cluster = await startCluster(2, { LEASE_TTL_MS: "3000" });
  redis = connectRedis(cluster.nodes[0]!.spool.runtime.redisUrl);
});
afterAll(async () => {
  redis.disconnect();
  await cluster.close();
});

async function keysOf(threadId: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${cluster.prefix}:*${threadId}*`);
    out.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return out;
}

test("a remote follower of a deleted thread ends within a watch tick; nothing takes it over", async () => {
  const created = await cluster.fetch(0, "POST", "/v1/threads", {});
  const id = ((await created.json()) as { id: string }).id;
  await cluster.fetch(0, "POST", `/v1/threads/${id}/messages`, {
    content: "hi",
    model: "spool/echo",
  });
  const owner = cluster.nodes[0]!.spool.runtime.services.host.local(id) ? 0 : 1;
  const other = 1 - owner;
  const stream = await cluster.fetch(other, "GET", `/v1/threads/${id}/stream`);
  expect(stream.status).toBe(200);
  const reader = stream.body!.getReader();
  await reader.read(); // the stream is open (retry line)

  expect((await cluster.fetch(owner, "DELETE", `/v1/threads/${id}`)).status).toBe(200);
  const started = Date.now();
  for (;;) {
    const next = await Promise.race([reader.read(), Bun.sleep(8000).then(() => "open" as const)]);
    expect(next).not.toBe("open");
    if (next !== "open" && next.done) break;
  }
  // One watch tick is a lease renewal interval (a third of 3 s here), plus the round trip.
  expect(Date.now() - started).toBeLessThan(3000);
  await Bun.sleep(1500); // later ticks must not resurrect it either
  expect(await keysOf(id)).toEqual([]);
  for (const node of cluster.nodes) expect(node.spool.runtime.services.host.local(id)).toBeFalsy();
}, 20_000);
