// The foundation's write and read path on real Redis + SQLite + BullMQ: seq under concurrency,
// idempotent retries, compare-and-append, keyset history over a large thread.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startSpool, type TestSpool } from "../support/spool.ts";

let spool: TestSpool;
beforeAll(async () => {
  spool = await startSpool();
});
afterAll(() => spool.close());

async function newThread(endUser = "u1"): Promise<string> {
  const { status, body } = await spool.json("POST", "/v1/threads", { end_user_id: endUser });
  expect(status).toBe(201);
  return body.id as string;
}

type Msg = { seq: number; content: { text: string }[]; request_id: string | null };

async function allMessages(
  threadId: string,
  order: "asc" | "desc",
  limit = 50,
  between?: () => Promise<void>,
) {
  const seen: Msg[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=${limit}&order=${order}${cursor ? `&cursor=${cursor}` : ""}`;
    const page: { status: number; body: { data: Msg[]; next_cursor: string | null } } =
      await spool.json("GET", `/v1/threads/${threadId}/messages?${query}`);
    expect(page.status).toBe(200);
    seen.push(...page.body.data);
    cursor = page.body.next_cursor;
    if (between) await between();
  } while (cursor);
  return seen;
}

describe("append", () => {
  test("200 concurrent appends to one thread get seq 1..200 with no gap or duplicate", async () => {
    const threadId = await newThread();
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        spool.json("POST", `/v1/threads/${threadId}/messages`, { content: `m${i}` }),
      ),
    );
    expect(responses.every((r) => r.status === 201)).toBe(true);
    const seqs = responses.map((r) => (r.body.user_message as Msg).seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const stored = await allMessages(threadId, "asc", 200);
    expect(stored.map((m) => m.seq)).toEqual(seqs);
    const thread = await spool.json("GET", `/v1/threads/${threadId}`);
    expect(thread.body.last_seq).toBe(200);
  });

  test("1,000 retries of one request_id produce one message", async () => {
    const threadId = await newThread();
    const body = { content: "pay the invoice", request_id: "req-1" };
    const responses = await Promise.all(
      Array.from({ length: 1000 }, () =>
        spool.json("POST", `/v1/threads/${threadId}/messages`, body),
      ),
    );
    const ids = new Set(responses.map((r) => (r.body.user_message as { id: string }).id));
    expect(responses.every((r) => r.status === 201)).toBe(true);
    expect(ids.size).toBe(1);
    const stored = await allMessages(threadId, "asc");
    expect(stored.length).toBe(1);
    expect(stored[0]!.request_id).toBe("req-1");
  });

  test("Idempotency-Key header is the same as request_id", async () => {
    const threadId = await newThread();
    const first = await spool.call(
      "POST",
      `/v1/threads/${threadId}/messages`,
      { content: "x" },
      undefined,
      {
        "idempotency-key": "hdr-1",
      },
    );
    const second = await spool.json("POST", `/v1/threads/${threadId}/messages`, {
      content: "x",
      request_id: "hdr-1",
    });
    expect(((await first.json()) as { user_message: Msg }).user_message.seq).toBe(1);
    expect((second.body.user_message as Msg).seq).toBe(1);
  });

  test("the same request_id with a different body is 422 idempotency_key_mismatch", async () => {
    const threadId = await newThread();
    await spool.json("POST", `/v1/threads/${threadId}/messages`, { content: "a", request_id: "r" });
    const { status, body } = await spool.json("POST", `/v1/threads/${threadId}/messages`, {
      content: "b",
      request_id: "r",
    });
    expect(status).toBe(422);
    expect((body.error as { code: string }).code).toBe("idempotency_key_mismatch");
    expect((await allMessages(threadId, "asc")).length).toBe(1);
  });

  test("if_last_seq appends only when the thread has not moved on", async () => {
    const threadId = await newThread();
    const ok = await spool.json("POST", `/v1/threads/${threadId}/messages`, {
      content: "a",
      if_last_seq: 0,
    });
    expect(ok.status).toBe(201);
    const conflict = await spool.json("POST", `/v1/threads/${threadId}/messages`, {
      content: "b",
      if_last_seq: 0,
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({ code: "seq_conflict", last_seq: 1 });
  });

  test("an acknowledged message is readable at once and reaches the store through the worker", async () => {
    const threadId = await newThread();
    const sent = await spool.json("POST", `/v1/threads/${threadId}/messages`, { content: "now" });
    const read = await spool.json("GET", `/v1/threads/${threadId}/messages/1`);
    expect(read.body.id).toBe((sent.body.user_message as { id: string }).id);
    const deadline = Date.now() + 5000;
    while (!(await spool.runtime.services.store.getMessage(threadId, 1)) && Date.now() < deadline)
      await Bun.sleep(20);
    expect((await spool.runtime.services.store.getMessage(threadId, 1))?.content).toEqual([
      { type: "text", text: "now" },
    ]);
    while (
      (await spool.runtime.services.checkpoint.readTail(threadId)).length > 0 &&
      Date.now() < deadline
    )
      await Bun.sleep(20);
    expect(await spool.runtime.services.checkpoint.readTail(threadId)).toEqual([]);
  });
});

describe("history", () => {
  let threadId: string;
  beforeAll(async () => {
    threadId = await newThread();
    for (let i = 0; i < 6000; i += 200) {
      await Promise.all(
        Array.from({ length: 200 }, (_, j) =>
          spool.json("POST", `/v1/threads/${threadId}/messages`, { content: `m${i + j}` }),
        ),
      );
    }
  }, 120_000);

  test("paging a 6,000-message thread returns every message exactly once, both orders", async () => {
    const asc = await allMessages(threadId, "asc");
    expect(asc.map((m) => m.seq)).toEqual(Array.from({ length: 6000 }, (_, i) => i + 1));
    const desc = await allMessages(threadId, "desc", 200);
    expect(desc.map((m) => m.seq)).toEqual(Array.from({ length: 6000 }, (_, i) => 6000 - i));
  });

  test("paging stays exact while messages are appended between pages", async () => {
    const busy = await newThread();
    for (let i = 0; i < 300; i++)
      await spool.json("POST", `/v1/threads/${busy}/messages`, { content: `m${i}` });
    let added = 0;
    const seen = await allMessages(busy, "asc", 50, async () => {
      await spool.json("POST", `/v1/threads/${busy}/messages`, { content: `late${added++}` });
    });
    const seqs = seen.map((m) => m.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBeGreaterThanOrEqual(300);
  });

  test("limit outside 1..200 and a bad order are 400 invalid_request", async () => {
    for (const query of ["limit=0", "limit=201", "limit=abc", "order=up", "include=everything"]) {
      const { status, body } = await spool.json("GET", `/v1/threads/${threadId}/messages?${query}`);
      expect(status).toBe(400);
      expect((body.error as { code: string }).code).toBe("invalid_request");
    }
  });

  test("malformed, tampered and foreign cursors are 400 invalid_cursor", async () => {
    const page = await spool.json("GET", `/v1/threads/${threadId}/messages?limit=5`);
    const cursor = page.body.next_cursor as string;
    const [payload, mac] = cursor.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ s: 4000, _k: "messages:asc:" })).toString(
      "base64url",
    );
    const other = await newThread();
    const otherCursor = (await spool.json("GET", `/v1/threads/${other}/messages?limit=1`)).body
      .next_cursor;
    expect(otherCursor).toBeNull();
    for (let i = 0; i < 3; i++)
      await spool.json("POST", `/v1/threads/${other}/messages`, { content: "x" });
    const foreign = (await spool.json("GET", `/v1/threads/${other}/messages?limit=1`)).body
      .next_cursor as string;
    const descCursor = (
      await spool.json("GET", `/v1/threads/${threadId}/messages?limit=1&order=desc`)
    ).body.next_cursor as string;
    const bad = [
      "garbage",
      `${payload}.`,
      `${forged}.${mac}`,
      `${payload}x.${mac}`,
      foreign,
      descCursor,
      "a".repeat(2000),
    ];
    for (const candidate of bad) {
      const { status, body } = await spool.json(
        "GET",
        `/v1/threads/${threadId}/messages?limit=5&cursor=${encodeURIComponent(candidate)}`,
      );
      expect(status).toBe(400);
      expect((body.error as { code: string }).code).toBe("invalid_cursor");
    }
  });
});
