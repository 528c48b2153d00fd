import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { migrateSqlite } from "../../src/adapters/sqlite/schema.ts";
import { SqliteThreadStore } from "../../src/adapters/sqlite/sqlite-thread-store.ts";
import type { FinishedPayload } from "../../src/protocol/jobs.ts";
import { findFinished, findFinishedMany } from "../../workers/message-source.ts";
import { fixedTails } from "../support/fixed-tails.ts";
import { messageRecord, threadRecord } from "../support/records.ts";

describe("findFinishedMany", () => {
  test("answers each payload of a batch across threads as findFinished does", async () => {
    const db = await openSqlite(join(mkdtempSync(join(tmpdir(), "spool-ffm-")), "s.db"));
    migrateSqlite(db);
    const store = new SqliteThreadStore(db);
    const a = threadRecord();
    const c = threadRecord({ tenant_id: a.tenant_id });
    const gone = threadRecord({ tenant_id: a.tenant_id });
    await store.createThread(a);
    await store.createThread(c);
    await store.upsertMessages([messageRecord(a, 1), messageRecord(a, 2), messageRecord(c, 1)]);
    const deps = {
      store,
      checkpoint: fixedTails({
        // a:1 has a newer version in the tail; a:3 is only in the tail; c:2 still runs.
        [a.id]: [messageRecord(a, 1, { rev: 2 }), messageRecord(a, 3)],
        [c.id]: [messageRecord(c, 2, { status: "in_progress" })],
      }),
    };
    const ref = (thread: { id: string }, seq: number): FinishedPayload => ({
      tenant_id: a.tenant_id,
      thread_id: thread.id,
      seq,
      rev: 1,
    });
    const payloads = [ref(a, 1), ref(c, 1), ref(a, 2), ref(gone, 1), ref(a, 3), ref(c, 2)];
    payloads.push(ref(a, 9), { ...ref(a, 1), tenant_id: "ten_other" });
    const one = await Promise.all(payloads.map((p) => findFinished(deps, p)));
    const many = await findFinishedMany(deps, payloads);
    expect(many).toEqual(one);
    expect(many.map((f) => f.kind)).toEqual([
      "found",
      "found",
      "found",
      "gone",
      "found",
      "pending",
      "gone",
      "gone",
    ]);
    const first = many[0];
    expect(first?.kind === "found" && [first.message.rev, first.stored]).toEqual([2, false]);
  });
});
