/**
 * ThreadStore on the embedded SQLite file (see ports/thread-store.ts for the contract).
 * `upsertMessages` is one IMMEDIATE transaction per call: the thread's existence (and owner) is
 * checked inside it, so a concurrent `deleteThread` from another process either runs wholly
 * before (the records are dropped) or wholly after (they are deleted with the thread). The
 * version condition lives in the `ON CONFLICT … DO UPDATE … WHERE`, so it holds across processes.
 * Call `migrateSqlite(db)` first. The handle is shared and owned by whoever opened it.
 */

import type { HeadSwitch, MessageLink } from "../../domain/branches.ts";
import type { MessageRecord, ThreadRecord } from "../../domain/records.ts";
import type {
  MessagePageQuery,
  ThreadPageQuery,
  ThreadStore,
  UpsertOutcome,
  UsageEntry,
  UsageQuery,
  UsageTotals,
} from "../../ports/thread-store.ts";
import type { Metadata, Usage } from "../../protocol/objects.ts";
import type { SqliteDb } from "./database.ts";
import { MicrotaskWrites } from "./microtask-writes.ts";
import {
  MAX_LISTED_SEQS,
  MESSAGE_COLUMNS,
  MESSAGE_PLACEHOLDERS,
  messageFromRow,
  messageParams,
  messagesBySeqSql,
  THREAD_COLUMNS,
  THREAD_PLACEHOLDERS,
  threadFromRow,
  threadParams,
} from "./rows.ts";

const UPSERT_MESSAGE_SQL =
  `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (${MESSAGE_PLACEHOLDERS}) ` +
  "ON CONFLICT (thread_id, seq) DO UPDATE SET " +
  MESSAGE_COLUMNS.split(", ")
    .filter((column) => column !== "thread_id" && column !== "seq")
    .map((column) => `${column} = excluded.${column}`)
    .join(", ") +
  " WHERE excluded.epoch > messages.epoch" +
  " OR (excluded.epoch = messages.epoch AND excluded.rev > messages.rev)";

const RECORD_USAGE_SQL =
  "INSERT INTO usage_ledger (thread_id, seq, tenant_id, end_user_id, input_tokens, " +
  "output_tokens, estimated, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (thread_id, seq) " +
  "DO UPDATE SET input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, " +
  "estimated = excluded.estimated, end_user_id = excluded.end_user_id, at = excluded.at";

/** Eight static queries (order × tool × summary filter): each prepared once, planned on the key. */
function messagePageSql(
  order: "asc" | "desc",
  includeTools: boolean,
  includeSummaries: boolean,
): string {
  const comparison = order === "asc" ? ">" : "<";
  const toolFilter =
    (includeTools ? "" : " AND role <> 'tool'") +
    (includeSummaries ? "" : " AND role <> 'summary'");
  return (
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE thread_id = ? AND seq ${comparison} ?` +
    `${toolFilter} ORDER BY seq ${order.toUpperCase()} LIMIT ?`
  );
}

/** Keyset start when no `afterSeq` is given: before the first / after the last possible seq. */
const SEQ_FLOOR = Number.MIN_SAFE_INTEGER;
const SEQ_CEILING = Number.MAX_SAFE_INTEGER;

export class SqliteThreadStore implements ThreadStore {
  readonly #db: SqliteDb;
  /** touchThread, setUsage and recordUsage of one synchronous stretch share a commit (microtask-writes.ts). */
  readonly #small: MicrotaskWrites;

  constructor(db: SqliteDb) {
    this.#db = db;
    this.#small = new MicrotaskWrites(db);
  }

  async createThread(thread: ThreadRecord): Promise<void> {
    this.#db
      .prepare(`INSERT INTO threads (${THREAD_COLUMNS}) VALUES (${THREAD_PLACEHOLDERS})`)
      .run(...threadParams(thread));
  }

  async getThread(tenantId: string, threadId: string): Promise<ThreadRecord | null> {
    const row = this.#db
      .prepare(`SELECT ${THREAD_COLUMNS} FROM threads WHERE id = ? AND tenant_id = ?`)
      .get(threadId, tenantId);
    return row ? threadFromRow(row) : null;
  }

  async listThreads(query: ThreadPageQuery): Promise<ThreadRecord[]> {
    if (query.limit < 1) return [];
    const where = ["tenant_id = ?"];
    const params: (string | number)[] = [query.tenantId];
    if (query.endUserId !== undefined) {
      where.push("end_user_id = ?");
      params.push(query.endUserId);
    }
    if (query.after) {
      // A row value comparison: SQLite walks the (…, last_active_at DESC, id DESC) index from
      // the keyset position instead of filtering.
      where.push("(last_active_at, id) < (?, ?)");
      params.push(query.after.lastActiveAt, query.after.id);
    }
    const sql =
      `SELECT ${THREAD_COLUMNS} FROM threads WHERE ${where.join(" AND ")} ` +
      "ORDER BY last_active_at DESC, id DESC LIMIT ?";
    return this.#db
      .prepare(sql)
      .all(...params, query.limit)
      .map(threadFromRow);
  }

  async updateThreadMetadata(
    tenantId: string,
    threadId: string,
    metadata: Metadata,
  ): Promise<ThreadRecord | null> {
    const row = this.#db
      .prepare(
        `UPDATE threads SET metadata = ? WHERE id = ? AND tenant_id = ? RETURNING ${THREAD_COLUMNS}`,
      )
      .get(JSON.stringify(metadata), threadId, tenantId);
    return row ? threadFromRow(row) : null;
  }

  async touchThread(threadId: string, lastSeq: number, lastActiveAt: number): Promise<void> {
    // Scalar MAX per column: each only moves forward, whatever order touches arrive in.
    await this.#small.add(() =>
      this.#db
        .prepare(
          "UPDATE threads SET last_seq = MAX(last_seq, ?), last_active_at = MAX(last_active_at, ?) " +
            "WHERE id = ?",
        )
        .run(lastSeq, lastActiveAt, threadId),
    );
  }

  async deleteThread(tenantId: string, threadId: string): Promise<boolean> {
    return this.#db.transaction(() => {
      const { changes } = this.#db
        .prepare("DELETE FROM threads WHERE id = ? AND tenant_id = ?")
        .run(threadId, tenantId);
      if (changes === 0) return false;
      this.#db.prepare("DELETE FROM messages WHERE thread_id = ?").run(threadId);
      return true;
    });
  }

  async upsertMessages(records: MessageRecord[]): Promise<UpsertOutcome> {
    if (records.length === 0) return { written: 0 };
    return this.#db.transaction(() => {
      const upsert = this.#db.prepare(UPSERT_MESSAGE_SQL);
      const owners = new Map<string, string | null>();
      let written = 0;
      for (const record of records) {
        if (this.#ownerOf(record.thread_id, owners) !== record.tenant_id) continue;
        written += upsert.run(...messageParams(record)).changes;
      }
      return { written };
    });
  }

  async listMessages(query: MessagePageQuery): Promise<MessageRecord[]> {
    if (query.limit < 1) return [];
    const start = query.afterSeq ?? (query.order === "asc" ? SEQ_FLOOR : SEQ_CEILING);
    return this.#db
      .prepare(messagePageSql(query.order, query.includeTools, query.includeSummaries === true))
      .all(query.threadId, start, query.limit)
      .map(messageFromRow);
  }

  async getMessage(threadId: string, seq: number): Promise<MessageRecord | null> {
    const row = this.#db
      .prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE thread_id = ? AND seq = ?`)
      .get(threadId, seq);
    return row ? messageFromRow(row) : null;
  }

  async getMessages(threadId: string, seqs: number[]): Promise<MessageRecord[]> {
    if (seqs.length === 0) return [];
    const listed = seqs.length <= MAX_LISTED_SEQS;
    return this.#db
      .prepare(messagesBySeqSql(listed ? seqs.length : null))
      .all(threadId, ...(listed ? seqs : [JSON.stringify(seqs)]))
      .map(messageFromRow);
  }

  async messageLinks(threadId: string): Promise<MessageLink[]> {
    return this.#db
      .prepare("SELECT seq, parent_seq, role FROM messages WHERE thread_id = ? ORDER BY seq")
      .all(threadId)
      .map((row) => ({
        seq: Number(row.seq),
        parent_seq: row.parent_seq === null ? null : Number(row.parent_seq),
        role: String(row.role),
      }));
  }

  async setHead(tenantId: string, threadId: string, head: HeadSwitch): Promise<boolean> {
    const { changes } = this.#db
      .prepare(
        "UPDATE threads SET head_seq = ?, head_as_of = ? " +
          "WHERE id = ? AND tenant_id = ? AND head_as_of <= ?",
      )
      .run(head.seq, head.asOf, threadId, tenantId, head.asOf);
    return changes > 0;
  }

  async lastSeq(threadId: string): Promise<number> {
    const row = this.#db
      .prepare("SELECT MAX(seq) AS last_seq FROM messages WHERE thread_id = ?")
      .get(threadId);
    return row?.last_seq == null ? 0 : Number(row.last_seq);
  }

  async setUsage(threadId: string, seq: number, usage: Usage): Promise<boolean> {
    // json_extract gives 1 for JSON true: only a missing or estimated usage is replaced.
    const { changes } = await this.#small.add(() =>
      this.#db
        .prepare(
          "UPDATE messages SET usage = ? WHERE thread_id = ? AND seq = ? " +
            "AND (usage IS NULL OR json_extract(usage, '$.estimated') = 1)",
        )
        .run(JSON.stringify(usage), threadId, seq),
    );
    return changes > 0;
  }

  async recordUsage(entries: UsageEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // A batched backfill job records one entry per message from Promise.all: one commit for all.
    await this.#small.add(() => {
      const upsert = this.#db.prepare(RECORD_USAGE_SQL);
      for (const e of entries) {
        upsert.run(
          e.thread_id,
          e.seq,
          e.tenant_id,
          e.end_user_id,
          e.input_tokens,
          e.output_tokens,
          e.estimated ? 1 : 0,
          e.at,
        );
      }
    });
  }

  async usageTotals(query: UsageQuery): Promise<UsageTotals> {
    const byUser = query.endUserId !== undefined;
    const row = this.#db
      .prepare(
        "SELECT COALESCE(SUM(input_tokens), 0) AS i, COALESCE(SUM(output_tokens), 0) AS o, " +
          "COUNT(*) AS n, COALESCE(SUM(estimated), 0) AS e FROM usage_ledger " +
          `WHERE tenant_id = ?${byUser ? " AND end_user_id = ?" : ""} AND at >= ? AND at < ?`,
      )
      .get(query.tenantId, ...(byUser ? [query.endUserId as string] : []), query.from, query.to);
    return {
      input_tokens: Number(row?.i ?? 0),
      output_tokens: Number(row?.o ?? 0),
      messages: Number(row?.n ?? 0),
      estimated_messages: Number(row?.e ?? 0),
    };
  }

  async anonymizeUsage(tenantId: string, endUserId: string): Promise<number> {
    const result = this.#db
      .prepare("UPDATE usage_ledger SET end_user_id = NULL WHERE tenant_id = ? AND end_user_id = ?")
      .run(tenantId, endUserId);
    return Number(result.changes);
  }

  async close(): Promise<void> {
    // Nothing to release: the handle is shared with the tenant store and the search index, so
    // whoever opened it (the wiring) closes it after every adapter is done.
  }

  /**
   * The tenant owning a thread, null when the thread does not exist; memoized per transaction
   * so a batch of one thread costs one lookup.
   */
  #ownerOf(threadId: string, owners: Map<string, string | null>): string | null {
    const known = owners.get(threadId);
    if (known !== undefined) return known;
    const row = this.#db.prepare("SELECT tenant_id FROM threads WHERE id = ?").get(threadId);
    const owner = row ? String(row.tenant_id) : null;
    owners.set(threadId, owner);
    return owner;
  }
}
