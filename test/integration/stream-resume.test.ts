// Resuming a stream from a cursor: every offset of a 500-event message (SSE ?after=, SSE
// Last-Event-ID, WS subscribe after), cursors into later messages and past the end, and
// malformed cursors. Real Redis, real sockets for SSE and WebSocket.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BunServer } from "../../src/serve-bun.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { type Frame, openWs, readSse, type SseEvent } from "../support/stream-client.ts";

let spool: TestSpool;
let server: BunServer;
let base: string;
let threadId: string;
/** Every event of the thread: seq 1 (user), seq 2 (500 events), seq 3 (the sentinel user message). */
let all: Frame[];
/** 496 deltas + message.created, block.start, block.stop, message.completed = 500 events. */
const CHUNKS = 496;

function stream(query: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/v1/threads/${threadId}/stream${query}`, {
    headers: { authorization: `Bearer ${spool.secretKey}`, ...headers },
  });
}

const untilSentinel = (e: SseEvent) => e.data.cursor === "3:0";
const cursors = (frames: Frame[]) => frames.map((f) => f.cursor);

beforeAll(async () => {
  spool = await startSpool();
  server = await spool.listen();
  base = `http://127.0.0.1:${server.port}`;
  const created = await spool.json("POST", "/v1/threads", { end_user_id: "u1" });
  threadId = created.body.id as string;
  const send = await fetch(`${base}/v1/threads/${threadId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${spool.secretKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      content: `go [chunks=${CHUNKS}] [delay_ms=0]`,
      model: "spool/echo",
      stream: true,
    }),
  });
  const sent = await readSse(send, (e) => e.event === "message.completed");
  // The sentinel: a later message, so every resumed stream has a known last event.
  const appended = await spool.json("POST", `/v1/threads/${threadId}/messages`, { content: "end" });
  expect(appended.status).toBe(201);
  const sentinel = await readSse(await stream("?after=2:499"), untilSentinel);
  all = [...sent, ...sentinel].map((e) => e.data);
});
afterAll(() => spool.close());

describe("resume", () => {
  test("the send stream carries seq 1 and exactly 500 events of seq 2", () => {
    expect(all[0]!.cursor).toBe("1:0");
    const second = all.filter((f) => String(f.cursor).startsWith("2:"));
    expect(cursors(second)).toEqual(Array.from({ length: 500 }, (_, i) => `2:${i}`));
    expect(all.at(-1)!.cursor).toBe("3:0");
  });

  test("SSE resume at every offset of the 500-event message gives exactly the events after it", async () => {
    for (let offset = 0; offset < 500; offset++) {
      const cursor = `2:${offset}`;
      // Alternate the two ways a client passes its cursor.
      const response =
        offset % 2 === 0
          ? await stream(`?after=${cursor}`)
          : await stream("", { "last-event-id": cursor });
      expect(response.status).toBe(200);
      const got = await readSse(response, untilSentinel);
      const at = all.findIndex((f) => f.cursor === cursor);
      const want = all.slice(at + 1);
      if (got.length !== want.length) throw new Error(`offset ${offset}: ${got.length} events`);
      expect(got.map((e) => e.data)).toEqual(want);
      expect(got.map((e) => e.id)).toEqual(cursors(want) as string[]);
    }
  }, 60_000);

  test("WS subscribe after a cursor gives exactly the events after it", async () => {
    const ws = await openWs(base, spool.secretKey);
    for (const offset of [0, 1, 2, 250, 497, 498, 499]) {
      const from = ws.frames.length;
      ws.send({ type: "subscribe", thread_id: threadId, after: `2:${offset}` });
      await ws.waitFor((f) => f.cursor === "3:0" && f.type !== "subscribed", from);
      expect(ws.frames[from]).toMatchObject({ type: "subscribed", cursor: `2:${offset}` });
      const got = ws.frames.slice(from).filter((f) => f.type !== "subscribed");
      const at = all.findIndex((f) => f.cursor === `2:${offset}`);
      expect(got).toEqual(all.slice(at + 1));
    }
    ws.close();
  });

  test("a cursor in an earlier message follows into later messages", async () => {
    const got = await readSse(await stream("?after=1:0"), untilSentinel);
    expect(got.map((e) => e.data)).toEqual(all.slice(1));
  });

  test("a cursor beyond the end gets stream.reset with the current message", async () => {
    for (const cursor of ["99:0", "2:600"]) {
      const got = await readSse(
        await stream(`?after=${cursor}`),
        (e) => e.event === "stream.reset",
      );
      const reset = got.find((e) => e.event === "stream.reset");
      if (!reset) throw new Error(`no stream.reset for ${cursor}: ${got.map((e) => e.id)}`);
      expect(reset.data.reason).toBe("unknown_cursor");
      const message = reset.data.message as { seq: number; status: string };
      expect(message.status).toBe("completed");
      expect(message.seq).toBe(cursor === "99:0" ? 3 : 2);
    }
  });

  test("a malformed cursor is 400 invalid_cursor (SSE and WS)", async () => {
    for (const cursor of ["abc", "2", "2:-1", "2:x", ":", "1:99999999999999999"]) {
      const response = await stream(`?after=${encodeURIComponent(cursor)}`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string } };
      expect(body.error.code).toBe("invalid_cursor");
    }
    const bad = await stream("", { "last-event-id": "nope" });
    expect(bad.status).toBe(400);
    const ws = await openWs(base, spool.secretKey);
    ws.send({ type: "subscribe", thread_id: threadId, after: "nope" });
    const error = await ws.waitFor((f) => f.type === "error");
    expect(error.code).toBe("invalid_cursor");
    ws.close();
  });
});
