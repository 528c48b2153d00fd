// Real frames conform to the protocol schemas that asyncapi.yaml is generated from: every frame a
// WebSocket gets during streamed turns (thinking, text, a client tool call, its result, a reset,
// pong, error, ack, subscribed) and every SSE event (`id:` equal to the event's cursor).
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { STREAM_EVENT_SCHEMAS, StreamEventSchema } from "../../src/protocol/events.ts";
import {
  AckFrameSchema,
  ErrorFrameSchema,
  PongFrameSchema,
  ServerFrameSchema,
  SubscribedFrameSchema,
} from "../../src/protocol/ws-frames.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { type Frame, openWs } from "../support/stream-client.ts";

let spool: TestSpool;
let base: string;

beforeAll(async () => {
  spool = await startSpool();
  base = `http://127.0.0.1:${(await spool.listen()).port}`;
});
afterAll(() => spool.close());

const CONTROL: Record<string, TSchema> = {
  subscribed: SubscribedFrameSchema,
  ack: AckFrameSchema,
  pong: PongFrameSchema,
  error: ErrorFrameSchema,
};

function conform(frame: Record<string, unknown>, schema: TSchema): void {
  const type = frame.type;
  if (Value.Check(schema, frame)) return;
  const errors = [...Value.Errors(schema, frame)].slice(0, 3).map((e) => `${e.path}: ${e.message}`);
  throw new Error(`${String(type)} frame does not conform: ${errors.join("; ")}`);
}

function checkServerFrame(frame: Frame): void {
  conform(frame, ServerFrameSchema);
  const type = frame.type;
  const specific = CONTROL[type] ?? STREAM_EVENT_SCHEMAS[type as keyof typeof STREAM_EVENT_SCHEMAS];
  expect(specific, `unknown frame type ${type}`).toBeDefined();
  conform(frame, specific!);
}

const TOOLS = [{ name: "lookup", input_schema: { type: "object" } }];

test("every WebSocket frame of streamed turns validates against the protocol schemas", async () => {
  const thread = (await spool.json("POST", "/v1/threads", { end_user_id: "u1" })).body;
  const threadId = thread.id as string;
  const ws = await openWs(base, spool.secretKey);
  ws.send({ type: "subscribe", thread_id: threadId });
  await ws.waitFor((f) => f.type === "subscribed");
  ws.send({
    type: "send",
    thread_id: threadId,
    content: '[think] look this up [tool:lookup {"q":"spool"}]',
    model: "spool/echo",
    tools: TOOLS,
    request_id: "frames-1",
  });
  const waiting = await ws.waitFor((f) => f.type === "tool.waiting");
  const toolUse = waiting.tool_use as { id: string };
  ws.send({ type: "tool_result", thread_id: threadId, tool_use_id: toolUse.id, content: "found" });
  await ws.waitFor((f) => f.type === "message.completed");
  ws.send({
    type: "send",
    thread_id: threadId,
    content: "again [chunks=4]",
    model: "spool/echo",
  });
  const ack = await ws.waitFor((f) => f.type === "ack" && f.request_id === null);
  await ws.waitFor(
    (f) =>
      f.type === "message.completed" && (f.message as { seq: number }).seq === ack.assistant_seq,
  );
  ws.send({ type: "ping" });
  await ws.waitFor((f) => f.type === "pong");
  ws.send({ type: "cancel", thread_id: threadId, seq: "x" });
  await ws.waitFor((f) => f.type === "error");
  // A cursor past the end of a finished message: the server says so with stream.reset.
  ws.send({ type: "subscribe", thread_id: threadId, after: "2:999999" });
  await ws.waitFor((f) => f.type === "stream.reset");
  ws.close();

  for (const frame of ws.frames) checkServerFrame(frame);
  const types = new Set(ws.frames.map((f) => f.type));
  for (const type of [
    "subscribed",
    "ack",
    "message.created",
    "block.start",
    "block.delta",
    "block.stop",
    "tool.waiting",
    "message.completed",
    "stream.reset",
    "pong",
    "error",
  ])
    expect(types.has(type), `no ${type} frame seen`).toBe(true);
  const deltas = ws.frames.filter((f) => f.type === "block.delta");
  const deltaTypes = new Set(deltas.map((f) => (f.delta as { type: string }).type));
  expect(deltaTypes.has("text_delta")).toBe(true);
  expect(deltaTypes.has("thinking_delta")).toBe(true);
});

interface RawSse {
  retry: string | null;
  events: { event: string; id: string | null; data: string }[];
}

async function readRawSse(response: Response, until: (event: string) => boolean): Promise<RawSse> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const out: RawSse = { retry: null, events: [] };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const chunk = await reader.read();
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      const fields: Record<string, string> = {};
      for (const line of block.split("\n")) {
        const colon = line.indexOf(": ");
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 2);
      }
      if (fields.retry !== undefined) out.retry = fields.retry;
      if (fields.event === undefined) continue;
      out.events.push({ event: fields.event, id: fields.id ?? null, data: fields.data ?? "" });
      if (until(fields.event)) {
        await reader.cancel();
        return out;
      }
    }
  }
  await reader.cancel();
  return out;
}

test("every SSE event validates, names its type on event: and its cursor on id:", async () => {
  const threadId = (await spool.json("POST", "/v1/threads", { end_user_id: "u2" })).body
    .id as string;
  const send = await fetch(`${base}/v1/threads/${threadId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${spool.secretKey}`, "content-type": "application/json" },
    body: JSON.stringify({ content: "[think] hi [chunks=5]", model: "spool/echo", stream: true }),
  });
  expect(send.status).toBe(200);
  expect(send.headers.get("content-type")).toStartWith("text/event-stream");
  const turn = await readRawSse(send, (e) => e === "message.completed");
  expect(turn.retry).toBe("1000");
  const replay = await fetch(`${base}/v1/threads/${threadId}/stream?after=2:999999`, {
    headers: { authorization: `Bearer ${spool.secretKey}` },
  });
  const reset = await readRawSse(replay, (e) => e === "stream.reset");
  const events = [...turn.events, ...reset.events];
  expect(events.map((e) => e.event)).toContain("stream.reset");
  for (const { event, id, data } of events) {
    const json = JSON.parse(data) as Record<string, unknown>;
    expect(json.type).toBe(event);
    expect(id).toBe(json.cursor as string);
    conform(json, StreamEventSchema);
    conform(json, STREAM_EVENT_SCHEMAS[event as keyof typeof STREAM_EVENT_SCHEMAS]);
  }
});
