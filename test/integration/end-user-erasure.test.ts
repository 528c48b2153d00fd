// DELETE /v1/end_users/:end_user_id on two nodes: an end user with 20 threads (owned half by each
// node) plus a compatibility-endpoint conversation is erased, and nothing of theirs is left in any
// route, search, the Redis keys (SCAN) or the store; their old token is void (a new one works);
// the usage ledger keeps its totals without their id; another end user and another tenant's end
// user of the same id are untouched. Hostile ids and credentials are 4xx, never a 500.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Redis } from "ioredis";
import { connectRedis } from "../../src/adapters/redis/connection.ts";
import { RedisKeys } from "../../src/adapters/redis/keys.ts";
import { startCluster, type TestCluster } from "../support/cluster.ts";

const ECHO = "spool/echo";
const THREADS = 20;
const ALL_TIME = { from: 0, to: Number.MAX_SAFE_INTEGER };

let cluster: TestCluster;
let redis: Redis;
let tenantId: string;
const alice: string[] = [];
const bob: string[] = [];
let foreignKey: string;
let foreignThread: string;
let aliceToken: string;

async function call(i: number, method: string, path: string, body?: unknown, key?: string) {
  const response = await fetch(`${cluster.nodes[i]!.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key ?? cluster.secretKey}`,
      "content-type": "application/json",
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: test reads of many response shapes
  return { status: response.status, body: (text ? JSON.parse(text) : null) as any };
}

async function thread(i: number, endUser: string, mark: string, key?: string): Promise<string> {
  const created = await call(i, "POST", "/v1/threads", { end_user_id: endUser }, key);
  const id = created.body.id as string;
  const sent = await call(
    i,
    "POST",
    `/v1/threads/${id}/messages`,
    {
      content: `${mark} note for ${endUser}`,
      model: ECHO,
    },
    key,
  );
  expect(sent.status).toBe(200);
  return id;
}

async function eventually(check: () => Promise<boolean>, what: string, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await Bun.sleep(100);
  }
}

async function allKeys(): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${cluster.prefix}:*`, "COUNT", 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return out;
}

const services = (i: number) => cluster.nodes[i]!.spool.runtime.services;

beforeAll(async () => {
  cluster = await startCluster(2);
  redis = connectRedis(cluster.nodes[0]!.spool.runtime.redisUrl);
  tenantId = (await services(0).tokens.authenticate(cluster.secretKey)).tenantId;
  for (let i = 0; i < THREADS; i++) alice.push(await thread(i % 2, "alice", `alicemark${i}`));
  for (let i = 0; i < 2; i++) bob.push(await thread(i % 2, "bob", `bobmark${i}`));
  aliceToken = (await call(0, "POST", "/v1/end_user_tokens", { end_user_id: "alice" })).body
    .token as string;
  // A conversation through the OpenAI-compatible endpoint: a thread and compat index keys.
  const compat = await fetch(`${cluster.nodes[1]!.url}/compat/openai/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${aliceToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: ECHO,
      messages: [{ role: "user", content: "alicemark compat" }],
    }),
  });
  expect(compat.status).toBe(200);
  foreignKey = await cluster.nodes[0]!.spool.createTenant("foreign");
  foreignThread = await thread(0, "alice", "foreignalicemark", foreignKey);
  await eventually(async () => {
    const hits = await call(0, "GET", "/v1/search?q=alicemark0&semantic_ratio=0");
    const usage = await services(0).store.usageTotals({
      tenantId,
      endUserId: "alice",
      ...ALL_TIME,
    });
    return hits.body.data.length > 0 && usage.messages >= THREADS + 1;
  }, "indexed and counted");
});
afterAll(async () => {
  redis?.disconnect();
  await cluster?.close();
});

describe("erasure of an end user", () => {
  test("an end-user token, or hostile ids, cannot erase", async () => {
    expect((await call(0, "DELETE", "/v1/end_users/alice", undefined, aliceToken)).status).toBe(
      401,
    );
    for (const path of [
      `/v1/end_users/${"x".repeat(257)}`,
      "/v1/end_users/a%00b",
      "/v1/end_users/%E0%A4%A",
      "/v1/end_users/%ED%A0%80",
    ]) {
      const { status } = await call(1, "DELETE", path);
      expect([path, status >= 400 && status < 500]).toEqual([path, true]);
    }
    expect((await call(0, "GET", `/v1/threads/${alice[0]}`)).status).toBe(200); // nothing erased
  });

  test("20 threads across two nodes: nothing of theirs is left anywhere", async () => {
    const owners = alice.map((id) => [0, 1].filter((i) => services(i).host.local(id)));
    expect(owners.filter((o) => o[0] === 0).length).toBeGreaterThan(0);
    expect(owners.filter((o) => o[0] === 1).length).toBeGreaterThan(0);
    const listed = await call(0, "GET", "/v1/threads?end_user_id=alice&limit=100");
    const compatThread = (listed.body.data as { id: string }[])
      .map((t) => t.id)
      .find((id) => !alice.includes(id));
    expect(compatThread).toBeDefined();
    const erased = [...alice, compatThread!];
    const tenantBefore = await services(0).store.usageTotals({ tenantId, ...ALL_TIME });
    const keysBefore = await allKeys();
    expect(keysBefore.some((k) => k.includes(alice[0]!))).toBe(true); // the check can see them
    expect(keysBefore.some((k) => k.includes(":u:alice"))).toBe(true); // their rate buckets

    // Their open streams, on both nodes (one local to the thread's owner, one following from afar).
    const streams = await Promise.all(
      [0, 1].map((i) =>
        fetch(`${cluster.nodes[i]!.url}/v1/threads/${alice[1]}/stream?token=${aliceToken}`),
      ),
    );
    for (const s of streams) expect(s.status).toBe(200);
    const ended = streams.map((s) => s.text().then(() => true));

    const answer = await call(1, "DELETE", "/v1/end_users/alice");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: "alice",
      object: "end_user",
      deleted: true,
      threads_deleted: THREADS + 1,
    });
    expect(answer.body.usage_entries_anonymized).toBeGreaterThanOrEqual(THREADS + 1);

    const timeout = Bun.sleep(5000).then(() => false);
    for (const end of ended) expect(await Promise.race([end, timeout])).toBe(true);
    await expectNothingOf(erased);
    // Late jobs of their last messages must not bring anything back.
    await Bun.sleep(1500);
    await expectNothingOf(erased);
    const tenantAfter = await services(0).store.usageTotals({ tenantId, ...ALL_TIME });
    expect(tenantAfter.input_tokens).toBe(tenantBefore.input_tokens);
    expect(tenantAfter.output_tokens).toBe(tenantBefore.output_tokens);

    // Their token is void on every node; a token minted after the erasure works (and sees nothing).
    for (const i of [0, 1]) {
      expect((await call(i, "GET", "/v1/threads", undefined, aliceToken)).status).toBe(401);
    }
    await Bun.sleep(5);
    const fresh = (await call(0, "POST", "/v1/end_user_tokens", { end_user_id: "alice" })).body
      .token as string;
    const own = await call(1, "GET", "/v1/threads", undefined, fresh);
    expect(own.status).toBe(200);
    expect(own.body.data).toEqual([]);

    // Idempotent: a repeat finds nothing more to erase.
    const again = await call(0, "DELETE", "/v1/end_users/alice");
    expect(again.body).toMatchObject({ threads_deleted: 0, usage_entries_anonymized: 0 });
  });

  test("another end user, and the same id in another tenant, are untouched", async () => {
    for (const id of bob) {
      for (const i of [0, 1]) {
        const messages = await call(i, "GET", `/v1/threads/${id}/messages`);
        expect(messages.status).toBe(200);
        expect(messages.body.data.length).toBe(2);
      }
    }
    const hits = await call(1, "GET", "/v1/search?q=bobmark1&semantic_ratio=0");
    const found = new Set(hits.body.data.map((h: { thread_id: string }) => h.thread_id));
    expect([...found]).toEqual([bob[1]]);
    const foreign = await call(
      0,
      "GET",
      `/v1/threads/${foreignThread}/messages`,
      undefined,
      foreignKey,
    );
    expect(foreign.status).toBe(200);
    expect(foreign.body.data.length).toBe(2);
    const bobToken = (await call(0, "POST", "/v1/end_user_tokens", { end_user_id: "bob" })).body
      .token as string;
    expect((await call(1, "GET", "/v1/threads", undefined, bobToken)).body.data.length).toBe(2);
    expect((await allKeys()).some((k) => k.includes(bob[0]!))).toBe(true);
    const bobUsage = await services(0).store.usageTotals({
      tenantId,
      endUserId: "bob",
      ...ALL_TIME,
    });
    expect(bobUsage.messages).toBeGreaterThanOrEqual(2);
  });
});

describe("erasure ids", () => {
  test("an id is taken exactly as encoded: a%2Fb erases a/b, not a", async () => {
    const slashed = await thread(0, "a/b", "slashmark");
    const plain = await thread(1, "a", "plainmark");
    const answer = await call(1, "DELETE", `/v1/end_users/${encodeURIComponent("a/b")}`);
    expect(answer.body).toMatchObject({ id: "a/b", threads_deleted: 1 });
    expect((await call(0, "GET", `/v1/threads/${slashed}`)).status).toBe(404);
    expect((await call(0, "GET", `/v1/threads/${plain}`)).status).toBe(200);
  });
});

async function expectNothingOf(erased: string[]): Promise<void> {
  for (const i of [0, 1]) {
    const listed = await call(i, "GET", "/v1/threads?end_user_id=alice&limit=100");
    expect(listed.body.data).toEqual([]);
    for (const id of erased) {
      for (const path of [
        `/v1/threads/${id}`,
        `/v1/threads/${id}/messages`,
        `/v1/threads/${id}/export`,
      ]) {
        expect([path, (await call(i, "GET", path)).status]).toEqual([path, 404]);
      }
      expect(services(i).host.local(id)).toBeUndefined();
    }
    for (const q of ["alicemark0", "alicemark13", "alicemark", "alice"]) {
      const hits = await call(i, "GET", `/v1/search?q=${q}&semantic_ratio=0`);
      expect([q, hits.body.data]).toEqual([q, []]);
    }
  }
  const keys = await allKeys();
  const left = keys.filter((k) => erased.some((id) => k.includes(id)));
  expect(left).toEqual([]);
  const patterns = new RedisKeys(cluster.prefix).endUserIndexPatterns(tenantId, "alice");
  const prefixes = patterns.map((p) => p.slice(0, -1));
  expect(keys.filter((k) => prefixes.some((p) => k.startsWith(p)))).toEqual([]);
  expect(keys.filter((k) => k.includes(":u:alice"))).toEqual([]); // rate buckets, stream set
  const store = services(0).store;
  for (const id of erased) {
    expect(await store.getThread(tenantId, id)).toBeNull();
    const rows = await store.listMessages({
      threadId: id,
      limit: 10,
      order: "asc",
      includeTools: true,
    });
    expect(rows).toEqual([]);
  }
  const usage = await store.usageTotals({ tenantId, endUserId: "alice", ...ALL_TIME });
  expect(usage.messages).toBe(0);
}
