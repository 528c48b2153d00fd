// The SearchIndex contract on the embedded adapter (SQLite FTS5 + in-memory vectors, a fresh
// database file in a temp dir per run), plus what only this adapter has: several processes on one
// file (each with its own vector cache) and a change of embedder.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { SqliteSearchIndex } from "../../src/adapters/sqlite/sqlite-search-index.ts";
import type { SearchDocument } from "../../src/ports/search.ts";

const NO_FLOOR = { bm25Half: 2, cosineFloor: -1, minScore: 0 };

import { searchDocument } from "../support/records.ts";
import { contractEmbedder, searchIndexContract } from "./search-index.contract.ts";

searchIndexContract("sqlite", async (embedder) => {
  const dir = mkdtempSync(join(tmpdir(), "spool-search-"));
  const db = await openSqlite(join(dir, "spool.db"));
  return {
    index: new SqliteSearchIndex(db, { embedder }),
    async dispose() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("SqliteSearchIndex on a shared file", () => {
  const dir = mkdtempSync(join(tmpdir(), "spool-search-shared-"));
  const path = join(dir, "spool.db");
  const embedder = contractEmbedder();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function doc(thread: string, text: string): Promise<SearchDocument> {
    const [vector] = await embedder.embed([text]);
    return searchDocument("ten_shared", thread, text, vector!);
  }
  const semantic = async (index: SqliteSearchIndex, q: string) => {
    const [vector] = await embedder.embed([q]);
    const result = await index.search({
      tenantId: "ten_shared",
      q,
      vector: vector!,
      semanticRatio: 1,
      includeTools: false,
      limit: 10,
      offset: 0,
    });
    return result.hits.map((h) => h.thread_id).sort();
  };

  test("writes of one handle are seen by the other's vector cache at its next search", async () => {
    const [dbA, dbB] = [await openSqlite(path), await openSqlite(path)];
    // These tests are about the cache, not relevance: no floor, so every vector neighbour counts.
    const a = new SqliteSearchIndex(dbA, { embedder, fusion: NO_FLOOR });
    const b = new SqliteSearchIndex(dbB, { embedder, fusion: NO_FLOOR });
    await a.index([await doc("thr_1", "the car will not start")]);
    expect(await semantic(b, "automobile")).toEqual(["thr_1"]);
    await a.index([await doc("thr_2", "my vehicle broke down")]);
    expect(await semantic(b, "automobile")).toEqual(["thr_1", "thr_2"]);
    await a.deleteThread("ten_shared", "thr_1");
    expect(await semantic(b, "automobile")).toEqual(["thr_2"]);
    dbA.close();
    dbB.close();
  });

  test("opening with another embedder drops the old vectors, keeps the text", async () => {
    const db = await openSqlite(path);
    const other = { name: "other-embedder", dimensions: embedder.dimensions };
    const index = new SqliteSearchIndex(db, { embedder: other, fusion: NO_FLOOR });
    expect(await semantic(index, "automobile")).toEqual([]);
    const keyword = await index.search({
      tenantId: "ten_shared",
      q: "vehicle",
      vector: null,
      semanticRatio: 0,
      includeTools: false,
      limit: 10,
      offset: 0,
    });
    expect(keyword.hits.map((h) => h.thread_id)).toEqual(["thr_2"]);
    db.close();
  });
});
