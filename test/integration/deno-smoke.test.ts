// The server runs on Deno too: start src/main.deno.ts as a real Deno process against the test
// Redis, then one REST round trip, one WebSocket stream of spool/echo, and the 1009 frame limit.
// (tsc typechecks the entry through src/deno-globals.d.ts.)
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { buildSdk, PREBUILT_SDK } from "../../src/http/sdk-bundle.ts";
import { type SpoolNode, startNode } from "../support/node-launcher.ts";
import { freshPrefix, testRedis } from "../support/redis.ts";
import { isFinal, openWs } from "../support/stream-client.ts";

let node: SpoolNode;

beforeAll(async () => {
  // what `npm run build:sdk` (part of start:deno) does: Deno has no Bun.build to make it itself
  mkdirSync(dirname(PREBUILT_SDK), { recursive: true });
  writeFileSync(PREBUILT_SDK, (await buildSdk())!);
  const redis = await testRedis();
  node = await startNode({ redisUrl: redis.url, prefix: freshPrefix("deno"), runtime: "deno" });
}, 60_000);
afterAll(() => node?.stop());

test("REST and a WebSocket stream work on Deno", async () => {
  const headers = { authorization: `Bearer ${node.secretKey}`, "content-type": "application/json" };
  const created = await fetch(`${node.url}/v1/threads`, {
    method: "POST",
    headers,
    body: JSON.stringify({ end_user_id: "u1" }),
  });
  expect(created.status).toBe(201);
  const thread = (await created.json()) as { id: string };
  const appended = await fetch(`${node.url}/v1/threads/${thread.id}/messages`, {
    method: "POST",
    headers,
    body: JSON.stringify({ content: "hello from deno" }),
  });
  expect(appended.status).toBe(201);
  expect(((await appended.json()) as { user_message: { seq: number } }).user_message.seq).toBe(1);

  const ws = await openWs(node.url, node.secretKey);
  ws.send({ type: "send", thread_id: thread.id, model: "spool/echo", content: "hi [chunks=5]" });
  const ack = await ws.waitFor((f) => f.type === "ack");
  expect(ack.assistant_seq).toBe(3);
  const done = await ws.waitFor(isFinal);
  expect(done.type).toBe("message.completed");
  const message = done.message as { content: { text: string }[] };
  expect(message.content[0]!.text).toBe("w1 w2 w3 w4 w5 ");
  ws.close();
}, 30_000);

test("Deno closes an oversized frame with 1009", async () => {
  const ws = await openWs(node.url, node.secretKey);
  ws.sendRaw(JSON.stringify({ type: "ping", pad: "x".repeat(1024 * 1024 + 10) }));
  expect((await ws.closed).code).toBe(1009);
});

test("/sdk/spool.js (prebuilt) and /playground are served on Deno", async () => {
  const sdk = await fetch(`${node.url}/sdk/spool.js`);
  expect(sdk.status).toBe(200);
  expect(sdk.headers.get("content-type")).toContain("javascript");
  expect(await sdk.text()).toContain("export{");
  const page = await fetch(`${node.url}/playground`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("/playground/app.js");
});
