// The BullMQ workers inside one server (embedded default) on real Redis + SQLite: persist, token
// backfill with the usage ledger and /v1/usage, embedding into search, jobs run twice, the orphan
// reaper, and the guarded queue admin page.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Redis } from "ioredis";
import { connectRedis } from "../../src/adapters/redis/connection.ts";
import { RedisKeys } from "../../src/adapters/redis/keys.ts";
import { RedisLeaseStore } from "../../src/adapters/redis/redis-lease-store.ts";
import { TiktokenTokenizer } from "../../src/adapters/tokenizer/tiktoken-tokenizer.ts";
import type { MessageRecord } from "../../src/domain/records.ts";
import { backfillTokens } from "../../workers/backfill-tokens.ts";
import { persistMessage } from "../../workers/persist-message.ts";
import { makeStream } from "../support/orphans.ts";
import { ADMIN_KEY, startSpool, type TestSpool } from "../support/spool.ts";

// 3 s: short enough for a quick reaper test, long enough to survive a loaded CI machine.
const LEASE_TTL_MS = 3000;
const REAP_EVERY_MS = 300;

let spool: TestSpool;
let redis: Redis;
let leases: RedisLeaseStore;
beforeAll(async () => {
  spool = await startSpool({
    LEASE_TTL_MS: String(LEASE_TTL_MS),
    REAP_INTERVAL_MS: String(REAP_EVERY_MS),
  });
  redis = connectRedis(spool.runtime.redisUrl);
  leases = new RedisLeaseStore(redis, new RedisKeys(spool.prefix));
});
afterAll(async () => {
  redis.disconnect();
  await spool.close();
});

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

async function turn(threadId: string, content: string) {
  const { status, body } = await spool.json("POST", `/v1/threads/${threadId}/messages`, {
    content,
    model: "spool/echo",
    stream: false,
  });
  expect(status).toBe(200);
  return body as { user_message: { seq: number }; assistant_message: { seq: number } };
}

const stored = (threadId: string, seq: number, test: (m: MessageRecord) => boolean) =>
  until(`message ${seq} stored`, async () => {
    const m = await spool.runtime.services.store.getMessage(threadId, seq);
    return m && test(m) ? m : null;
  });

async function newThread(endUser = "u1"): Promise<string> {
  const { body } = await spool.json("POST", "/v1/threads", { end_user_id: endUser });
  return body.id as string;
}

describe("pipeline", () => {
  test("a turn is persisted, backfilled, counted once and searchable", async () => {
    const threadId = await newThread("alice");
    const { user_message, assistant_message } = await turn(threadId, "tell me about lighthouses");
    const user = await stored(threadId, user_message.seq, (m) => m.usage !== null);
    expect(user.usage).toMatchObject({ output_tokens: 0, estimated: true });
    expect(user.usage!.input_tokens).toBeGreaterThan(0);
    const assistant = await stored(threadId, assistant_message.seq, (m) => m.usage !== null);
    expect(assistant.status).toBe("completed");
    const usage = await until("usage counted", async () => {
      const { body } = await spool.json("GET", "/v1/usage?end_user_id=alice");
      return body.messages === 1 ? body : null;
    });
    // One model call billed: its input already holds the user message (not counted again).
    expect(usage).toMatchObject({
      object: "usage",
      end_user_id: "alice",
      input_tokens: assistant.usage!.input_tokens,
      total_tokens: (usage.input_tokens as number) + (usage.output_tokens as number),
    });
    const hits = await until("indexed", async () => {
      const found = await spool.runtime.services.search!.search({
        tenantId: user.tenant_id,
        q: "lighthouses",
        vector: null,
        semanticRatio: 0,
        includeTools: false,
        limit: 10,
        offset: 0,
      });
      return found.hits.length > 0 ? found.hits : null;
    });
    expect(hits[0]!.thread_id).toBe(threadId);
  });

  test("jobs forced to run twice change and count nothing more", async () => {
    const threadId = await newThread("bob");
    const { user_message } = await turn(threadId, "count me once");
    const { store, checkpoint } = spool.runtime.services;
    const user = await stored(threadId, user_message.seq, (m) => m.usage !== null);
    const before = await until("usage counted", async () => {
      const { body } = await spool.json("GET", "/v1/usage?end_user_id=bob");
      return body.messages === 1 ? body : null;
    });
    const snapshot = await store.getMessage(threadId, 1);
    const deps = { store, checkpoint, tokenizer: new TiktokenTokenizer() };
    const payload = { tenant_id: user.tenant_id, thread_id: threadId, seq: 1, rev: user.rev };
    await backfillTokens(deps, payload);
    await backfillTokens(deps, payload);
    // This persist run finds nothing to do, so it enqueues nothing: an idle queue suffices.
    const jobs = {
      enqueuePersist: () => Promise.resolve(),
      enqueueFinished: () => Promise.resolve(),
      deadLetter: () => Promise.resolve(),
      deadLetterCount: () => Promise.resolve(0),
      enqueueCompaction: () => Promise.resolve(),
    };
    const persist = { thread_id: threadId, seq: 1, rev: 1 };
    expect(await persistMessage({ store, checkpoint, jobs }, persist)).toEqual({
      written: 0,
      trimmed: 0,
    });
    // The persisted version written again (a persist job that ran late) changes nothing either.
    expect(await store.upsertMessages([snapshot!])).toEqual({ written: 0 });
    const after = await spool.json("GET", "/v1/usage?end_user_id=bob");
    expect(after.body).toEqual(before);
    expect(await store.getMessage(threadId, 1)).toEqual(snapshot);
  });

  test("an end-user token sees only its own usage", async () => {
    const minted = await spool.json("POST", "/v1/end_user_tokens", {
      end_user_id: "alice",
      ttl_seconds: 60,
    });
    const token = minted.body.token as string;
    const own = await spool.json("GET", "/v1/usage", undefined, token);
    expect(own.status).toBe(200);
    expect(own.body.end_user_id).toBe("alice");
    const other = await spool.json("GET", "/v1/usage?end_user_id=bob", undefined, token);
    expect(other.status).toBe(400);
    expect((other.body.error as { code: string }).code).toBe("invalid_request");
    const bad = await spool.json("GET", "/v1/usage?from=yesterday");
    expect((bad.body.error as { code: string }).code).toBe("invalid_request");
  });
});

describe("reaper", () => {
  test("finalizes 20/20 orphaned streams within TTL + 2 intervals and touches 0 live ones", async () => {
    const { store, checkpoint } = spool.runtime.services;
    const ports = { store, checkpoint, leases };
    const started = Date.now();
    const orphans = await Promise.all(
      Array.from({ length: 20 }, () => makeStream(ports, LEASE_TTL_MS, "dead-node")),
    );
    const live = await Promise.all(
      Array.from({ length: 5 }, () => makeStream(ports, 60_000, "live-node")),
    );
    const deadline = LEASE_TTL_MS + 2 * REAP_EVERY_MS + 500;
    for (const thread of orphans) {
      const final = await until(
        "orphan finalized",
        async () => {
          const m = await checkpoint.readTailMessage(thread.id, 2);
          const s = await store.getMessage(thread.id, 2);
          const newest = s && (!m || s.rev >= m.rev) ? s : m;
          return newest?.status === "incomplete" ? newest : null;
        },
        deadline,
      );
      expect(final).toMatchObject({ stop_reason: "interrupted", status: "incomplete" });
      expect(final.content).toEqual([{ type: "text", text: "half a sent" }]);
      expect(final.usage).toMatchObject({ estimated: true });
      const log = (await checkpoint.readEvents(thread.id, 2, 0))!.map((e) => JSON.parse(e).type);
      expect(log.slice(-2)).toEqual(["block.stop", "message.incomplete"]);
    }
    expect(Date.now() - started).toBeLessThan(deadline + 1000);
    for (const thread of live) {
      expect((await checkpoint.readTailMessage(thread.id, 2))?.status).toBe("in_progress");
      expect(await checkpoint.eventCount(thread.id, 2)).toBe(3);
      expect((await leases.owner(thread.id))?.nodeId).toBe("live-node");
    }
  });
});

describe("queue admin page", () => {
  test("needs the admin key and loads its assets from this server", async () => {
    const denied = await spool.call("GET", "/admin/queues", undefined, "nope");
    expect(denied.status).toBe(401);
    expect(denied.headers.get("www-authenticate")).toContain("Basic");
    const basic = `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString("base64")}`;
    const page = await spool.call("GET", "/admin/queues", undefined, "x", { authorization: basic });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain("https://");
    const scripts = [...html.matchAll(/src="([^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const asset = await spool.call("GET", `/admin/queues/${src}`, undefined, ADMIN_KEY);
      expect(asset.status).toBe(200);
    }
    const api = await spool.call("GET", "/admin/queues/api/queues", undefined, ADMIN_KEY);
    expect(api.status).toBe(200);
  });

  test("a cross-site or form post with the browser's Basic credentials cannot change queues", async () => {
    const basic = `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString("base64")}`;
    const listed = (await (
      await spool.call("GET", "/admin/queues/api/queues", undefined, ADMIN_KEY)
    ).json()) as { queues: { name: string; isPaused: boolean }[] };
    const queue = encodeURIComponent(listed.queues[0]!.name);
    const path = `/admin/queues/api/queues/${queue}/pause`;
    const attempts: Record<string, string>[] = [
      { authorization: basic, origin: "https://evil.example", "content-type": "application/json" },
      { authorization: basic, "sec-fetch-site": "cross-site", "content-type": "application/json" },
      { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
      { authorization: basic, "content-type": "text/plain" },
    ];
    for (const headers of attempts) {
      const response = await spool.call("PUT", path, "{}", "x", headers);
      expect(response.status).toBe(403);
    }
    const sameOrigin = await spool.call("PUT", path, "{}", "x", {
      authorization: basic,
      origin: "http://localhost",
      "sec-fetch-site": "same-origin",
    });
    expect(sameOrigin.status).toBe(200);
    // the same-origin call did pause it; resume so later tests see running queues
    const resumed = await spool.call(
      "PUT",
      `/admin/queues/api/queues/${queue}/resume`,
      "{}",
      ADMIN_KEY,
    );
    expect(resumed.status).toBe(200);
  });
});
