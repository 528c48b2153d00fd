/**
 * A child process for the SQLite multi-process test: opens the shared file, writes its slice of
 * seqs plus its own version of seq 1, asks for a shared setting, and prints that setting.
 * Usage: bun sqlite-writer-process.ts <path> <thread_id> <tenant_id> <first_seq> <last_seq> <rev>
 */
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { migrateSqlite } from "../../src/adapters/sqlite/schema.ts";
import { SqliteTenantStore } from "../../src/adapters/sqlite/sqlite-tenant-store.ts";
import { SqliteThreadStore } from "../../src/adapters/sqlite/sqlite-thread-store.ts";
import { messageRecord } from "../support/records.ts";

/** Small batches so the processes' transactions interleave many times. */
const BATCH = 10;

const [path, threadId, tenantId, first, last, rev] = process.argv.slice(2);
if (!path || !threadId || !tenantId || !first || !last || !rev) {
  throw new Error("usage: <path> <thread_id> <tenant_id> <first_seq> <last_seq> <rev>");
}
const db = await openSqlite(path);
migrateSqlite(db);
const threads = new SqliteThreadStore(db);
const thread = { id: threadId, tenant_id: tenantId };
for (let seq = Number(first); seq <= Number(last); seq += BATCH) {
  const batch = [];
  for (let s = seq; s < seq + BATCH && s <= Number(last); s++) batch.push(messageRecord(thread, s));
  await threads.upsertMessages(batch);
}
await threads.upsertMessages([
  messageRecord(thread, 1, { rev: Number(rev), last_offset: Number(rev) }),
]);
const setting = await new SqliteTenantStore(db).getOrCreateSetting(
  "cursor_key",
  () => `from-${rev}`,
);
db.close();
console.log(setting);
