// Sharding on three in-process nodes (real sockets, real Redis, one shared SQLite dir): commands
// for a thread owned elsewhere are forwarded, followers on every node see the same events, and
// the seq / request_id invariants hold whichever node a client talks to.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startCluster, type TestCluster } from "../support/cluster.ts";
import { FINAL_TYPES, type SseEvent, SseReader } from "../support/sse-client.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster(3, { LEASE_TTL_MS: "3000" });
});
afterAll(() => cluster.close());

async function newThread(): Promise<string> {
  const response = await cluster.fetch(0, "POST", "/v1/threads", { end_user_id: "u1" });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

type Msg = { seq: number; request_id: string | null; role: string; status: string };

async function history(threadId: string, node = 0): Promise<Msg[]> {
  const out: Msg[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=200${cursor ? `&cursor=${cursor}` : ""}`;
    const response = await cluster.fetch(node, "GET", `/v1/threads/${threadId}/messages?${query}`);
    const page = (await response.json()) as { data: Msg[]; next_cursor: string | null };
    out.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

function ownerIndex(threadId: string): Promise<number> {
  return cluster.nodes[0]!.spool.runtime.services.host.local(threadId)
    ? Promise.resolve(0)
    : Promise.resolve(
        cluster.nodes.findIndex((n) => n.spool.runtime.services.host.local(threadId)),
      );
}

async function burstSends(spec: object): Promise<[number, number | null][]> {
  const child = Bun.spawn(
    [process.execPath, "test/support/burst-client.ts", JSON.stringify(spec)],
    {
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const out = await new Response(child.stdout).text();
  await child.exited;
  return JSON.parse(out) as [number, number | null][];
}

const sig = (events: SseEvent[]) =>
  events.filter((e) => e.type !== "ping").map((e) => `${e.id} ${e.type}`);

describe("routing across three nodes", () => {
  test("1,000 concurrent sends spread over 3 nodes: seq 1…N gapless, each request_id once", async () => {
    const threadId = await newThread();
    const N = 1000;
    const burst = (count: number, offset: number, rotate: number) =>
      burstSends({
        urls: [...cluster.nodes.slice(rotate), ...cluster.nodes.slice(0, rotate)].map((n) => n.url),
        key: cluster.secretKey,
        threadId,
        count,
        offset,
      });
    const results = await burst(N, 0, 0);
    expect(results.filter(([status]) => status !== 201)).toEqual([]);
    // Retries of 100 request ids, each through a different node, get the original message back.
    const retries = await burst(100, 0, 1);
    expect(retries).toEqual(results.slice(0, 100));
    const messages = await history(threadId, 2);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(new Set(messages.map((m) => m.request_id)).size).toBe(N);
    const owners = cluster.nodes.filter((n) => n.spool.runtime.services.host.local(threadId));
    expect(owners.length).toBe(1);
  }, 120_000);

  test("clients on all three nodes receive the same event sequence for a stream", async () => {
    const threadId = await newThread();
    // The thread gets an owner first (an append through node 1), so nodes 0 and 2 follow remotely.
    expect(
      (await cluster.fetch(1, "POST", `/v1/threads/${threadId}/messages`, { content: "hi" }))
        .status,
    ).toBe(201);
    const owner = await ownerIndex(threadId);
    const readers = await Promise.all(
      [0, 1, 2].map(
        async (i) => new SseReader(cluster.fetch(i, "GET", `/v1/threads/${threadId}/stream`)),
      ),
    );
    await Bun.sleep(100); // registered; their responses start with the first event
    const sender = (owner + 1) % 3;
    const post = await cluster.fetch(sender, "POST", `/v1/threads/${threadId}/messages`, {
      content: "go [chunks=40][delay_ms=3]",
      model: "spool/echo",
      stream: true,
    });
    expect(post.status).toBe(200);
    const posted = new SseReader(post);
    await posted.done;
    const finished = (events: SseEvent[]) =>
      events.some((e) => FINAL_TYPES.has(e.type) && e.id.startsWith("3:"));
    for (const reader of readers) expect(await reader.until(finished)).toBe(true);
    const expected = sig(readers[owner]!.events);
    expect(expected.length).toBeGreaterThan(40);
    for (const reader of readers) expect(sig(reader.events)).toEqual(expected);
    // The POST stream (through a non-owner) is the same turn's events from the user message on.
    expect(sig(posted.events)).toEqual(expected);
    for (const reader of readers) void reader.done;
  }, 60_000);

  test("cancel and a follow with a cursor work through a non-owner", async () => {
    const threadId = await newThread();
    expect(
      (await cluster.fetch(0, "POST", `/v1/threads/${threadId}/messages`, { content: "hi" }))
        .status,
    ).toBe(201);
    const owner = await ownerIndex(threadId);
    const other = (owner + 1) % 3;
    const post = await cluster.fetch(other, "POST", `/v1/threads/${threadId}/messages`, {
      content: "long [chunks=500][delay_ms=10]",
      model: "spool/echo",
      stream: true,
    });
    const reader = new SseReader(post);
    expect(await reader.until((e) => e.length >= 5)).toBe(true);
    const cancel = await cluster.fetch(other, "POST", `/v1/threads/${threadId}/messages/3/cancel`);
    expect(cancel.status).toBe(200);
    const cancelled = (await cancel.json()) as { status: string; stop_reason: string };
    expect(cancelled.status).toBe("incomplete");
    expect(cancelled.stop_reason).toBe("cancelled");
    await reader.done;
    // Resume from the middle through the third node: exactly the rest, then the final event.
    const middle = reader.events[3]!.id;
    const third = (owner + 2) % 3;
    const resumed = new SseReader(
      await cluster.fetch(third, "GET", `/v1/threads/${threadId}/stream?after=${middle}`),
    );
    expect(await resumed.until((e) => e.some((x) => FINAL_TYPES.has(x.type)))).toBe(true);
    expect(sig(resumed.events)).toEqual(sig(reader.events.slice(4)));
  }, 60_000);

  test("internal endpoints refuse a wrong secret and stay out of the OpenAPI document", async () => {
    const response = await fetch(`${cluster.nodes[0]!.url}/internal/threads/thr_x/send`, {
      method: "POST",
      headers: { "x-spool-internal": "nope", "content-type": "application/json" },
      body: JSON.stringify({ tenant_id: "t" }),
    });
    expect(response.status).toBe(401);
    const doc = await (await fetch(`${cluster.nodes[0]!.url}/openapi.json`)).text();
    expect(doc.includes("/internal")).toBe(false);
  });
});
