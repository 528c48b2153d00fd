// Turns over real sockets: fan-out to 2 WS + 1 SSE subscribers, retries re-attaching to the same
// stream, on_busy queue / reject / interrupt, cancel, a disconnect that does not cancel, and
// read-your-writes of an in-progress message.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { type Frame, isFinal, openWs, readSse } from "../support/stream-client.ts";

let spool: TestSpool;
let base: string;

beforeAll(async () => {
  spool = await startSpool();
  base = `http://127.0.0.1:${(await spool.listen()).port}`;
});
afterAll(() => spool.close());

const headers = () => ({
  authorization: `Bearer ${spool.secretKey}`,
  "content-type": "application/json",
});

async function newThread(): Promise<string> {
  return (await spool.json("POST", "/v1/threads", { end_user_id: "u1" })).body.id as string;
}

function post(threadId: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${base}/v1/threads/${threadId}/messages`, {
    method: "POST",
    headers: headers(),
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

type Msg = { seq: number; status: string; stop_reason: string | null; content: { text: string }[] };

async function message(threadId: string, seq: number): Promise<Msg> {
  return (await spool.json("GET", `/v1/threads/${threadId}/messages/${seq}`))
    .body as unknown as Msg;
}

async function settled(threadId: string, seq: number): Promise<Msg> {
  for (let i = 0; i < 300; i++) {
    const m = await message(threadId, seq);
    if (m.status !== "in_progress") return m;
    await Bun.sleep(20);
  }
  throw new Error(`message ${seq} never settled`);
}

describe("turns", () => {
  test("2 WS + 1 SSE subscribers receive identical sequences", async () => {
    const threadId = await newThread();
    const a = await openWs(base, spool.secretKey);
    const b = await openWs(base, spool.secretKey);
    for (const ws of [a, b]) {
      ws.send({ type: "subscribe", thread_id: threadId });
      await ws.waitFor((f) => f.type === "subscribed");
    }
    const sse = fetch(`${base}/v1/threads/${threadId}/stream?token=${spool.secretKey}`).then((r) =>
      readSse(r, (e) => isFinal(e.data)),
    );
    await Bun.sleep(50); // let the SSE subscription register before the turn starts
    a.send({
      type: "send",
      thread_id: threadId,
      model: "spool/echo",
      content: "[chunks=200] [delay_ms=1]",
    });
    const events = (ws: typeof a) =>
      ws.waitFor(isFinal).then(() => ws.frames.filter((f) => f.cursor && f.type !== "subscribed"));
    const [fromA, fromB, fromSse] = await Promise.all([events(a), events(b), sse]);
    expect(fromA.length).toBe(1 + 204); // user message.created; created, start, 200 deltas, stop, completed
    expect(fromB).toEqual(fromA);
    expect(fromSse.map((e) => e.data)).toEqual(fromA);
    a.close();
    b.close();
  });

  test("a retry with the same request_id re-attaches to the same stream", async () => {
    const threadId = await newThread();
    const body = {
      content: "[chunks=60] [delay_ms=10]",
      model: "spool/echo",
      stream: true,
      request_id: "r1",
    };
    const first = readSse(await post(threadId, body), (e) => isFinal(e.data));
    await Bun.sleep(200); // mid-stream
    const second = await readSse(await post(threadId, body), (e) => isFinal(e.data));
    const original = await first;
    expect(second[0]!.id).toBe("1:0"); // replayed from its start
    expect(second.map((e) => e.data)).toEqual(original.map((e) => e.data));
    const page = await spool.json("GET", `/v1/threads/${threadId}/messages`);
    expect((page.body.data as unknown[]).length).toBe(2);
  });

  test("on_busy: queue runs after, reject is 409 thread_busy, interrupt cancels the running one", async () => {
    const threadId = await newThread();
    const slow = { content: "[chunks=100] [delay_ms=10]", model: "spool/echo" };
    const running = post(threadId, slow);
    await Bun.sleep(100);
    const rejected = await post(threadId, { ...slow, on_busy: "reject" });
    expect(rejected.status).toBe(409);
    expect(((await rejected.json()) as { error: { code: string } }).error.code).toBe("thread_busy");
    const queued = await post(threadId, {
      content: "[chunks=3] [delay_ms=0]",
      model: "spool/echo",
    });
    const q = (await queued.json()) as { user_message: Msg; assistant_message: Msg };
    expect(q.user_message.seq).toBe(3); // after the running turn's two messages
    expect((await settled(threadId, 2)).status).toBe("completed");
    expect((await (await running).json()) as object).toBeTruthy();

    const long = post(threadId, slow);
    await Bun.sleep(100);
    const interrupting = await post(threadId, {
      content: "[chunks=2] [delay_ms=0]",
      model: "spool/echo",
      on_busy: "interrupt",
    });
    expect(interrupting.status).toBe(200);
    const cut = await settled(threadId, 6);
    expect([cut.status, cut.stop_reason]).toEqual(["incomplete", "cancelled"]);
    await long;
    const after = (await interrupting.json()) as { assistant_message: Msg };
    expect(after.assistant_message.status).toBe("completed");
  });

  test("cancel ends a generation as incomplete/cancelled; a disconnect does not cancel", async () => {
    const threadId = await newThread();
    const abort = new AbortController();
    const response = await post(
      threadId,
      { content: "[chunks=40] [delay_ms=10]", model: "spool/echo", stream: true },
      abort.signal,
    );
    await readSse(response, (e) => e.id === "2:5", abort); // reads a few events, then drops
    const kept = await settled(threadId, 2);
    expect([kept.status, kept.content[0]!.text.split(" ").length - 1]).toEqual(["completed", 40]);

    void post(threadId, { content: "[chunks=500] [delay_ms=10]", model: "spool/echo" });
    await Bun.sleep(150);
    const cancel = await fetch(`${base}/v1/threads/${threadId}/messages/4/cancel`, {
      method: "POST",
      headers: headers(),
    });
    const cancelled = (await cancel.json()) as Msg;
    expect([cancelled.status, cancelled.stop_reason]).toEqual(["incomplete", "cancelled"]);
    expect(cancelled.content[0]!.text.length).toBeGreaterThan(0);
  });

  test("read-your-writes: an in-progress message shows its partial content", async () => {
    const threadId = await newThread();
    const ws = await openWs(base, spool.secretKey);
    ws.send({
      type: "send",
      thread_id: threadId,
      model: "spool/echo",
      content: "[chunks=100] [delay_ms=10]",
    });
    const delta = await ws.waitFor((f) => f.cursor === "2:20");
    expect(delta.type).toBe("block.delta");
    const partial = await message(threadId, 2);
    expect(partial.status).toBe("in_progress");
    const text = partial.content[0]!.text;
    // At least the 19 deltas this client already has (offsets 2..20), never more than were sent.
    expect(text.startsWith("w1 w2 w3 ")).toBe(true);
    expect(text.split(" ").length - 1).toBeGreaterThanOrEqual(19);
    const done = (await ws.waitFor(isFinal)) as Frame & { message: Msg };
    expect(done.message.content[0]!.text.startsWith(text)).toBe(true);
    ws.close();
  });
});
