/**
 * Runs the store contract suites on the SQLite adapters (a fresh temp-file database per test),
 * then checks what only SQLite has: the query plans of the hot reads, the migration's
 * idempotence, and two handles on one file agreeing (SQLite's multi-process mode).
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite, type SqliteDb, type SqlValue } from "../../src/adapters/sqlite/database.ts";
import {
  migrateSqlite,
  SQLITE_STORE_SCHEMA_VERSION,
  storeVersion,
} from "../../src/adapters/sqlite/schema.ts";
import { SqliteTenantStore } from "../../src/adapters/sqlite/sqlite-tenant-store.ts";
import { SqliteThreadStore } from "../../src/adapters/sqlite/sqlite-thread-store.ts";
import { messageRange, messageRecord, threadRecord } from "../support/records.ts";
import { tenantStoreContract } from "./tenant-store.contract.ts";
import { threadStoreContract } from "./thread-store.contract.ts";

interface TempDb {
  db: SqliteDb;
  path: string;
  cleanup(): Promise<void>;
}

async function tempDb(): Promise<TempDb> {
  const dir = mkdtempSync(join(tmpdir(), "spool-store-"));
  const path = join(dir, "spool.sqlite");
  const db = await openSqlite(path);
  migrateSqlite(db);
  return {
    db,
    path,
    async cleanup() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

threadStoreContract("sqlite", async () => {
  const { db, cleanup } = await tempDb();
  return { store: new SqliteThreadStore(db), cleanup };
});

tenantStoreContract("sqlite", async () => {
  const { db, cleanup } = await tempDb();
  return { store: new SqliteTenantStore(db), cleanup };
});

/** The plan's detail lines, joined: "SEARCH messages USING INDEX … (thread_id=? AND seq>?)". */
function plan(db: SqliteDb, sql: string, params: SqlValue[]): string {
  return db
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...params)
    .map((row) => String(row.detail))
    .join(" | ");
}

interface Executed {
  sql: string;
  params: SqlValue[];
}

/** A handle that remembers the reads the store runs, so their real SQL can be explained. */
function recording(db: SqliteDb, reads: Executed[]): SqliteDb {
  return {
    ...db,
    prepare(sql) {
      const statement = db.prepare(sql);
      return {
        run: (...params) => statement.run(...params),
        all: (...params) => {
          reads.push({ sql, params });
          return statement.all(...params);
        },
        get: (...params) => statement.get(...params),
      };
    },
  };
}

/** Runs `read` through the store and returns the plan of the query it executed. */
async function planOf(db: SqliteDb, read: (store: SqliteThreadStore) => Promise<unknown>) {
  const reads: Executed[] = [];
  await read(new SqliteThreadStore(recording(db, reads)));
  const executed = reads.at(-1);
  if (!executed) throw new Error("the store ran no query");
  return plan(db, executed.sql, executed.params);
}

/** The rowid table's primary key is its autoindex; either name means the key is used. */
const USES_MESSAGE_KEY = /SEARCH messages USING (PRIMARY KEY|INDEX sqlite_autoindex_messages_1)/;

describe("SQLite store specifics", () => {
  test("message pages search the primary key, in both orders, with no sort step", async () => {
    const temp = await tempDb();
    try {
      const thread = threadRecord();
      const store = new SqliteThreadStore(temp.db);
      await store.createThread(thread);
      await store.upsertMessages(messageRange(thread, 6000, 7));
      temp.db.exec("ANALYZE");
      for (const order of ["asc", "desc"] as const) {
        for (const includeTools of [true, false]) {
          for (const afterSeq of [undefined, 3000]) {
            const query = { threadId: thread.id, limit: 50, order, includeTools, afterSeq };
            const detail = await planOf(temp.db, (s) => s.listMessages(query));
            expect(detail).toMatch(USES_MESSAGE_KEY);
            expect(detail).toContain("thread_id=? AND seq");
            expect(detail).not.toContain("TEMP B-TREE");
          }
        }
      }
    } finally {
      await temp.cleanup();
    }
  });

  test("thread list pages walk the activity indexes with no sort step", async () => {
    const temp = await tempDb();
    try {
      const after = { lastActiveAt: 1, id: "thr_1" };
      const byTenant = await planOf(temp.db, (s) =>
        s.listThreads({ tenantId: "ten_1", limit: 50, after }),
      );
      expect(byTenant).toContain("USING INDEX threads_by_activity");
      expect(byTenant).not.toContain("TEMP B-TREE");
      const byUser = await planOf(temp.db, (s) =>
        s.listThreads({ tenantId: "ten_1", endUserId: "user_1", limit: 50, after }),
      );
      expect(byUser).toContain("USING INDEX threads_by_end_user_activity");
      expect(byUser).not.toContain("TEMP B-TREE");
    } finally {
      await temp.cleanup();
    }
  });

  test("migrateSqlite is idempotent and records the store's version", async () => {
    const temp = await tempDb();
    try {
      migrateSqlite(temp.db);
      migrateSqlite(temp.db);
      expect(storeVersion(temp.db)).toBe(SQLITE_STORE_SCHEMA_VERSION);
      expect(SQLITE_STORE_SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
    } finally {
      await temp.cleanup();
    }
  });

  test("four processes on one file: every write lands, newest version and first setting win", async () => {
    const temp = await tempDb();
    try {
      const thread = threadRecord();
      await new SqliteThreadStore(temp.db).createThread(thread);
      const script = join(import.meta.dir, "sqlite-writer-process.ts");
      const children = [0, 1, 2, 3].map((i) =>
        Bun.spawn(
          [process.execPath, script, temp.path, thread.id, thread.tenant_id].concat([
            String(2 + i * 100),
            String(101 + i * 100),
            String(i + 2),
          ]),
          { stdout: "pipe", stderr: "inherit" },
        ),
      );
      const settings = await Promise.all(children.map((c) => new Response(c.stdout).text()));
      expect(await Promise.all(children.map((c) => c.exited))).toEqual([0, 0, 0, 0]);
      expect(new Set(settings.map((value) => value.trim())).size).toBe(1);
      const store = new SqliteThreadStore(temp.db);
      expect(await store.lastSeq(thread.id)).toBe(401);
      const page = { threadId: thread.id, limit: 200, order: "asc", includeTools: true } as const;
      const seqs = [
        ...(await store.listMessages(page)),
        ...(await store.listMessages({ ...page, afterSeq: 200 })),
        ...(await store.listMessages({ ...page, afterSeq: 400 })),
      ].map((m) => m.seq);
      expect(seqs).toEqual(Array.from({ length: 401 }, (_, i) => i + 1));
      expect((await store.getMessage(thread.id, 1))?.rev).toBe(5);
    } finally {
      await temp.cleanup();
    }
  });

  test("two handles on one file: conditional upserts and settings agree", async () => {
    const temp = await tempDb();
    const second = await openSqlite(temp.path);
    try {
      migrateSqlite(second);
      const storeA = new SqliteThreadStore(temp.db);
      const storeB = new SqliteThreadStore(second);
      const thread = threadRecord();
      await storeA.createThread(thread);
      const newer = messageRecord(thread, 1, { epoch: 2, rev: 1 });
      expect(await storeB.upsertMessages([newer])).toEqual({ written: 1 });
      const stale = messageRecord(thread, 1, { epoch: 1, rev: 9 });
      expect(await storeA.upsertMessages([stale])).toEqual({ written: 0 });
      expect(await storeA.getMessage(thread.id, 1)).toStrictEqual(newer);

      const tenantsA = new SqliteTenantStore(temp.db);
      const tenantsB = new SqliteTenantStore(second);
      expect(await tenantsA.getOrCreateSetting("cursor_key", () => "from-a")).toBe("from-a");
      expect(await tenantsB.getOrCreateSetting("cursor_key", () => "from-b")).toBe("from-a");
    } finally {
      second.close();
      await temp.cleanup();
    }
  });
});
