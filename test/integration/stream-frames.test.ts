// Bad WebSocket frames never take the server down: error frames for malformed JSON, unknown types,
// invalid fields and foreign threads (the same socket keeps working), 1009 for an oversized frame,
// 4008 for a frame flood.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { isFinal, openWs, type WsClient } from "../support/stream-client.ts";

let spool: TestSpool;
let base: string;
let threadId: string;

beforeAll(async () => {
  spool = await startSpool();
  base = `http://127.0.0.1:${(await spool.listen()).port}`;
  threadId = (await spool.json("POST", "/v1/threads", { end_user_id: "u1" })).body.id as string;
});
afterAll(() => spool.close());

async function errorFor(ws: WsClient, send: () => void): Promise<Record<string, unknown>> {
  const from = ws.frames.length;
  send();
  return ws.waitFor((f) => f.type === "error", from);
}

async function stillWorks(ws: WsClient): Promise<void> {
  const from = ws.frames.length;
  ws.send({ type: "ping" });
  await ws.waitFor((f) => f.type === "pong", from);
}

test("error frames for bad frames; the same socket still works after each", async () => {
  const ws = await openWs(base, spool.secretKey);
  const cases: [string, () => void, string][] = [
    ["malformed JSON", () => ws.sendRaw("{not json"), "invalid_request"],
    ["not an object", () => ws.sendRaw("42"), "invalid_request"],
    ["unknown type", () => ws.send({ type: "explode" }), "invalid_request"],
    ["missing field", () => ws.send({ type: "subscribe" }), "invalid_request"],
    [
      "invalid field",
      () => ws.send({ type: "cancel", thread_id: threadId, seq: "x" }),
      "invalid_request",
    ],
    [
      "unknown send field",
      () => ws.send({ type: "send", thread_id: threadId, content: "x", nope: 1 }),
      "invalid_request",
    ],
    ["foreign thread", () => ws.send({ type: "subscribe", thread_id: "thr_nope" }), "not_found"],
    [
      "unknown model",
      () => ws.send({ type: "send", thread_id: threadId, content: "x", model: "no/such" }),
      "validation_failed",
    ],
  ];
  for (const [name, send, code] of cases) {
    const error = await errorFor(ws, send);
    if (error.code !== code) throw new Error(`${name}: got ${error.code}`);
    await stillWorks(ws);
  }
  // Another tenant's thread is not_found, never forbidden.
  const other = await spool.createTenant();
  const stranger = await openWs(base, other);
  const error = await errorFor(stranger, () =>
    stranger.send({ type: "subscribe", thread_id: threadId }),
  );
  expect(error.code).toBe("not_found");
  stranger.close();
  // And the first socket can still run a turn.
  ws.send({
    type: "send",
    thread_id: threadId,
    model: "spool/echo",
    content: "[chunks=3] [delay_ms=0]",
  });
  expect((await ws.waitFor(isFinal)).type).toBe("message.completed");
  ws.close();
});

test("an oversized frame closes with 1009; a flood closes with 4008; the server stays up", async () => {
  const big = await openWs(base, spool.secretKey);
  big.sendRaw(JSON.stringify({ type: "ping", pad: "x".repeat(1024 * 1024 + 1) }));
  expect((await big.closed).code).toBe(1009);

  const flood = await openWs(base, spool.secretKey);
  for (let i = 0; i < 1000; i++) flood.send({ type: "ping" });
  expect((await flood.closed).code).toBe(4008);

  const healthy = await fetch(`${base}/healthz`);
  expect(healthy.status).toBe(200);
  const fresh = await openWs(base, spool.secretKey);
  await stillWorks(fresh);
  fresh.close();
});

test("a bad credential closes with 4001", async () => {
  const ws = await openWs(base, "sk_wrong");
  expect((await ws.closed).code).toBe(4001);
});
