// Branch operations under concurrency on three in-process nodes (real sockets, real Redis, one
// shared SQLite dir): sends with mixed parent_seq, forwarded to the owner from every node, keep
// seq gapless and every parent valid; a switch made through one node is what every node reads.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startCluster, type TestCluster } from "../support/cluster.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster(3, { LEASE_TTL_MS: "3000" });
});
afterAll(() => cluster.close());

type Msg = { seq: number; parent_seq: number | null; role: string; request_id: string | null };

async function json<T>(node: number, method: string, path: string, body?: unknown): Promise<T> {
  const response = await cluster.fetch(node, method, path, body);
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as T;
}

async function everything(threadId: string, node: number): Promise<Msg[]> {
  const out: Msg[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=200&branch=all&include=tools${cursor ? `&cursor=${cursor}` : ""}`;
    const page = await json<{ data: Msg[]; next_cursor: string | null }>(
      node,
      "GET",
      `/v1/threads/${threadId}/messages?${query}`,
    );
    out.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

test("100 concurrent sends with mixed parent_seq across 3 nodes: seq gapless, every parent valid", async () => {
  const { id } = await json<{ id: string }>(0, "POST", "/v1/threads", { end_user_id: "u-br" });
  for (let i = 0; i < 5; i++) {
    await json(i % 3, "POST", `/v1/threads/${id}/messages`, { content: `seed ${i}` });
  }
  const asked = new Map<string, number | null | undefined>();
  const sends = Array.from({ length: 100 }, (_, i) => {
    const requestId = `r${i}`;
    // A third continue the head, a third branch from a seed, a third start a new root or a turn.
    const parent = i % 3 === 0 ? undefined : i % 3 === 1 ? 1 + (i % 5) : i % 2 === 0 ? null : 3;
    asked.set(requestId, parent);
    const body = {
      content: `send ${i}`,
      request_id: requestId,
      ...(parent === undefined ? {} : { parent_seq: parent }),
      ...(i % 10 === 5 ? { model: "spool/echo" } : {}),
    };
    return cluster.fetch(i % 3, "POST", `/v1/threads/${id}/messages`, body);
  });
  const responses = await Promise.all(sends);
  expect(responses.map((r) => r.status).filter((s) => s >= 300)).toEqual([]);

  const turns = 10;
  const expected = 5 + 100 + turns;
  for (const node of [0, 1, 2]) {
    const all = await everything(id, node);
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
    for (const message of all) {
      if (message.parent_seq !== null) {
        expect(message.parent_seq).toBeGreaterThanOrEqual(1);
        expect(message.parent_seq).toBeLessThan(message.seq);
      }
      const wanted = message.role === "user" ? asked.get(message.request_id ?? "") : undefined;
      if (wanted !== undefined)
        expect([message.seq, message.parent_seq]).toEqual([message.seq, wanted]);
      // A turn's answer follows its own question.
      if (message.role === "assistant") {
        const question = all[message.parent_seq! - 1]!;
        expect(question.request_id).toBe(message.request_id);
      }
    }
  }
  const thread = await json<{ last_seq: number; head_seq: number }>(1, "GET", `/v1/threads/${id}`);
  expect(thread).toMatchObject({ last_seq: expected, head_seq: expected });

  // A switch made through one node is read by all of them, and the next send follows it.
  await json(2, "PATCH", `/v1/threads/${id}`, { head_seq: 3 });
  for (const node of [0, 1, 2]) {
    expect((await json<{ head_seq: number }>(node, "GET", `/v1/threads/${id}`)).head_seq).toBe(3);
  }
  const next = await json<{ user_message: Msg }>(1, "POST", `/v1/threads/${id}/messages`, {
    content: "after the switch",
  });
  expect(next.user_message).toMatchObject({ seq: expected + 1, parent_seq: 3 });
});
