// GET /v1/threads/:id/export: NDJSON, the thread then every message in seq order (stored rows and
// the Redis tail merged, tool messages and deleted ones included), streamed page by page for a
// 6,000-message thread; scoped like every read.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { MessageRecord } from "../../src/domain/records.ts";
import { EXPORT_PAGE_MESSAGES } from "../../src/http/thread-export.ts";
import { messageRecord } from "../support/records.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

const STORED = 5_990;
const INSERT_BATCH = 500;

let spool: TestSpool;
let thread: string;
let tenantId: string;

beforeAll(async () => {
  spool = await startSpool();
  const created = await spool.json("POST", "/v1/threads", { end_user_id: "u1" });
  thread = created.body.id as string;
  tenantId = (await spool.runtime.services.tokens.authenticate(spool.secretKey)).tenantId;
  // An imported history straight into the store (before the hot tier knows the thread, so its
  // seq counter starts after it), every role: user, assistant with a tool call, tool result.
  const ref = { id: thread, tenant_id: tenantId };
  for (let from = 1; from <= STORED; from += INSERT_BATCH) {
    const batch: MessageRecord[] = [];
    for (let seq = from; seq < from + INSERT_BATCH && seq <= STORED; seq++) {
      batch.push(messageRecord(ref, seq, shapeOf(seq)));
    }
    await spool.runtime.services.store.upsertMessages(batch);
  }
  // Then live turns through the hot path, some of them still only in the Redis tail.
  for (let i = 0; i < 5; i++) {
    await spool.json("POST", `/v1/threads/${thread}/messages`, {
      content: `live ${i}`,
      model: "spool/echo",
    });
  }
  await spool.json("DELETE", `/v1/threads/${thread}/messages/2`);
  // A second answer to the last question: a branch the active view does not show.
  const regenerated = await spool.json(
    "POST",
    `/v1/threads/${thread}/messages/${STORED + 10}/regenerate`,
    {
      model: "spool/echo",
    },
  );
  expect(regenerated.status).toBe(200);
});
afterAll(() => spool.close());

function shapeOf(seq: number): Partial<MessageRecord> {
  const end = "end_user_id" as const;
  const base = { [end]: "u1" };
  if (seq % 3 === 1) return { ...base, role: "user" };
  if (seq % 3 === 2)
    return {
      ...base,
      role: "assistant",
      content: [
        { type: "text", text: `answer ${seq}` },
        { type: "tool_use", id: `call_${seq}`, name: "lookup", input: { q: seq } },
      ],
    };
  return {
    ...base,
    role: "tool",
    content: [
      { type: "tool_result", tool_use_id: `call_${seq - 1}`, content: "ok", is_error: false },
    ],
  };
}

async function lines(response: Response): Promise<Record<string, unknown>[]> {
  const text = await response.text();
  expect(text.endsWith("\n")).toBe(true);
  return text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("export", () => {
  test("the thread, then all 6,000 messages in seq order, in the wire shape", async () => {
    const started = performance.now();
    const response = await spool.call("GET", `/v1/threads/${thread}/export`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const [head, ...messages] = await lines(response);
    const elapsedMs = performance.now() - started;
    const total = STORED + 11;
    expect(head).toMatchObject({ id: thread, object: "thread", last_seq: total });
    expect(messages.length).toBe(total);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(messages.map((m) => m.role))).toEqual(new Set(["user", "assistant", "tool"]));
    expect(messages[1]).toMatchObject({ seq: 2, status: "deleted", content: [] });
    expect(messages[2]).toMatchObject({ role: "tool", content: [{ type: "tool_result" }] });
    expect((messages[4]!.content as { type: string }[])[1]).toMatchObject({ type: "tool_use" });
    // Wire shape: no internal field leaves the server.
    for (const key of ["tenant_id", "epoch", "rev", "last_offset"]) {
      expect(messages.some((m) => key in m)).toBe(false);
    }
    expect(messages[total - 1]).toMatchObject({ role: "assistant", status: "completed" });
    // Every branch: both answers to the last question, each linked to it.
    const question = STORED + 9;
    expect(messages[question - 1]!.children).toEqual([question + 1, question + 2]);
    expect(messages[total - 1]!.parent_seq).toBe(question);
    expect(elapsedMs).toBeLessThan(10_000);
  });

  test("streamed page by page: the first line comes before the later pages are read", async () => {
    const history = spool.runtime.services.history;
    const page = history.page.bind(history);
    let pages = 0;
    history.page = (query) => {
      pages++;
      return page(query);
    };
    try {
      const response = await spool.call("GET", `/v1/threads/${thread}/export`);
      const reader = response.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value).startsWith('{"id":')).toBe(true);
      expect(pages).toBeLessThanOrEqual(2);
      let rest = 0;
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        rest += chunk.value.length;
      }
      expect(rest).toBeGreaterThan(0);
      expect(pages).toBe(Math.ceil((STORED + 11) / EXPORT_PAGE_MESSAGES));
    } finally {
      history.page = page;
    }
  });

  test("scoped: end-user tokens export their own threads only; unknown and foreign are 404", async () => {
    const own = (await spool.json("POST", "/v1/end_user_tokens", { end_user_id: "u1" })).body
      .token as string;
    const other = (await spool.json("POST", "/v1/end_user_tokens", { end_user_id: "u2" })).body
      .token as string;
    const mine = await spool.call("GET", `/v1/threads/${thread}/export`, undefined, own);
    expect(mine.status).toBe(200);
    await mine.body?.cancel();
    for (const [path, key] of [
      [`/v1/threads/${thread}/export`, other],
      ["/v1/threads/thr_missing/export", spool.secretKey],
      [`/v1/threads/${thread}/export`, await spool.createTenant("foreign")],
    ] as const) {
      const response = await spool.json<{ error: { code: string } }>("GET", path, undefined, key);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("not_found");
    }
    expect((await spool.call("GET", `/v1/threads/${thread}/export`, undefined, "x")).status).toBe(
      401,
    );
  });
});

describe("export then import", () => {
  test("round-trips a thread with its branches and a deleted message exactly", async () => {
    const created = await spool.json("POST", "/v1/threads", { end_user_id: "u1" });
    const source = created.body.id as string;
    for (const text of ["first question", "second question"]) {
      await spool.json("POST", `/v1/threads/${source}/messages`, {
        content: text,
        model: "spool/echo",
      });
    }
    await spool.json("POST", `/v1/threads/${source}/messages/4/regenerate`, {
      model: "spool/echo",
    });
    await spool.json("POST", `/v1/threads/${source}/messages`, { content: "on the new branch" });
    await spool.json("DELETE", `/v1/threads/${source}/messages/1`); // a deleted one round-trips too
    // The token backfill settles first, so neither export races it (usage is part of "exactly");
    // a deleted message is never counted once deleted.
    const counted = (m: Record<string, unknown>) => m.usage !== null || m.status === "deleted";
    const deadline = Date.now() + 10_000;
    let original: Record<string, unknown>[] = [];
    for (;;) {
      [, ...original] = await lines(await spool.call("GET", `/v1/threads/${source}/export`));
      if (original.every(counted) || Date.now() > deadline) break;
      await Bun.sleep(50);
    }
    expect(original.length).toBe(6);
    expect(original.every(counted)).toBe(true);

    const target = (await spool.json("POST", "/v1/threads", { end_user_id: "u1" })).body
      .id as string;
    const fields = ["role", "content", "created_at", "completed_at", "model", "usage", "status"];
    const imported = await spool.json("POST", `/v1/threads/${target}/messages/import`, {
      messages: original.map((m) => ({
        ...Object.fromEntries(fields.map((f) => [f, m[f]])),
        stop_reason: m.stop_reason,
        parent_seq: m.parent_seq,
      })),
    });
    expect(imported.status).toBe(201);
    const [, ...copy] = await lines(await spool.call("GET", `/v1/threads/${target}/export`));
    const comparable = (m: Record<string, unknown>) => {
      const { id: _i, thread_id: _t, request_id: _r, ...rest } = m;
      return rest;
    };
    expect(copy.map(comparable)).toEqual(original.map(comparable));
    expect(copy[0]).toMatchObject({ status: "deleted", content: [] });
  });
});

describe("import of deleted messages", () => {
  test("empty content only with status deleted, 422 otherwise", async () => {
    const target = (await spool.json("POST", "/v1/threads", { end_user_id: "u1" })).body
      .id as string;
    const path = `/v1/threads/${target}/messages/import`;
    const bad = [
      { role: "user", content: [] },
      { role: "user", content: [], status: "completed" },
      { role: "user", content: "text", status: "deleted" },
    ];
    for (const message of bad) {
      const { status, body } = await spool.json<{ error: { code: string } }>("POST", path, {
        messages: [message],
      });
      expect([message, status, body.error.code]).toEqual([message, 422, "validation_failed"]);
    }
    const ok = await spool.json("POST", path, {
      messages: [{ role: "user", content: [], status: "deleted" }],
    });
    expect(ok.status).toBe(201);
  });
});
