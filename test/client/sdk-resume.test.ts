// The SDK against a real in-process Spool through a TCP proxy that cuts connections: a streamed
// turn cut three times mid-answer yields every event exactly once and in order, and
// finalMessage() equals the stored message; a send whose response is lost behind a 503 is
// retried with its request_id and makes one turn, not two; API errors arrive typed by code.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Spool } from "../../src/client/index.ts";
import type { StreamEvent } from "../../src/protocol/events.ts";
import type { BunServer } from "../../src/serve-bun.ts";
import { type CuttingProxy, startCuttingProxy } from "../support/cutting-proxy.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

let spool: TestSpool;
let server: BunServer;
let proxy: CuttingProxy;
let direct: Spool;
const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 200, maxRetries: 20 };

beforeAll(async () => {
  spool = await startSpool();
  server = await spool.listen();
  proxy = await startCuttingProxy(server.port);
  direct = new Spool({ baseUrl: `http://127.0.0.1:${server.port}`, apiKey: spool.secretKey });
});
afterAll(async () => {
  await proxy?.close();
  await spool?.close();
});

function viaProxy(): Spool {
  return new Spool({ baseUrl: proxy.url, apiKey: spool.secretKey, retry: FAST_RETRY });
}

function expectExactlyOnceInOrder(events: StreamEvent[]): void {
  const cursors = events.map((e) => e.cursor);
  expect(new Set(cursors).size).toBe(cursors.length);
  const bySeq = new Map<number, number[]>();
  for (const cursor of cursors) {
    const [seq, offset] = cursor.split(":").map(Number) as [number, number];
    bySeq.set(seq, [...(bySeq.get(seq) ?? []), offset]);
  }
  for (const offsets of bySeq.values()) expect(offsets).toEqual(offsets.map((_, i) => i));
  const seqs = cursors.map((c) => Number(c.split(":")[0]));
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
}

describe("TurnStream through a cutting proxy", () => {
  test("three cuts mid-answer: every event once, in order; finalMessage = stored", async () => {
    const sdk = viaProxy();
    const thread = await direct.threads.create({ end_user_id: "u1" });
    const stream = sdk.messages.stream(thread.id, {
      content: "go [chunks=60][delay_ms=15]",
      model: "spool/echo",
    });
    let deltas = 0;
    let cuts = 0;
    const resumed: string[] = [];
    stream.on("resumed", ({ cursor }) => resumed.push(cursor));
    stream.on("event", (event) => {
      if (event.type !== "block.delta") return;
      deltas++;
      if (deltas % 15 === 0 && cuts < 3) {
        cuts++;
        proxy.cut();
      }
    });
    let text = "";
    stream.on("text", (delta) => {
      text += delta;
    });
    const events: StreamEvent[] = [];
    for await (const event of stream) events.push(event);

    expect(cuts).toBe(3);
    expect(resumed.length).toBeGreaterThanOrEqual(3);
    expectExactlyOnceInOrder(events);
    expect(events.filter((e) => e.type === "block.delta")).toHaveLength(60);
    expect(events[0]?.type).toBe("message.created");
    expect(events.at(-1)?.type).toBe("message.completed");
    const final = await stream.finalMessage();
    const stored = await direct.messages.retrieve(thread.id, final.seq);
    expect(final).toEqual(stored);
    expect(stored.status).toBe("completed");
    expect(text).toBe(Array.from({ length: 60 }, (_, i) => `w${i + 1} `).join(""));
    // one turn: the user message and one answer
    expect(await direct.messages.list(thread.id).toArray()).toHaveLength(2);
  }, 30_000);

  test("cancel() stops the generation; the stream ends with message.incomplete", async () => {
    const sdk = viaProxy();
    const thread = await direct.threads.create({ end_user_id: "u1" });
    const stream = sdk.messages.stream(thread.id, {
      content: "[chunks=200][delay_ms=20]",
      model: "spool/echo",
    });
    stream.on("event", (event) => {
      if (event.type === "block.delta" && event.cursor.endsWith(":5")) void stream.cancel();
    });
    const final = await stream.finalMessage();
    expect(final.status).toBe("incomplete");
    expect(final.stop_reason).toBe("cancelled");
    expect(await direct.messages.retrieve(thread.id, final.seq)).toEqual(final);
  }, 30_000);
});

describe("follow over SSE through a cutting proxy", () => {
  test("cuts mid-answer: the live list ends equal to the stored thread, resumed each time", async () => {
    const sdk = viaProxy();
    const thread = await direct.threads.create({ end_user_id: "u1" });
    await direct.messages.send(thread.id, { content: "before" });
    const follow = sdk.threads.follow(thread.id);
    await follow.ready;
    const resumed: string[] = [];
    follow.on("resumed", ({ cursor }) => resumed.push(cursor));
    let deltas = 0;
    follow.on("event", (event) => {
      if (event.type === "block.delta" && ++deltas % 10 === 0 && deltas <= 30) proxy.cut();
    });
    const sent = direct.messages.send(thread.id, {
      content: "[chunks=50][delay_ms=15]",
      model: "spool/echo",
    });
    await sent;
    const deadline = Date.now() + 15_000;
    while (follow.messages.at(-1)?.status !== "completed" && Date.now() < deadline) {
      await Bun.sleep(20);
    }
    expect(resumed.length).toBeGreaterThanOrEqual(3);
    const stored = await direct.messages.list(thread.id, { include: "tools" }).toArray();
    expect(follow.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(follow.messages[2]).toEqual(stored[2]!);
    // from history; its usage is filled in later by the server with no event, so leave it out
    expect({ ...follow.messages[0]!, usage: null }).toEqual({ ...stored[0]!, usage: null });
    follow.close();
    expect(follow.status).toBe("closed");
  }, 30_000);
});

describe("idempotent retries", () => {
  test("send after a 503 before the response: retried with its request_id, one turn", async () => {
    const sdk = viaProxy();
    const thread = await direct.threads.create({ end_user_id: "u1" });
    const before = proxy.swallowed;
    proxy.swallowNextResponse();
    const result = await sdk.messages.send(thread.id, { content: "hello", model: "spool/echo" });
    expect(proxy.swallowed - before).toBe(1);
    expect(result.assistant_message?.status).toBe("completed");
    const all = await direct.messages.list(thread.id).toArray();
    expect(all.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(all[0]?.request_id).toBe(result.user_message.request_id);
  }, 30_000);

  test("stream after a 503 before the response: one turn, events once", async () => {
    const sdk = viaProxy();
    const thread = await direct.threads.create({ end_user_id: "u1" });
    const before = proxy.swallowed;
    proxy.swallowNextResponse();
    const stream = sdk.messages.stream(thread.id, {
      content: "[chunks=20][delay_ms=5]",
      model: "spool/echo",
    });
    const events: StreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(proxy.swallowed - before).toBe(1);
    expectExactlyOnceInOrder(events);
    expect(events[0]?.cursor).toBe("1:0");
    expect((await stream.finalMessage()).status).toBe("completed");
    expect(await direct.messages.list(thread.id).toArray()).toHaveLength(2);
  }, 30_000);
});

describe("typed errors", () => {
  test("404, 422 and 401 arrive as their codes and classes", async () => {
    const sdk = viaProxy();
    const missing = await sdk.threads.retrieve("thr_nope").catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: "not_found", status: 404, name: "NotFoundError" });
    const thread = await direct.threads.create({ end_user_id: "u1" });
    const invalid = await sdk.messages
      .send(thread.id, { content: "x", model: "spool/echo", temperature: 9 })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: "validation_failed", status: 422 });
    const bad = new Spool({ baseUrl: proxy.url, apiKey: "sk_wrong" });
    expect(await bad.threads.retrieve(thread.id).catch((e: unknown) => e)).toMatchObject({
      code: "unauthorized",
      name: "AuthenticationError",
    });
  });

  test("a token source is asked again once after a 401", async () => {
    const good = (await direct.endUserTokens.create({ end_user_id: "u2" })).token;
    const handed: string[] = [];
    const sdk = new Spool({
      baseUrl: proxy.url,
      token: () => {
        const token = handed.length === 0 ? "eut_expired" : good;
        handed.push(token);
        return token;
      },
    });
    const thread = await sdk.threads.create({});
    expect(thread.end_user_id).toBe("u2");
    expect(handed).toEqual(["eut_expired", good]);
  });

  test("lists iterate over every page", async () => {
    const thread = await direct.threads.create({ end_user_id: "pages" });
    for (let i = 0; i < 5; i++) await direct.messages.send(thread.id, { content: `m${i}` });
    const seqs: number[] = [];
    for await (const message of direct.messages.list(thread.id, { limit: 2 }))
      seqs.push(message.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
  });
});
