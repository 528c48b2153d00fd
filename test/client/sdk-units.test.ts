// The SDK's pure parts: duplicate drop by position and stream.reset in ThreadState, the SSE
// reader on awkward chunking, backoff with full jitter and Retry-After, and typed errors from
// any error body (a proxy's HTML included).
import { describe, expect, test } from "bun:test";
import { backoffDelay, DEFAULT_RETRY } from "../../src/client/backoff.ts";
import { errorFromResponse, RateLimitedError, retryAfterMs } from "../../src/client/errors.ts";
import { Spool } from "../../src/client/index.ts";
import { readSseFrames } from "../../src/client/sse.ts";
import { ThreadState } from "../../src/client/thread-state.ts";
import type { StreamEvent } from "../../src/protocol/events.ts";
import type { Message } from "../../src/protocol/objects.ts";

const T = "thr_1";
function message(seq: number, text = "", status: Message["status"] = "in_progress"): Message {
  return {
    id: `msg_${seq}`,
    object: "message",
    thread_id: T,
    seq,
    parent_seq: null,
    children: [],
    role: "assistant",
    content: text ? [{ type: "text", text }] : [],
    status,
    model: "spool/echo",
    request_id: null,
    end_user_id: null,
    usage: null,
    stop_reason: null,
    error: null,
    created_at: "2026-12-01T00:00:00.000Z",
    completed_at: null,
  };
}
const created = (seq: number): StreamEvent => ({
  type: "message.created",
  thread_id: T,
  cursor: `${seq}:0`,
  message: message(seq),
});
const start = (seq: number): StreamEvent => ({
  type: "block.start",
  thread_id: T,
  cursor: `${seq}:1`,
  seq,
  index: 0,
  block: { type: "text", text: "" },
});
const delta = (seq: number, offset: number, text: string): StreamEvent => ({
  type: "block.delta",
  thread_id: T,
  cursor: `${seq}:${offset}`,
  seq,
  index: 0,
  delta: { type: "text_delta", text },
});

describe("ThreadState", () => {
  test("drops events at or before the last position; builds the message once", () => {
    const state = new ThreadState();
    const events = [created(2), start(2), delta(2, 2, "a"), delta(2, 3, "b")];
    expect(events.map((e) => state.accept(e))).toEqual([true, true, true, true]);
    // a reconnect replays an overlap: every repeated event is dropped
    expect(events.map((e) => state.accept(e))).toEqual([false, false, false, false]);
    expect(state.accept(delta(2, 4, "c"))).toBe(true);
    expect(state.message(2)?.content).toEqual([{ type: "text", text: "abc" }]);
    expect(state.cursor).toBe("2:4");
  });

  test("stream.reset replaces the message and moves the position to its cursor", () => {
    const state = new ThreadState();
    for (const e of [created(2), start(2), delta(2, 2, "lost?")]) state.accept(e);
    const reset: StreamEvent = {
      type: "stream.reset",
      thread_id: T,
      cursor: "2:1",
      seq: 2,
      message: message(2, "server says"),
      reason: "lost",
    };
    expect(state.accept(reset)).toBe(true);
    expect(state.message(2)?.content).toEqual([{ type: "text", text: "server says" }]);
    expect(state.accept(delta(2, 2, "!"))).toBe(true);
    expect(state.message(2)?.content).toEqual([{ type: "text", text: "server says!" }]);
  });

  test("a malformed cursor is refused, not applied", () => {
    const state = new ThreadState();
    expect(() => state.accept({ ...created(1), cursor: "nope" })).toThrow();
    expect(state.messages()).toEqual([]);
  });
});

describe("readSseFrames", () => {
  test("frames split anywhere, CRLF, comments, multi-line data", async () => {
    const text =
      ': hi\r\nretry: 1000\r\n\r\nevent: a\r\nid: 1:0\r\ndata: {"x":\r\ndata: 1}\r\n\r\nevent: ping\ndata: {}\n\n';
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.slice(i, i + 3));
        controller.close();
      },
    });
    const frames = [];
    for await (const frame of readSseFrames(body)) frames.push(frame);
    expect(frames).toEqual([
      { event: "a", id: "1:0", data: '{"x":\n1}' },
      { event: "ping", id: null, data: "{}" },
    ]);
  });
});

describe("backoff and errors", () => {
  test("full jitter stays within [0, min(cap, base * 2^n)]; Retry-After wins when longer", () => {
    expect(backoffDelay(0, DEFAULT_RETRY, null, () => 0.999)).toBeLessThan(250);
    expect(backoffDelay(20, DEFAULT_RETRY, null, () => 0.999)).toBeLessThan(8000);
    expect(backoffDelay(3, DEFAULT_RETRY, null, () => 0)).toBe(0);
    expect(backoffDelay(0, DEFAULT_RETRY, 3000, () => 0.5)).toBe(3000);
  });

  test("Retry-After in seconds or as a date", () => {
    expect(retryAfterMs("2")).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs("soon")).toBeNull();
  });

  test("typed errors from API bodies and from anything else", () => {
    const limited = errorFromResponse(
      429,
      { error: { type: "rate_limit_error", code: "rate_limited", message: "slow down" } },
      new Headers({ "retry-after": "7", "x-request-id": "r1" }),
    );
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited).toMatchObject({ code: "rate_limited", retryAfterMs: 7000, requestId: "r1" });
    expect(errorFromResponse(502, "<html>bad gateway</html>", new Headers())).toMatchObject({
      code: "internal_error",
      status: 502,
    });
    expect(
      errorFromResponse(
        409,
        { error: { code: "seq_conflict", message: "m", last_seq: 4 } },
        new Headers(),
      ).body,
    ).toMatchObject({ last_seq: 4 });
  });
});

describe("retry rules (a scripted fetch)", () => {
  function scripted(answers: Response[]) {
    const calls: { url: string; body: string | null }[] = [];
    const fetch = async (url: string, init: RequestInit) => {
      calls.push({ url, body: typeof init.body === "string" ? init.body : null });
      const next = answers.shift();
      if (!next) throw new TypeError("network down");
      return next;
    };
    return { calls, fetch };
  }
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });
  const retry = { baseDelayMs: 1, maxDelayMs: 5, maxRetries: 3 };

  test("429 waits for Retry-After and repeats the send with the same request_id", async () => {
    const { calls, fetch } = scripted([
      json(429, { error: { code: "rate_limited", message: "slow" } }, { "retry-after": "0" }),
      json(200, { user_message: { seq: 1 } }),
    ]);
    const sdk = new Spool({ baseUrl: "http://x", apiKey: "sk_1", fetch, retry });
    await sdk.messages.send("thr_1", { content: "hi", model: "spool/echo" });
    expect(calls).toHaveLength(2);
    const ids = calls.map((c) => JSON.parse(c.body!).request_id as string);
    expect(ids[0]).toMatch(/^req_[0-9a-f]{24}$/);
    expect(ids[1]).toBe(ids[0]!);
  });

  test("a create is not repeated after a network error; a read is", async () => {
    const down = scripted([]);
    const sdk = new Spool({ baseUrl: "http://x", apiKey: "sk_1", fetch: down.fetch, retry });
    expect(await sdk.threads.create({}).catch((e: { code: string }) => e.code)).toBe(
      "connection_error",
    );
    expect(down.calls).toHaveLength(1);
    const flaky = scripted([
      json(503, { error: { code: "unavailable", message: "drain" } }),
      json(200, { id: "thr_1" }),
    ]);
    const again = new Spool({ baseUrl: "http://x", apiKey: "sk_1", fetch: flaky.fetch, retry });
    expect((await again.threads.retrieve("thr_1")).id).toBe("thr_1");
    expect(flaky.calls).toHaveLength(2);
  });

  test("429 gives up after maxRetries with a RateLimitedError", async () => {
    const limited = () =>
      json(429, { error: { code: "rate_limited", message: "slow" } }, { "retry-after": "0" });
    const { fetch, calls } = scripted([limited(), limited(), limited(), limited(), limited()]);
    const sdk = new Spool({ baseUrl: "http://x", apiKey: "sk_1", fetch, retry });
    const error = await sdk.threads
      .list()
      .page()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(calls).toHaveLength(4);
  });
});

describe("follow of a thread that is not there", () => {
  test("ready rejects with not_found, error is emitted, status is closed", async () => {
    const fetch = async () =>
      new Response(JSON.stringify({ error: { code: "not_found", message: "No such thread." } }), {
        status: 404,
      });
    const sdk = new Spool({ baseUrl: "http://x", apiKey: "sk_1", fetch });
    const follow = sdk.threads.follow("thr_gone");
    const errors: string[] = [];
    follow.on("error", (e) => errors.push(e.code));
    expect(await follow.ready.catch((e: { code: string }) => e.code)).toBe("not_found");
    await Bun.sleep(0);
    expect(errors).toEqual(["not_found"]);
    expect(follow.status).toBe("closed");
  });
});
