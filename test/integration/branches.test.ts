// Branches (API.md "Branches and message operations"): regenerate, switch, edit, fork, import, on
// real Redis + SQLite + BullMQ; the model context of a turn is read off a fake upstream.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type FakeUpstream,
  startFakeUpstream,
  stop,
  text,
  usage,
} from "../support/fake-upstream.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { readSse } from "../support/sse.ts";

let fake: FakeUpstream;
let spool: TestSpool;
beforeAll(async () => {
  fake = await startFakeUpstream();
  spool = await startSpool({ COMPAT_PROVIDERS: "local", LOCAL_BASE_URL: fake.urls.openai });
});
afterAll(async () => {
  await spool.close();
  await fake.stop();
});

type Msg = {
  seq: number;
  parent_seq: number | null;
  children?: number[];
  role: string;
  status: string;
  content: { type: string; text?: string }[];
};
type Thread = { id: string; last_seq: number; head_seq: number | null };

async function newThread(endUser = "branch-user"): Promise<string> {
  const created = await spool.json("POST", "/v1/threads", { end_user_id: endUser });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function history(threadId: string, query = ""): Promise<Msg[]> {
  const out: Msg[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { data: Msg[]; next_cursor: string | null } } =
      await spool.json(
        "GET",
        `/v1/threads/${threadId}/messages?limit=200${query}${cursor ? `&cursor=${cursor}` : ""}`,
      );
    expect(page.status).toBe(200);
    out.push(...page.body.data);
    cursor = page.body.next_cursor;
  } while (cursor);
  return out;
}

async function thread(threadId: string): Promise<Thread> {
  return (await spool.json<Thread>("GET", `/v1/threads/${threadId}`)).body;
}

const textOf = (m: Msg) => m.content.map((b) => b.text ?? "").join("");

/** The texts the fake upstream got in its last chat request, in order. */
function lastContext(): string[] {
  const body = fake.requests("openai").at(-1)!.body as { messages: { content: unknown }[] };
  return body.messages.map((m) =>
    typeof m.content === "string" ? m.content : JSON.stringify(m.content),
  );
}

function answer(reply: string): void {
  fake.enqueue("openai", [text(reply), usage(10, 2), stop()]);
}

describe("regenerate and switch", () => {
  test("regenerate twice, then switch between the three answers", async () => {
    const id = await newThread();
    answer("first answer");
    const turn = await spool.json("POST", `/v1/threads/${id}/messages`, {
      content: "the question",
      model: "local/m",
    });
    expect(turn.status).toBe(200);
    answer("second answer");
    const again = await spool.json("POST", `/v1/threads/${id}/messages/2/regenerate`, {});
    expect(again.status).toBe(200);
    const second = (again.body as { assistant_message: Msg }).assistant_message;
    expect(second).toMatchObject({ seq: 3, parent_seq: 1, role: "assistant", status: "completed" });
    expect(textOf(second)).toBe("second answer");
    // The regenerated turn saw the question, not the first answer.
    expect(lastContext()).toEqual(["the question"]);
    answer("third answer");
    const third = await spool.json("POST", `/v1/threads/${id}/messages/3/regenerate`, {
      request_id: "regen-3",
    });
    expect((third.body as { assistant_message: Msg }).assistant_message.seq).toBe(4);

    expect((await thread(id)).head_seq).toBe(4);
    const active = await history(id);
    expect(active.map((m) => [m.seq, m.parent_seq])).toEqual([
      [1, null],
      [4, 1],
    ]);
    expect(active[0]!.children).toEqual([2, 3, 4]);
    const all = await history(id, "&branch=all");
    expect(all.map((m) => m.seq)).toEqual([1, 2, 3, 4]);

    for (const [head, reply] of [
      [2, "first answer"],
      [3, "second answer"],
      [4, "third answer"],
    ] as const) {
      const switched = await spool.json<Thread>("PATCH", `/v1/threads/${id}`, { head_seq: head });
      expect(switched.status).toBe(200);
      expect(switched.body.head_seq).toBe(head);
      const branch = await history(id);
      expect(branch.map((m) => m.seq)).toEqual([1, head]);
      expect(textOf(branch[1]!)).toBe(reply);
    }

    // A retry of the regenerate's request id is the same turn, not a fifth message.
    const retry = await spool.json("POST", `/v1/threads/${id}/messages/3/regenerate`, {
      request_id: "regen-3",
    });
    expect((retry.body as { assistant_message: Msg }).assistant_message.seq).toBe(4);
    expect((await thread(id)).last_seq).toBe(4);

    // After a switch the next send continues the chosen branch.
    await spool.json("PATCH", `/v1/threads/${id}`, { head_seq: 3 });
    answer("a follow-up answer");
    const next = await spool.json("POST", `/v1/threads/${id}/messages`, {
      content: "and then?",
      model: "local/m",
    });
    expect((next.body as { user_message: Msg }).user_message).toMatchObject({
      seq: 5,
      parent_seq: 3,
    });
    expect(lastContext()).toEqual(["the question", "second answer", "and then?"]);
  });

  test("bad branch operations get the API errors, and change nothing", async () => {
    const id = await newThread();
    await spool.json("POST", `/v1/threads/${id}/messages`, { content: "hi", model: "spool/echo" });
    const cases: [string, string, unknown, number][] = [
      ["PATCH", `/v1/threads/${id}`, { head_seq: 99 }, 422],
      ["PATCH", `/v1/threads/${id}`, { head_seq: 0 }, 422],
      ["PATCH", `/v1/threads/${id}`, { head_seq: "2" }, 422],
      ["PATCH", `/v1/threads/${id}`, {}, 422],
      ["POST", `/v1/threads/${id}/messages/1/regenerate`, {}, 400],
      ["POST", `/v1/threads/${id}/messages/9/regenerate`, {}, 404],
      ["POST", `/v1/threads/${id}/messages/x/regenerate`, {}, 400],
      ["POST", `/v1/threads/${id}/messages/2/regenerate`, { content: "x" }, 422],
      ["POST", `/v1/threads/${id}/messages`, { content: "x", parent_seq: 7 }, 422],
      ["POST", `/v1/threads/${id}/messages`, { content: "x", parent_seq: -1 }, 422],
      ["GET", `/v1/threads/${id}/messages?branch=some`, undefined, 400],
      ["POST", `/v1/threads/${id}/fork`, { at_seq: 50 }, 404],
    ];
    for (const [method, path, body, status] of cases) {
      const response = await spool.json(method, path, body);
      expect([method, path, response.status]).toEqual([method, path, status]);
      expect(response.body).toHaveProperty("error.code");
    }
    expect(await thread(id)).toMatchObject({ last_seq: 2, head_seq: 2 });
    // A cursor of one view is not a cursor of the other.
    const page = await spool.json<{ next_cursor: string }>(
      "GET",
      `/v1/threads/${id}/messages?limit=1&branch=all`,
    );
    const crossed = await spool.json(
      "GET",
      `/v1/threads/${id}/messages?limit=1&cursor=${page.body.next_cursor}`,
    );
    expect(crossed.status).toBe(400);
  });
});

describe("branches keep the send's guarantees", () => {
  test("a streamed regenerate: its events carry parent_seq, and it ends like a send's stream", async () => {
    const id = await newThread();
    await spool.json("POST", `/v1/threads/${id}/messages`, { content: "hi", model: "spool/echo" });
    const response = await spool.call("POST", `/v1/threads/${id}/messages/2/regenerate`, {
      stream: true,
    });
    expect(response.status).toBe(200);
    const events = await readSse(response, (e) => e.event === "message.completed");
    const created = events.find((e) => e.event === "message.created")!;
    expect(created.id).toBe("3:0");
    expect(created.data.message).toMatchObject({ seq: 3, parent_seq: 1, children: [] });
    expect(events.at(-1)!.data.message).toMatchObject({
      seq: 3,
      parent_seq: 1,
      status: "completed",
    });
  });

  test("request_id and if_last_seq hold for an edit as for any send", async () => {
    const id = await newThread();
    for (let i = 0; i < 3; i++)
      await spool.json("POST", `/v1/threads/${id}/messages`, { content: `m${i}` });
    const edit = { content: "m1, edited", parent_seq: 1, request_id: "edit-1" };
    const first = await spool.json<{ user_message: Msg }>(
      "POST",
      `/v1/threads/${id}/messages`,
      edit,
    );
    const retry = await spool.json<{ user_message: Msg }>(
      "POST",
      `/v1/threads/${id}/messages`,
      edit,
    );
    expect(first.status).toBe(201);
    expect(retry.body.user_message.seq).toBe(first.body.user_message.seq);
    const otherParent = await spool.json("POST", `/v1/threads/${id}/messages`, {
      ...edit,
      parent_seq: 2,
    });
    expect(otherParent.status).toBe(422);
    const stale = await spool.json("POST", `/v1/threads/${id}/messages`, {
      content: "late",
      parent_seq: 1,
      if_last_seq: 3,
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: { code: "seq_conflict", last_seq: 4 } });
    expect(await thread(id)).toMatchObject({ last_seq: 4, head_seq: 4 });
  });

  test("a switch while a turn runs is 409 thread_busy", async () => {
    const id = await newThread();
    await spool.json("POST", `/v1/threads/${id}/messages`, { content: "a", model: "spool/echo" });
    const slow = spool.call("POST", `/v1/threads/${id}/messages`, {
      content: "[chunks=40][delay_ms=25] slow",
      model: "spool/echo",
      stream: true,
    });
    const response = await slow;
    const reader = readSse(response, (e) => e.event === "block.delta");
    await reader;
    const busy = await spool.json("PATCH", `/v1/threads/${id}`, { head_seq: 2 });
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ error: { code: "thread_busy" } });
    await spool.json("POST", `/v1/threads/${id}/messages/4/cancel`);
    expect((await spool.json("PATCH", `/v1/threads/${id}`, { head_seq: 2 })).status).toBe(200);
  });
});

describe("edit", () => {
  test("editing a user message in the middle of a 50-message thread: the next turn sees the new branch only", async () => {
    const id = await newThread();
    const messages = Array.from({ length: 50 }, (_, i) => ({
      role: i % 2 === 0 ? "user" : "assistant",
      content: `turn ${i}`,
    }));
    const imported = await spool.json("POST", `/v1/threads/${id}/messages/import`, { messages });
    expect(imported.status).toBe(201);
    // Edit message 25 (a user message, "turn 24"): a new branch after its parent, 24.
    answer("answer to the edit");
    const edit = await spool.json("POST", `/v1/threads/${id}/messages`, {
      content: "turn 24, edited",
      model: "local/m",
      parent_seq: 24,
    });
    expect(edit.status).toBe(200);
    const sent = lastContext();
    expect(sent).toEqual([...messages.slice(0, 24).map((m) => m.content), "turn 24, edited"]);
    expect(sent.join(" ")).not.toContain("turn 30");

    const active = await history(id);
    expect(active.map((m) => m.seq)).toEqual([
      ...Array.from({ length: 24 }, (_, i) => i + 1),
      51,
      52,
    ]);
    expect(active[23]!.children).toEqual([25, 51]);
    expect((await thread(id)).head_seq).toBe(52);
    // The old branch is still there, whole.
    expect((await history(id, "&branch=all")).length).toBe(52);
  });
});

describe("fork and import", () => {
  test("fork at a seq: both threads go on independently", async () => {
    const id = await newThread("forker");
    for (let i = 0; i < 3; i++) {
      await spool.json("POST", `/v1/threads/${id}/messages`, {
        content: `q${i}`,
        model: "spool/echo",
      });
    }
    const forked = await spool.json<Thread & { end_user_id: string }>(
      "POST",
      `/v1/threads/${id}/fork`,
      { at_seq: 4 },
    );
    expect(forked.status).toBe(201);
    expect(forked.body).toMatchObject({ end_user_id: "forker", last_seq: 4, head_seq: 4 });
    const copy = await history(forked.body.id);
    const original = await history(id);
    expect(copy.map(textOf)).toEqual(original.slice(0, 4).map(textOf));
    expect(copy.map((m) => m.parent_seq)).toEqual([null, 1, 2, 3]);

    await spool.json("POST", `/v1/threads/${forked.body.id}/messages`, {
      content: "only in the fork",
      model: "spool/echo",
    });
    await spool.json("POST", `/v1/threads/${id}/messages`, { content: "only in the original" });
    const forkText = (await history(forked.body.id)).map(textOf).join(" ");
    const originalText = (await history(id)).map(textOf).join(" ");
    expect(forkText).toContain("only in the fork");
    expect(forkText).not.toContain("only in the original");
    expect(originalText).not.toContain("only in the fork");
    expect(originalText).toContain("q2");
    expect(forkText).not.toContain("q2");
  });

  test("import 1,000 messages of every role with timestamps: stored in order, searchable, in the next context", async () => {
    const id = await newThread("importer");
    const base = Date.UTC(2025, 0, 1);
    const messages = Array.from({ length: 1000 }, (_, i) => {
      const created_at = new Date(base + i * 60_000).toISOString();
      const kind = i % 4;
      if (kind === 0)
        return { role: "user", content: `question ${i} about walrus${i}`, created_at };
      if (kind === 1)
        return {
          role: "assistant",
          model: "openai/gpt-4o",
          usage: { input_tokens: 10, output_tokens: 5, estimated: false },
          content: [
            { type: "text", text: `calling a tool for ${i}` },
            { type: "tool_use", id: `call_${i}`, name: "lookup", input: { n: i } },
          ],
          created_at,
        };
      if (kind === 2)
        return {
          role: "tool",
          content: [{ type: "tool_result", tool_use_id: `call_${i - 1}`, content: `result ${i}` }],
          created_at,
        };
      return { role: "assistant", content: `answer ${i} mentions narwhal${i}`, created_at };
    });
    const imported = await spool.json<{ seqs: number[] }>(
      "POST",
      `/v1/threads/${id}/messages/import`,
      { messages },
    );
    expect(imported.status).toBe(201);
    expect(imported.body.seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));

    const all = await history(id, "&include=tools");
    expect(all.length).toBe(1000);
    expect(all[1]).toMatchObject({ role: "assistant", model: "openai/gpt-4o", parent_seq: 1 });
    expect(all[2]).toMatchObject({ role: "tool", parent_seq: 2 });
    expect((all[999] as unknown as { created_at: string }).created_at).toBe(
      new Date(base + 999 * 60_000).toISOString(),
    );

    // Searchable once persisted and indexed (the workers run in this process).
    const deadline = Date.now() + 30_000;
    let hits: { seq: number }[] = [];
    while (Date.now() < deadline) {
      const found = await spool.json<{ data: { seq: number }[] }>(
        "GET",
        `/v1/search?q=narwhal999&thread_id=${id}&semantic_ratio=0`,
      );
      hits = found.body.data ?? [];
      if (hits.length > 0) break;
      await Bun.sleep(200);
    }
    expect(hits.map((h) => h.seq)).toContain(1000);

    answer("after the import");
    await spool.json("POST", `/v1/threads/${id}/messages`, {
      content: "what came last?",
      model: "local/m",
    });
    expect(lastContext().at(-2)).toBe("answer 999 mentions narwhal999");
  });

  test("import is secret-key only and bounded", async () => {
    const id = await newThread("guarded");
    const token = (await spool.json("POST", "/v1/end_user_tokens", { end_user_id: "guarded" })).body
      .token as string;
    const asUser = await spool.json(
      "POST",
      `/v1/threads/${id}/messages/import`,
      { messages: [{ role: "assistant", content: "forged" }] },
      token,
    );
    expect(asUser.status).toBe(401);
    const tooMany = await spool.json("POST", `/v1/threads/${id}/messages/import`, {
      messages: Array.from({ length: 1001 }, () => ({ role: "user", content: "x" })),
    });
    expect(tooMany.status).toBe(422);
    const badTime = await spool.json("POST", `/v1/threads/${id}/messages/import`, {
      messages: [{ role: "user", content: "x", created_at: "yesterday-ish" }],
    });
    expect(badTime.status).toBe(422);
    const badParent = await spool.json("POST", `/v1/threads/${id}/messages/import`, {
      messages: [{ role: "user", content: "x", parent_seq: 5 }],
    });
    expect(badParent.status).toBe(422);
    expect((await thread(id)).last_seq).toBe(0);
  });
});
