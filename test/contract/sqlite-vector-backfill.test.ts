// The VectorBackfill contract on the SQLite index (a fresh file per test, two handles on it),
// plus what only this adapter has: the index's change of vector space resets the walk, and a
// process still on the old embedder cannot store into the new space.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { SqliteVectorBackfill } from "../../src/adapters/sqlite/search-vector-backfill.ts";
import { SqliteSearchIndex } from "../../src/adapters/sqlite/sqlite-search-index.ts";
import { vectorBackfillContract } from "./vector-backfill.contract.ts";

const DIMS = 8;
const OLD = { name: "fake-old-space", dimensions: DIMS };
const NEW = { name: "fake-new-space", dimensions: DIMS };

async function openPair(path: string, embedder: { name: string; dimensions: number }) {
  const db = await openSqlite(path);
  const index = new SqliteSearchIndex(db, { embedder });
  return { db, index, backfill: new SqliteVectorBackfill(db, embedder) };
}

vectorBackfillContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spool-backfill-"));
  const path = join(dir, "spool.db");
  const a = await openPair(path, NEW);
  const b = await openPair(path, NEW);
  return {
    store: { index: a.index, backfill: a.backfill, peer: b.backfill, dimensions: DIMS },
    async cleanup() {
      a.db.close();
      b.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("SqliteVectorBackfill and the index's vector space", () => {
  const unit = () => Float32Array.from({ length: DIMS }, (_, i) => (i === 0 ? 1 : 0));
  const doc = (thread: string, vector: Float32Array | null) => ({
    id: `${thread}:1:0`,
    tenant_id: "ten_space",
    end_user_id: null,
    thread_id: thread,
    seq: 1,
    block_index: 0,
    role: "user" as const,
    block_type: "text" as const,
    model: null,
    text: `text of ${thread}`,
    created_at: 1,
    vector,
  });

  test("a change of space drops the vectors and restarts the walk; the old process is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spool-backfill-space-"));
    const path = join(dir, "spool.db");
    const old = await openPair(path, OLD);
    await old.index.index([doc("thr_a", unit()), doc("thr_b", null)]);
    expect(await old.backfill.claim("old-run", 30_000, 1)).toBe(true);
    const page = await old.backfill.nextPage(10);
    expect(page.documents.map((d) => d.text)).toEqual(["text of thr_b"]);
    await old.backfill.store("old-run", [], page.through, 30_000, 1);
    expect(await old.backfill.cursor()).toBe(page.through);
    // An upgraded process opens the same file with the new embedder.
    const upgraded = await openPair(path, NEW);
    expect(await upgraded.backfill.cursor()).toBe(0);
    expect(await upgraded.backfill.remaining()).toBe(2);
    // The old process's run still holds the lease, but its space is gone: nothing written.
    const late = await old.backfill.nextPage(10);
    const vectors = late.documents.map((document) => ({ document, vector: unit() }));
    expect(await old.backfill.store("old-run", vectors, late.through, 30_000, 2)).toEqual({
      ok: false,
      reason: "space_changed",
    });
    expect(await upgraded.backfill.remaining()).toBe(2);
    old.db.close();
    upgraded.db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a cursor or lease row edited into garbage restarts the walk instead of wedging it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spool-backfill-garbage-"));
    const db = await openSqlite(join(dir, "spool.db"));
    const index = new SqliteSearchIndex(db, { embedder: NEW });
    const backfill = new SqliteVectorBackfill(db, NEW);
    await index.index([doc("thr_a", null)]);
    for (const [cursor, lease] of [
      ["abc", "{not json"],
      ["-5", JSON.stringify({ holder: 7, until: "soon" })],
      ["1e400", "null"],
    ]) {
      const set = db.prepare("INSERT OR REPLACE INTO search_meta (key, value) VALUES (?, ?)");
      set.run("reembed_cursor", cursor!);
      set.run("reembed_lease", lease!);
      expect(await backfill.cursor()).toBe(0);
      expect(await backfill.claim("run", 30_000, 1)).toBe(true);
      const page = await backfill.nextPage(10);
      expect(page.documents.map((d) => d.text)).toEqual(["text of thr_a"]);
    }
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a read scans a bounded window of keys: an index full of vectors is crossed in steps", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spool-backfill-window-"));
    const db = await openSqlite(join(dir, "spool.db"));
    const index = new SqliteSearchIndex(db, { embedder: NEW });
    const backfill = new SqliteVectorBackfill(db, NEW, 10);
    const threads = Array.from({ length: 25 }, (_, i) => `thr_${i}`);
    await index.index(threads.map((t, i) => doc(t, i === 22 ? null : unit())));
    expect(await backfill.claim("run", 30_000, 1)).toBe(true);
    const steps: { found: number; through: number; end: boolean }[] = [];
    for (;;) {
      const page = await backfill.nextPage(5);
      steps.push({ found: page.documents.length, through: page.through, end: page.end });
      expect(page.last).toBe(25);
      await backfill.store("run", [], page.through, 30_000, 1);
      if (page.end) break;
    }
    expect(steps).toEqual([
      { found: 0, through: 10, end: false },
      { found: 0, through: 20, end: false },
      { found: 1, through: 25, end: true },
    ]);
    expect(await backfill.cursor()).toBe(25);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
