// A data dir written by the store schema before branches (test/fixtures/store-v3, made by `main`
// at ba6924c over REST) opens with today's code: every message follows the one before it, the
// head is the last seq, history and search still answer, and the thread goes on with branches.

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_KEY, startSpool, type TestSpool } from "../support/spool.ts";

const FIXTURE = join(import.meta.dir, "../fixtures/store-v3/spool.db");
const TENANT = "ten_IXuJTUlf4oaEEVeL8XSaUi";
const THREAD = "thr_Ozt4lm2WfmaqNu3K1MQaJo";
const OTHER_THREAD = "thr_rJYbhpRuXS0KLF8YEQ0LtE";

let spool: TestSpool;
let key: string;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "spool-migrate-"));
  copyFileSync(FIXTURE, join(dataDir, "spool.db"));
  const before = new Database(join(dataDir, "spool.db"), { readonly: true });
  const version = before
    .query("SELECT version FROM schema_version WHERE component = 'store'")
    .get();
  before.close();
  expect(version).toEqual({ version: 3 });
  spool = await startSpool({ DATA_DIR: dataDir });
  const created = await spool.call("POST", `/v1/admin/tenants/${TENANT}/keys`, {}, ADMIN_KEY);
  expect(created.status).toBe(201);
  key = ((await created.json()) as { secret_key: string }).secret_key;
});
afterAll(() => spool.close());

type Msg = { seq: number; parent_seq: number | null; children: number[]; role: string };

test("the old rows get parent_seq = seq - 1 and the head is the last seq", async () => {
  const thread = await spool.json("GET", `/v1/threads/${THREAD}`, undefined, key);
  expect(thread.body).toMatchObject({ end_user_id: "alice", last_seq: 7, head_seq: 7 });
  const page = await spool.json<{ data: Msg[] }>(
    "GET",
    `/v1/threads/${THREAD}/messages?limit=50`,
    undefined,
    key,
  );
  expect(page.body.data.map((m) => [m.seq, m.parent_seq])).toEqual([
    [1, null],
    [2, 1],
    [3, 2],
    [4, 3],
    [5, 4],
    [6, 5],
    [7, 6],
  ]);
  expect(page.body.data[0]!.children).toEqual([2]);
  const other = await spool.json<{ data: Msg[] }>(
    "GET",
    `/v1/threads/${OTHER_THREAD}/messages`,
    undefined,
    key,
  );
  expect(other.body.data.map((m) => m.parent_seq)).toEqual([null, 1]);
  const db = new Database(join(dataDir, "spool.db"), { readonly: true });
  const nulls = db
    .query("SELECT COUNT(*) AS n FROM messages WHERE parent_seq IS NULL AND seq > 1")
    .get() as { n: number };
  db.close();
  expect(nulls.n).toBe(0);
});

test("search written by the old schema still finds its messages", async () => {
  const found = await spool.json<{ data: { thread_id: string; seq: number }[] }>(
    "GET",
    "/v1/search?q=pineapples&semantic_ratio=0",
    undefined,
    key,
  );
  expect(found.status).toBe(200);
  expect(found.body.data.filter((h) => h.thread_id === THREAD).length).toBeGreaterThan(0);
});

test("the migrated thread goes on with branches: regenerate an old answer", async () => {
  const again = await spool.json<{ assistant_message: Msg }>(
    "POST",
    `/v1/threads/${THREAD}/messages/4/regenerate`,
    {},
    key,
  );
  expect(again.status).toBe(200);
  expect(again.body.assistant_message).toMatchObject({ seq: 8, parent_seq: 3 });
  const active = await spool.json<{ data: Msg[] }>(
    "GET",
    `/v1/threads/${THREAD}/messages`,
    undefined,
    key,
  );
  expect(active.body.data.map((m) => m.seq)).toEqual([1, 2, 3, 8]);
});
