// kill -9 of a Spool process in the middle of a stream, 20 cycles: after a restart with the same
// NODE_ID (takes the lease over at once) the client resumes with its cursor and gets every event
// exactly once; the interrupted message ends incomplete/interrupted, and the stored message equals
// what the client assembled from the stream (MessageAssembler, the server's own assembly path).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { MessageAssembler } from "../../src/domain/message-assembly.ts";
import type { LogEvent } from "../../src/protocol/events.ts";
import { type SpoolNode, startNode } from "../support/node-launcher.ts";
import { freshPrefix, testRedis } from "../support/redis.ts";
import { isFinal, openWs } from "../support/stream-client.ts";

const CYCLES = 20;
let node: SpoolNode;

beforeAll(async () => {
  const redis = await testRedis();
  node = await startNode({ redisUrl: redis.url, prefix: freshPrefix("crash"), leaseTtlMs: 5000 });
}, 30_000);
afterAll(() => node?.stop());

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${node.secretKey}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as T;
}

function seqOf(cursor: string): number {
  return Number(cursor.split(":")[0]);
}

/** A WS client following the thread from `after` (or from now). */
async function follow(threadId: string, after: string | null) {
  const ws = await openWs(node.url, node.secretKey);
  ws.send({ type: "subscribe", thread_id: threadId, ...(after ? { after } : {}) });
  return ws;
}

test(`kill -9 at a random chunk, ${CYCLES} cycles: 0 lost, 0 duplicated, stored = assembled`, async () => {
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const thread = await api<{ id: string }>("POST", "/v1/threads", { end_user_id: "u1" });
    const ws = await follow(thread.id, null);
    await ws.waitFor((f) => f.type === "subscribed");
    ws.send({
      type: "send",
      thread_id: thread.id,
      model: "spool/echo",
      content: "[chunks=400] [delay_ms=2]",
    });
    const killAt = 3 + Math.floor(Math.random() * 150);
    await ws.waitFor((f) => f.cursor === `2:${killAt}` && f.type !== "subscribed");
    await node.kill("SIGKILL");
    await ws.closed;
    const received = ws.frames.filter((f) => f.cursor && f.type !== "subscribed");
    const cursor = received.at(-1)!.cursor!;

    await node.restart();
    const again = await follow(thread.id, cursor);
    const final = await again.waitFor((f) => isFinal(f) && seqOf(f.cursor!) === 2);
    const resumed = again.frames.filter((f) => f.cursor && f.type !== "subscribed");
    again.close();

    const all = [...received, ...resumed];
    const assistant = all.filter((f) => seqOf(f.cursor!) === 2);
    // 0 lost, 0 duplicated: the assistant's offsets are exactly 0..n-1, in order.
    expect(assistant.map((f) => f.cursor)).toEqual(assistant.map((_, i) => `2:${i}`));
    expect(final.type).toBe("message.incomplete");
    const message = final.message as { status: string; stop_reason: string };
    expect([message.status, message.stop_reason]).toEqual(["incomplete", "interrupted"]);

    const assembler = new MessageAssembler();
    for (const f of assistant) assembler.apply(f as unknown as LogEvent);
    const stored = await api<{ content: unknown; status: string }>(
      "GET",
      `/v1/threads/${thread.id}/messages/2`,
    );
    expect(stored.status).toBe("incomplete");
    expect(stored.content).toEqual(assembler.message!.content);
    const text = (stored.content as { text: string }[])[0]!.text;
    expect(text.split(" ").length - 1).toBeGreaterThanOrEqual(killAt - 2);
  }
}, 120_000);
