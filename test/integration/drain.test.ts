// Graceful drain on two real processes sharing Redis and SQLite: SIGTERM in the middle of a
// 200-chunk answer lets it finish (every chunk once, `completed`) for a client on the draining
// node and a follower on the other node; a send during the drain is served by the other node (or
// refused 503 with Retry-After for the thread still running here); the process exits within the
// grace. Then the hard deadline: with Redis gone first, the process still exits by grace + 10 s.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type SpoolNode, startNode } from "../support/node-launcher.ts";
import { freshPrefix, startRedis, testRedis } from "../support/redis.ts";
import { FINAL_TYPES, type SseEvent, SseReader } from "../support/sse-client.ts";

const GRACE_MS = 20_000;
let a: SpoolNode;
let b: SpoolNode;

beforeAll(async () => {
  const redis = await testRedis();
  const prefix = freshPrefix("drain");
  const env = { SHUTDOWN_GRACE_MS: String(GRACE_MS) };
  a = await startNode({ redisUrl: redis.url, prefix, env });
  b = await startNode({ redisUrl: redis.url, prefix, dataDir: a.dataDir, env, requireKey: false });
}, 60_000);
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

const call = (node: SpoolNode, method: string, path: string, body?: unknown) =>
  fetch(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${a.secretKey}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function newThread(node: SpoolNode): Promise<string> {
  const response = await call(node, "POST", "/v1/threads", { end_user_id: "u1" });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

function deltas(events: SseEvent[], seq: number): string[] {
  return events
    .filter((e) => e.type === "block.delta" && (e.data as { seq: number }).seq === seq)
    .map((e) => (e.data as { delta: { text: string } }).delta.text);
}

const finalOf = (seq: number) => (events: SseEvent[]) =>
  events.some(
    (e) => FINAL_TYPES.has(e.type) && (e.data as { message: { seq: number } }).message.seq === seq,
  );

test("SIGTERM mid-answer: the answer completes on both nodes, new sends go elsewhere, exit within the grace", async () => {
  const thread = await newThread(a);
  const sender = new SseReader(
    call(a, "POST", `/v1/threads/${thread}/messages`, {
      content: "long [chunks=200] [delay_ms=15]",
      model: "spool/echo",
      stream: true,
    }),
  );
  // The follower joins once A owns the thread (else B could take the free lease first).
  expect(await sender.until((e) => deltas(e, 2).length >= 20)).toBe(true);
  const follower = new SseReader(call(b, "GET", `/v1/threads/${thread}/stream?after=2:0`));
  expect(await follower.until((e) => deltas(e, 2).length >= 1)).toBe(true);

  const signalledAt = Date.now();
  a.signal("SIGTERM");
  const exited = a.exited();
  // Draining: not ready any more, so a load balancer sends new requests elsewhere.
  await Bun.sleep(200);
  const ready = await fetch(`${a.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(((await ready.json()) as { status: string }).status).toBe("draining");

  // A new turn in the thread still running here is refused with Retry-After…
  const busy = await call(a, "POST", `/v1/threads/${thread}/messages`, {
    content: "more",
    model: "spool/echo",
  });
  expect(busy.status).toBe(503);
  expect(Number(busy.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(((await busy.json()) as { error: { code: string } }).error.code).toBe("unavailable");

  // …and a new turn in another thread, sent to the draining node, is served by the other one.
  const other = await newThread(a);
  const served = await call(a, "POST", `/v1/threads/${other}/messages`, {
    content: "elsewhere [chunks=3]",
    model: "spool/echo",
  });
  expect(served.status).toBe(200);
  const turn = (await served.json()) as { assistant_message: { status: string; seq: number } };
  expect(turn.assistant_message.status).toBe("completed");
  const metricsB = await (await fetch(`${b.url}/metrics`)).text();
  expect(Number(/^spool_actors (\d+)/m.exec(metricsB)?.[1])).toBeGreaterThanOrEqual(1);

  // The running answer completes for both clients, every chunk exactly once and in order.
  expect(await sender.until(finalOf(2), 30_000)).toBe(true);
  expect(await follower.until(finalOf(2), 30_000)).toBe(true);
  const expected = Array.from({ length: 200 }, (_, i) => `w${i + 1} `);
  for (const reader of [sender, follower]) {
    const final = reader.events.find((e) => FINAL_TYPES.has(e.type))!;
    expect(final.type).toBe("message.completed");
    const seen = deltas(reader.events, 2);
    // The follower joined mid-answer: its first events are a replay, so it sees all of them too.
    expect(seen).toEqual(expected);
  }

  expect(await exited).toBe(0);
  expect(Date.now() - signalledAt).toBeLessThan(GRACE_MS);
  const stored = await call(b, "GET", `/v1/threads/${thread}/messages/2`);
  const message = (await stored.json()) as { status: string; content: { text: string }[] };
  expect(message.status).toBe("completed");
  expect(message.content[0]!.text).toBe(expected.join(""));
}, 90_000);

test("hard deadline: with Redis stopped first, a SIGTERM'd node still exits by grace + 10 s", async () => {
  const redis = await startRedis();
  const graceMs = 1000;
  const node = await startNode({
    redisUrl: redis.url,
    prefix: freshPrefix("deadline"),
    env: { SHUTDOWN_GRACE_MS: String(graceMs) },
  });
  try {
    const headers = {
      authorization: `Bearer ${node.secretKey}`,
      "content-type": "application/json",
    };
    const created = await fetch(`${node.url}/v1/threads`, {
      method: "POST",
      headers,
      body: JSON.stringify({ end_user_id: "u1" }),
    });
    const { id } = (await created.json()) as { id: string };
    const stream = new SseReader(
      fetch(`${node.url}/v1/threads/${id}/messages`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          content: "x [chunks=2000] [delay_ms=20]",
          model: "spool/echo",
          stream: true,
        }),
      }),
    );
    expect(await stream.until((e) => deltas(e, 2).length >= 5)).toBe(true);
    redis.process.kill("SIGKILL");
    await redis.process.exited;
    const signalledAt = Date.now();
    node.signal("SIGTERM");
    await node.exited();
    const took = Date.now() - signalledAt;
    expect(took).toBeLessThan(graceMs + 10_000 + 2_000);
  } finally {
    if (node.alive) await node.kill("SIGKILL");
  }
}, 60_000);
