// GET /v1/search over HTTP: tenant and end-user isolation for every combination, the thread
// route, cursor pages, deletes visible at once. Documents are indexed through the search port the
// way the embed worker does (messageToSearchDocuments + the configured embedder).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { messageToSearchDocuments } from "../../src/domain/search-documents.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

let spool: TestSpool;
const keys: Record<string, string> = {};
const threads: Record<string, string> = {};
const threadOf = (name: string): string => threads[name] ?? "missing";

async function indexThread(threadId: string): Promise<void> {
  const { search, embedder, history } = spool.runtime.services;
  const records = await history.all(threadId);
  const docs = records.flatMap((r) => messageToSearchDocuments(r));
  const vectors = await embedder.embed(docs.map((d) => d.text));
  await search.index(docs.map((d, i) => ({ ...d, vector: vectors[i] ?? null })));
}

beforeAll(async () => {
  spool = await startSpool();
  keys.A = spool.secretKey;
  keys.B = await spool.createTenant("b");
  for (const tenant of ["A", "B"]) {
    for (const user of ["u1", "u2"]) {
      const id = (await spool.json("POST", "/v1/threads", { end_user_id: user }, keys[tenant])).body
        .id as string;
      threads[`${tenant}${user}`] = id;
      for (let i = 0; i < 12; i++) {
        await spool.json(
          "POST",
          `/v1/threads/${id}/messages`,
          { content: `zebra note ${i} of ${tenant}${user} marker${tenant}${user}` },
          keys[tenant],
        );
      }
      await indexThread(id);
    }
  }
});
afterAll(() => spool.close());

type Hit = { thread_id: string; seq: number; snippet: string };
async function search(query: string, key: string) {
  return spool.json<{ data: Hit[]; has_more: boolean; next_cursor: string | null }>(
    "GET",
    `/v1/search?${query}`,
    undefined,
    key,
  );
}

describe("search api", () => {
  test("0 foreign hits over every combination of two tenants and two end users", async () => {
    for (const tenant of ["A", "B"]) {
      for (const user of ["u1", "u2"]) {
        const token = (
          await spool.json("POST", "/v1/end_user_tokens", { end_user_id: user }, keys[tenant])
        ).body.token as string;
        for (const ratio of [0, 0.5, 1]) {
          const { status, body } = await search(`q=zebra&limit=100&semantic_ratio=${ratio}`, token);
          expect(status).toBe(200);
          expect(body.data.length).toBe(12);
          expect(new Set(body.data.map((h) => h.thread_id))).toEqual(
            new Set([threadOf(`${tenant}${user}`)]),
          );
        }
        const tenantWide = await search("q=zebra&limit=100&semantic_ratio=0", keys[tenant]!);
        const own = new Set([threads[`${tenant}u1`], threads[`${tenant}u2`]]);
        expect(tenantWide.body.data.length).toBe(24);
        expect(tenantWide.body.data.every((h) => own.has(h.thread_id))).toBe(true);
      }
    }
  });

  test("keyword queries find exact terms, with a highlighted snippet", async () => {
    const { body } = await search("q=markerBu2&semantic_ratio=0", keys.B!);
    expect(body.data.length).toBe(12);
    expect(body.data.every((h) => h.thread_id === threads.Bu2)).toBe(true);
    expect(body.data[0]!.snippet).toContain("<mark>");
    const foreign = await search("q=markerBu2&semantic_ratio=0", keys.A!);
    expect(foreign.body.data).toEqual([]);
  });

  test("cursor pages return each hit once; a cursor is bound to its query", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: Hit[]; next_cursor: string | null } } = await search(
        `q=zebra&limit=5&semantic_ratio=0${cursor ? `&cursor=${cursor}` : ""}`,
        keys.A!,
      );
      seen.push(...page.body.data.map((h) => `${h.thread_id}:${h.seq}`));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.length).toBe(24);
    expect(new Set(seen).size).toBe(24);
    const first = await search("q=zebra&limit=5&semantic_ratio=0", keys.A!);
    const other = await search(
      `q=note&limit=5&semantic_ratio=0&cursor=${first.body.next_cursor}`,
      keys.A!,
    );
    expect(other.status).toBe(400);
  });

  test("thread search is scoped and a foreign thread is 404", async () => {
    const own = await spool.json<{ data: Hit[] }>(
      "GET",
      `/v1/threads/${threads.Au1}/search?q=zebra&limit=100`,
    );
    expect(own.body.data.length).toBe(12);
    const foreign = await spool.json("GET", `/v1/threads/${threads.Bu1}/search?q=zebra`);
    expect(foreign.status).toBe(404);
    const viaFilter = await search(`q=zebra&thread_id=${threads.Bu1}`, keys.A!);
    expect(viaFilter.status).toBe(404);
  });

  test("bad parameters are 400 invalid_request", async () => {
    for (const query of [
      "q=",
      "q=x&semantic_ratio=2",
      "q=x&limit=0",
      "q=x&role=robot",
      "q=x&from=yesterday",
    ]) {
      const { status } = await search(query, keys.A!);
      expect({ query, status }).toEqual({ query, status: 400 });
    }
  });

  test("deleting a thread removes its entries at once", async () => {
    const before = await search("q=markerAu2&semantic_ratio=0", keys.A!);
    expect(before.body.data.length).toBe(12);
    expect((await spool.call("DELETE", `/v1/threads/${threads.Au2}`)).status).toBe(200);
    const after = await search("q=markerAu2&semantic_ratio=0&limit=100", keys.A!);
    expect(after.body.data).toEqual([]);
  });
});
