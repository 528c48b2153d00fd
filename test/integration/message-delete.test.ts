// DELETE /v1/threads/:id/messages/:seq: the text leaves history, the one-message read, search, the
// SSE replay (ring and checkpoint), the Redis tail and log, and the stored row at once; seq and
// usage stay; later model contexts leave the message out; the owner erases it whichever node took
// the request; the running message is 409; hostile input is a 4xx, never a 500.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startCluster, type TestCluster } from "../support/cluster.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { readSse } from "../support/sse.ts";

const SECRET = "hunter2swordfish7731";
const ECHO = "spool/echo";
const FROM_START = "0:9007199254740991";

type Msg = {
  seq: number;
  status: string;
  content: unknown[];
  usage: { input_tokens: number; output_tokens: number } | null;
};

let spool: TestSpool;
beforeAll(async () => {
  spool = await startSpool();
});
afterAll(() => spool.close());

async function newThread(key = spool.secretKey, endUser = "u1"): Promise<string> {
  const { body } = await spool.json("POST", "/v1/threads", { end_user_id: endUser }, key);
  return body.id as string;
}

async function searchHits(q: string): Promise<{ seq: number; thread_id: string }[]> {
  const { body } = await spool.json<{ data: { seq: number; thread_id: string }[] }>(
    "GET",
    `/v1/search?q=${q}&semantic_ratio=0`,
  );
  return body.data;
}

async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await Bun.sleep(50);
  }
}

describe("delete one message", () => {
  test("neither history, the message, search, SSE replay, the tail nor the row keeps the text", async () => {
    const thread = await newThread();
    const sent = await spool.json<{ assistant_message: Msg }>(
      "POST",
      `/v1/threads/${thread}/messages`,
      { content: `my vault code is ${SECRET} remember it`, model: ECHO },
    );
    expect(sent.status).toBe(200);
    const usageBefore = sent.body.assistant_message.usage;
    await eventually(async () => (await searchHits(SECRET)).length >= 2, "indexed");
    // A replay read from memory before the delete fills the ring with the text.
    const before = await readSse(
      await spool.call("GET", `/v1/threads/${thread}/stream?after=${FROM_START}`),
      (e) => e.event === "message.completed",
    );
    expect(JSON.stringify(before)).toContain(SECRET);

    for (const seq of [1, 2]) {
      const { status, body } = await spool.json<Msg>(
        "DELETE",
        `/v1/threads/${thread}/messages/${seq}`,
      );
      expect(status).toBe(200);
      expect(body).toMatchObject({ seq, status: "deleted", content: [] });
    }
    expect(await searchHits(SECRET)).toEqual([]); // at once, no waiting for a worker
    const { store, checkpoint } = spool.runtime.services;
    for (const seq of [1, 2]) {
      const row = await store.getMessage(thread, seq);
      expect(row).toMatchObject({ status: "deleted", content: [] });
      expect(await checkpoint.readEvents(thread, seq, 0)).toBeNull();
      expect(JSON.stringify(await checkpoint.readTailMessage(thread, seq))).not.toContain(SECRET);
    }
    const history = await spool.json<{ data: Msg[] }>(
      "GET",
      `/v1/threads/${thread}/messages?include=tools`,
    );
    expect(history.body.data.map((m) => [m.seq, m.status])).toEqual([
      [1, "deleted"],
      [2, "deleted"],
    ]);
    expect(history.body.data[1]!.usage).toEqual(usageBefore); // usage kept
    const one = await spool.json("GET", `/v1/threads/${thread}/messages/2`);
    expect(JSON.stringify([history.body, one.body])).not.toContain(SECRET);
    const replay = await readSse(
      await spool.call("GET", `/v1/threads/${thread}/stream?after=${FROM_START}`),
      (_e, all) => all.filter((e) => e.event === "stream.reset").length === 2,
    );
    expect(replay.map((e) => [e.event, (e.data as { seq: number }).seq])).toEqual([
      ["stream.reset", 1],
      ["stream.reset", 2],
    ]);
    expect(JSON.stringify(replay)).not.toContain(SECRET);
    // Jobs of the older versions may still run: none of them brings the text back.
    await Bun.sleep(1500);
    expect(await searchHits(SECRET)).toEqual([]);
    expect(JSON.stringify(await store.getMessage(thread, 1))).not.toContain(SECRET);
  });

  test("later model contexts leave the deleted message out", async () => {
    const thread = await newThread();
    const filler = `${"lorem ipsum dolor sit amet ".repeat(200)}`;
    await spool.json("POST", `/v1/threads/${thread}/messages`, { content: filler });
    const first = await spool.json<{ assistant_message: Msg }>(
      "POST",
      `/v1/threads/${thread}/messages`,
      { content: "hi", model: ECHO },
    );
    await spool.json("DELETE", `/v1/threads/${thread}/messages/1`);
    const second = await spool.json<{ assistant_message: Msg }>(
      "POST",
      `/v1/threads/${thread}/messages`,
      { content: "hi", model: ECHO },
    );
    const withFiller = first.body.assistant_message.usage!.input_tokens;
    const without = second.body.assistant_message.usage!.input_tokens;
    expect(withFiller).toBeGreaterThan(500);
    expect(without).toBeLessThan(50);
  });

  test("a second delete returns the same deleted message (idempotent)", async () => {
    const thread = await newThread();
    await spool.json("POST", `/v1/threads/${thread}/messages`, { content: "once" });
    const first = await spool.json("DELETE", `/v1/threads/${thread}/messages/1`);
    const again = await spool.json("DELETE", `/v1/threads/${thread}/messages/1`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const { body } = await spool.json<{ last_seq: number }>("GET", `/v1/threads/${thread}`);
    expect(body.last_seq).toBe(1); // seq kept: order holds
  });

  test("the message being generated is 409 thread_busy; a settled one goes meanwhile", async () => {
    const thread = await newThread();
    const streaming = await spool.call("POST", `/v1/threads/${thread}/messages`, {
      content: `${SECRET} [chunks=400] [delay_ms=10]`,
      model: ECHO,
      stream: true,
    });
    const busy = await spool.json<{ error: { code: string } }>(
      "DELETE",
      `/v1/threads/${thread}/messages/2`,
    );
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe("thread_busy");
    const settled = await spool.json<Msg>("DELETE", `/v1/threads/${thread}/messages/1`);
    expect(settled.status).toBe(200);
    expect(settled.body.status).toBe("deleted");
    await spool.json("POST", `/v1/threads/${thread}/messages/2/cancel`);
    await streaming.body?.cancel();
    const after = await spool.json<Msg>("DELETE", `/v1/threads/${thread}/messages/2`);
    expect(after.body.status).toBe("deleted");
  });

  test("hostile seqs and threads are 4xx with the API error, never a 500", async () => {
    const thread = await newThread();
    await spool.json("POST", `/v1/threads/${thread}/messages`, { content: "x" });
    const cases: [string, number, string][] = [
      [`/v1/threads/${thread}/messages/0`, 400, "invalid_request"],
      [`/v1/threads/${thread}/messages/-1`, 400, "invalid_request"],
      [`/v1/threads/${thread}/messages/abc`, 400, "invalid_request"],
      [`/v1/threads/${thread}/messages/1e309`, 400, "invalid_request"],
      [`/v1/threads/${thread}/messages/2`, 404, "not_found"],
      [`/v1/threads/${thread}/messages/900719925474099`, 404, "not_found"],
      ["/v1/threads/thr_nope/messages/1", 404, "not_found"],
      [`/v1/threads/${thread}%00/messages/1`, 404, "not_found"],
    ];
    for (const [path, status, code] of cases) {
      const response = await spool.json<{ error: { code: string } }>("DELETE", path);
      expect([path, response.status, response.body.error?.code]).toEqual([path, status, code]);
    }
    const other = await spool.createTenant("other");
    const foreign = await spool.json(
      "DELETE",
      `/v1/threads/${thread}/messages/1`,
      undefined,
      other,
    );
    expect(foreign.status).toBe(404);
    const unauthorized = await spool.call(
      "DELETE",
      `/v1/threads/${thread}/messages/1`,
      undefined,
      "",
    );
    expect(unauthorized.status).toBe(401);
  });

  test("an end-user token erases in its own threads only", async () => {
    const mine = await newThread(spool.secretKey, "eu-a");
    const theirs = await newThread(spool.secretKey, "eu-b");
    for (const t of [mine, theirs]) {
      await spool.json("POST", `/v1/threads/${t}/messages`, { content: SECRET });
    }
    const token = (await spool.json("POST", "/v1/end_user_tokens", { end_user_id: "eu-a" })).body
      .token as string;
    const refused = await spool.json(
      "DELETE",
      `/v1/threads/${theirs}/messages/1`,
      undefined,
      token,
    );
    expect(refused.status).toBe(404);
    const kept = await spool.json<Msg>("GET", `/v1/threads/${theirs}/messages/1`);
    expect(kept.body.status).toBe("completed");
    const done = await spool.json<Msg>(
      "DELETE",
      `/v1/threads/${mine}/messages/1`,
      undefined,
      token,
    );
    expect(done.status).toBe(200);
    expect(done.body.status).toBe("deleted");
  });
});

describe("delete one message across nodes", () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster(2);
  });
  afterAll(() => cluster.close());

  test("a node that is not the owner forwards the delete to the owner", async () => {
    const created = await (
      await cluster.fetch(0, "POST", "/v1/threads", { end_user_id: "u1" })
    ).json();
    const thread = created.id as string;
    const sent = await cluster.fetch(0, "POST", `/v1/threads/${thread}/messages`, {
      content: `remember ${SECRET}`,
      model: ECHO,
    });
    expect(sent.status).toBe(200);
    expect(cluster.nodes[0]!.spool.runtime.services.host.local(thread)).toBeDefined();
    const deleted = await cluster.fetch(1, "DELETE", `/v1/threads/${thread}/messages/1`);
    expect(deleted.status).toBe(200);
    expect(((await deleted.json()) as Msg).status).toBe("deleted");
    // It ran on the owner: node 1 took no lease and made no actor.
    expect(cluster.nodes[1]!.spool.runtime.services.host.local(thread)).toBeUndefined();
    for (const i of [0, 1]) {
      const one = (await (
        await cluster.fetch(i, "GET", `/v1/threads/${thread}/messages/1`)
      ).json()) as Msg;
      expect(one).toMatchObject({ status: "deleted", content: [] });
    }
    const row = await cluster.nodes[1]!.spool.runtime.services.store.getMessage(thread, 1);
    expect(JSON.stringify(row)).not.toContain(SECRET);
    const again = await cluster.fetch(1, "DELETE", `/v1/threads/${thread}/messages/1`);
    expect(again.status).toBe(200);
    const busy = await cluster.fetch(1, "DELETE", `/v1/threads/${thread}/messages/3`);
    expect(busy.status).toBe(404);
  });
});
