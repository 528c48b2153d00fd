// One runtime-neutral serve() on both runtimes: a Bun node forwards a send to the Deno node that
// owns the thread (the Deno node announces itself in the node registry), the internal routes live
// on INTERNAL_PORT only (the public listener 404s them), and a malformed internal secret of any
// length and bytes is a 401, never a 500.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type SpoolNode, startNode } from "../support/node-launcher.ts";
import { freePort, freshPrefix, testRedis } from "../support/redis.ts";
import { FINAL_TYPES, SseReader } from "../support/sse-client.ts";

let deno: SpoolNode;
let bun: SpoolNode;
let denoInternal: number;

beforeAll(async () => {
  const redis = await testRedis();
  const prefix = freshPrefix("runtimes");
  denoInternal = await freePort();
  deno = await startNode({
    redisUrl: redis.url,
    prefix,
    runtime: "deno",
    env: { INTERNAL_PORT: String(denoInternal) },
  });
  bun = await startNode({ redisUrl: redis.url, prefix, dataDir: deno.dataDir, requireKey: false });
}, 90_000);
afterAll(async () => {
  await bun?.stop();
  await deno?.stop();
});

const headers = () => ({
  authorization: `Bearer ${deno.secretKey}`,
  "content-type": "application/json",
});

async function actors(node: SpoolNode): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return Number(/^spool_actors (\d+)/m.exec(text)?.[1] ?? "-1");
}

test("a Bun node forwards a send to the Deno node that owns the thread", async () => {
  const created = await fetch(`${deno.url}/v1/threads`, {
    method: "POST",
    headers: headers(),
    body: JSON.stringify({ end_user_id: "u1" }),
  });
  const thread = (await created.json()) as { id: string };
  // A long answer on Deno: Deno takes the lease and keeps it while the Bun send arrives.
  const first = new SseReader(
    fetch(`${deno.url}/v1/threads/${thread.id}/messages`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({
        content: "one [chunks=40] [delay_ms=20]",
        model: "spool/echo",
        stream: true,
      }),
    }),
  );
  expect(await first.until((events) => events.some((e) => e.type === "block.delta"))).toBe(true);
  const second = await fetch(`${bun.url}/v1/threads/${thread.id}/messages`, {
    method: "POST",
    headers: headers(),
    body: JSON.stringify({ content: "two [chunks=3]", model: "spool/echo" }),
  });
  expect(second.status).toBe(200);
  const body = (await second.json()) as {
    user_message: { seq: number };
    assistant_message: { seq: number; status: string; content: { text: string }[] };
  };
  // Queued behind the first turn on the owner: seqs 3 and 4, in order, completed.
  expect(body.user_message.seq).toBe(3);
  expect(body.assistant_message.seq).toBe(4);
  expect(body.assistant_message.status).toBe("completed");
  expect(body.assistant_message.content[0]!.text).toBe("w1 w2 w3 ");
  expect(await first.until((events) => events.some((e) => FINAL_TYPES.has(e.type)))).toBe(true);
  // The turn ran on Deno: the Bun node never held an actor for the thread.
  expect(await actors(bun)).toBe(0);
  expect(await actors(deno)).toBe(1);
}, 60_000);

test("internal routes are served on INTERNAL_PORT only", async () => {
  const path = "/internal/threads/thr_x/send";
  const onPublic = await fetch(`${deno.url}${path}`, { method: "POST", body: "{}" });
  expect(onPublic.status).toBe(404);
  const internal = `http://127.0.0.1:${denoInternal}`;
  const noSecret = await fetch(`${internal}${path}`, { method: "POST", body: "{}" });
  expect(noSecret.status).toBe(401);
  // The internal listener serves nothing public.
  expect((await fetch(`${internal}/v1/threads`, { headers: headers() })).status).toBe(404);
});

test("a malformed internal secret is a 401 on both runtimes, whatever its length or bytes", async () => {
  const internalDeno = `http://127.0.0.1:${denoInternal}`;
  const secrets = [
    "x",
    "y".repeat(48),
    "z".repeat(4096),
    "é".repeat(48),
    "\u00ff\u00fe".repeat(24),
  ];
  for (const base of [internalDeno, bun.url]) {
    for (const secret of secrets) {
      const response = await fetch(`${base}/internal/threads/thr_x/send`, {
        method: "POST",
        headers: { "x-spool-internal": secret, "content-type": "application/json" },
        body: JSON.stringify({ tenant_id: "ten_x" }),
      });
      expect(`${base} ${secret.length} ${response.status}`).toBe(`${base} ${secret.length} 401`);
    }
  }
});
