import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite, type SqliteDb } from "../../src/adapters/sqlite/database.ts";
import { MicrotaskWrites } from "../../src/adapters/sqlite/microtask-writes.ts";

async function db(): Promise<SqliteDb> {
  const handle = await openSqlite(join(mkdtempSync(join(tmpdir(), "spool-mw-")), "t.db"));
  handle.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
  return handle;
}

/** Counts the transactions the writes open (BEGIN IMMEDIATE per `transaction` call). */
function counting(handle: SqliteDb): SqliteDb & { transactions: number } {
  const counted = Object.assign(Object.create(handle) as SqliteDb, { transactions: 0 });
  counted.transaction = (fn) => {
    counted.transactions++;
    return handle.transaction(fn);
  };
  return counted;
}

describe("microtask writes", () => {
  test("writes of one synchronous stretch share one transaction, each with its own result", async () => {
    const handle = counting(await db());
    const writes = new MicrotaskWrites(handle);
    const insert = (id: number) => () =>
      handle.prepare("INSERT INTO t (id, v) VALUES (?, ?)").run(id, id * 10).changes;
    const results = await Promise.all([1, 2, 3].map((id) => writes.add(insert(id))));
    expect(results).toEqual([1, 1, 1]);
    expect(handle.transactions).toBe(1);
    expect(handle.prepare("SELECT count(*) AS n FROM t").get()?.n).toBe(3);
  });

  test("a failing write fails only its own caller; the others commit", async () => {
    const handle = await db();
    const writes = new MicrotaskWrites(handle);
    const insert = (id: number, v: number | null) => () =>
      handle.prepare("INSERT INTO t (id, v) VALUES (?, ?)").run(id, v).changes;
    const outcomes = await Promise.allSettled([
      writes.add(insert(1, 1)),
      writes.add(insert(2, null)), // NOT NULL: refused
      writes.add(insert(3, 3)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const ids = handle
      .prepare("SELECT id FROM t ORDER BY id")
      .all()
      .map((r) => r.id);
    expect(ids).toEqual([1, 3]);
  });

  test("a later stretch is a new transaction", async () => {
    const handle = counting(await db());
    const writes = new MicrotaskWrites(handle);
    await writes.add(() => handle.prepare("INSERT INTO t (id, v) VALUES (1, 1)").run().changes);
    await writes.add(() => handle.prepare("INSERT INTO t (id, v) VALUES (2, 2)").run().changes);
    expect(handle.transactions).toBe(2);
  });
});
