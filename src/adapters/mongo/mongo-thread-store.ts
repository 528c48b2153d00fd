/**
 * ThreadStore on MongoDB (see ports/thread-store.ts for the contract). Messages are upserted
 * conditionally (conditional-upsert.ts) after checking that their thread exists and belongs to
 * the record's tenant. That check and the write are two operations, not one transaction; the
 * race with `deleteThread` is closed by ordering, explained at `upsertMessages`.
 * Call `ensureMongoSchema` (connect.ts) first. The client is owned by whoever connected.
 */
import type { Collection, Db, Filter } from "mongodb";
import type { MessageLink } from "../../domain/branches.ts";
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
import { conditionalUpsert } from "./conditional-upsert.ts";
import {
  COLLECTIONS,
  type HeadSwitch,
  linkFromDoc,
  type MessageDoc,
  messageFromDoc,
  type ThreadDoc,
  threadFromDoc,
  threadToDoc,
} from "./documents.ts";

export class MongoThreadStore implements ThreadStore {
  readonly #threads: Collection<ThreadDoc>;
  readonly #messages: Collection<MessageDoc>;
  readonly #usage: Collection<UsageEntry>;

  constructor(db: Db) {
    this.#threads = db.collection<ThreadDoc>(COLLECTIONS.threads);
    this.#messages = db.collection<MessageDoc>(COLLECTIONS.messages);
    this.#usage = db.collection<UsageEntry>(COLLECTIONS.usageLedger);
  }

  async createThread(thread: ThreadRecord): Promise<void> {
    await this.#threads.insertOne(threadToDoc(thread));
  }

  async getThread(tenantId: string, threadId: string): Promise<ThreadRecord | null> {
    const doc = await this.#threads.findOne({ _id: threadId, tenant_id: tenantId });
    return doc ? threadFromDoc(doc) : null;
  }

  async listThreads(query: ThreadPageQuery): Promise<ThreadRecord[]> {
    // limit(0) means "no limit" to MongoDB.
    if (query.limit < 1) return [];
    const filter: Filter<ThreadDoc> = { tenant_id: query.tenantId };
    if (query.endUserId !== undefined) filter.end_user_id = query.endUserId;
    if (query.after) {
      const { lastActiveAt, id } = query.after;
      // The $lte bounds the index scan; the $or then drops the ties already returned.
      filter.last_active_at = { $lte: lastActiveAt };
      filter.$or = [{ last_active_at: { $lt: lastActiveAt } }, { _id: { $lt: id } }];
    }
    const docs = await this.#threads
      .find(filter)
      .sort({ last_active_at: -1, _id: -1 })
      .limit(query.limit)
      .toArray();
    return docs.map(threadFromDoc);
  }

  async updateThreadMetadata(
    tenantId: string,
    threadId: string,
    metadata: Metadata,
  ): Promise<ThreadRecord | null> {
    const doc = await this.#threads.findOneAndUpdate(
      { _id: threadId, tenant_id: tenantId },
      { $set: { metadata: JSON.stringify(metadata) } },
      { returnDocument: "after" },
    );
    return doc ? threadFromDoc(doc) : null;
  }

  async touchThread(threadId: string, lastSeq: number, lastActiveAt: number): Promise<void> {
    // $max per field: each only moves forward, whatever order touches arrive in.
    await this.#threads.updateOne(
      { _id: threadId },
      { $max: { last_seq: lastSeq, last_active_at: lastActiveAt } },
    );
  }

  async deleteThread(tenantId: string, threadId: string): Promise<boolean> {
    // The thread first, then its messages: `upsertMessages` relies on this order (see there).
    const { deletedCount } = await this.#threads.deleteOne({ _id: threadId, tenant_id: tenantId });
    // Even when the thread was already gone: a delete that crashed between the two steps is
    // finished by the next call. The tenant condition keeps this to the caller's own data.
    await this.#messages.deleteMany({ thread_id: threadId, tenant_id: tenantId });
    return deletedCount > 0;
  }

  /**
   * Check, write, then sweep. Between our existence check and our write a `deleteThread` may
   * run; our messages would then outlive their thread. Ordering closes it: `deleteThread`
   * removes the thread before its messages, and we re-read the threads after writing and delete
   * the messages of any that vanished. Whatever the interleaving, either its message delete
   * comes after our write, or our re-read comes after its thread delete; the orphans go either
   * way. Fencing does not help here (a delete carries no epoch); the order does. What remains:
   * orphans live for the moment between our write and the sweep, unreachable because every
   * read goes through the (tenant-scoped) thread first and thread ids are never reused; a crash
   * in that moment leaves them until `deleteThread` is called for the id again. `written` may
   * count records of a thread deleted during the call, which the sweep then removed.
   */
  async upsertMessages(records: MessageRecord[]): Promise<UpsertOutcome> {
    if (records.length === 0) return { written: 0 };
    const owners = await this.#ownersOf(records);
    const accepted = records.filter((r) => owners.get(r.thread_id) === r.tenant_id);
    if (accepted.length === 0) return { written: 0 };
    const written = await conditionalUpsert(this.#messages, accepted);
    await this.#sweepDeletedThreads(accepted);
    return { written };
  }

  async listMessages(query: MessagePageQuery): Promise<MessageRecord[]> {
    if (query.limit < 1) return [];
    const filter: Filter<MessageDoc> = { thread_id: query.threadId };
    if (query.afterSeq !== undefined) {
      filter.seq = query.order === "asc" ? { $gt: query.afterSeq } : { $lt: query.afterSeq };
    }
    // Filtered by the server, so a page holds `limit` visible messages whenever there are that
    // many; the (thread_id, seq) index still drives the scan.
    const hidden = [
      ...(query.includeTools ? [] : ["tool" as const]),
      ...(query.includeSummaries ? [] : ["summary" as const]),
    ];
    if (hidden.length > 0) filter.role = { $nin: hidden };
    const docs = await this.#messages
      .find(filter)
      .sort({ seq: query.order === "asc" ? 1 : -1 })
      .limit(query.limit)
      .toArray();
    return docs.map(messageFromDoc);
  }

  async getMessage(threadId: string, seq: number): Promise<MessageRecord | null> {
    const doc = await this.#messages.findOne({ thread_id: threadId, seq });
    return doc ? messageFromDoc(doc) : null;
  }

  async getMessages(threadId: string, seqs: number[]): Promise<MessageRecord[]> {
    if (seqs.length === 0) return [];
    const docs = await this.#messages
      .find({ thread_id: threadId, seq: { $in: seqs } })
      .sort({ seq: 1 })
      .toArray();
    return docs.map(messageFromDoc);
  }

  async messageLinks(threadId: string): Promise<MessageLink[]> {
    const docs = await this.#messages
      .find({ thread_id: threadId }, { projection: { _id: 0, seq: 1, parent_seq: 1, role: 1 } })
      .sort({ seq: 1 })
      .toArray();
    return docs.map(linkFromDoc);
  }

  async setHead(tenantId: string, threadId: string, head: HeadSwitch): Promise<boolean> {
    // A document from before branches has no head_as_of: it counts as 0.
    const result = await this.#threads.updateOne(
      {
        _id: threadId,
        tenant_id: tenantId,
        $or: [{ head_as_of: { $lte: head.asOf } }, { head_as_of: { $exists: false } }],
      },
      { $set: { head_seq: head.seq, head_as_of: head.asOf } },
    );
    return result.matchedCount > 0;
  }

  async lastSeq(threadId: string): Promise<number> {
    const doc = await this.#messages.findOne(
      { thread_id: threadId },
      { sort: { seq: -1 }, projection: { seq: 1 } },
    );
    return doc ? doc.seq : 0;
  }

  async setUsage(threadId: string, seq: number, usage: Usage): Promise<boolean> {
    const { modifiedCount } = await this.#messages.updateOne(
      { thread_id: threadId, seq, $or: [{ usage: null }, { "usage.estimated": true }] },
      { $set: { usage } },
    );
    return modifiedCount > 0;
  }

  async recordUsage(entries: UsageEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // Replace by (thread_id, seq), unordered: each entry is independent and idempotent. Two
    // first writers of one entry may race on the unique index; the loser's retry by the job
    // (at-least-once) then replaces.
    await this.#usage.bulkWrite(
      entries.map((entry) => ({
        replaceOne: {
          filter: { thread_id: entry.thread_id, seq: entry.seq },
          replacement: { ...entry },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }

  async usageTotals(query: UsageQuery): Promise<UsageTotals> {
    const match: Filter<UsageEntry> = {
      tenant_id: query.tenantId,
      at: { $gte: query.from, $lt: query.to },
    };
    if (query.endUserId !== undefined) match.end_user_id = query.endUserId;
    const [row] = await this.#usage
      .aggregate<UsageTotals>([
        { $match: match },
        {
          $group: {
            _id: null,
            input_tokens: { $sum: "$input_tokens" },
            output_tokens: { $sum: "$output_tokens" },
            messages: { $sum: 1 },
            estimated_messages: { $sum: { $cond: ["$estimated", 1, 0] } },
          },
        },
        { $project: { _id: 0 } },
      ])
      .toArray();
    return row ?? { input_tokens: 0, output_tokens: 0, messages: 0, estimated_messages: 0 };
  }

  async anonymizeUsage(tenantId: string, endUserId: string): Promise<number> {
    const { modifiedCount } = await this.#usage.updateMany(
      { tenant_id: tenantId, end_user_id: endUserId },
      { $set: { end_user_id: null } },
    );
    return modifiedCount;
  }

  async close(): Promise<void> {
    // Nothing to release: the client is shared with the tenant store and owned by the
    // MongoConnection that made it (connect.ts), which the wiring closes.
  }

  /** The owning tenant of each live thread the records name, in one query. */
  async #ownersOf(records: MessageRecord[]): Promise<Map<string, string>> {
    const ids = [...new Set(records.map((r) => r.thread_id))];
    const docs = await this.#threads
      .find({ _id: { $in: ids } }, { projection: { _id: 1, tenant_id: 1 } })
      .toArray();
    return new Map(docs.map((doc) => [doc._id, doc.tenant_id]));
  }

  async #sweepDeletedThreads(written: MessageRecord[]): Promise<void> {
    const owners = await this.#ownersOf(written);
    const gone = [...new Set(written.map((r) => r.thread_id))].filter((id) => !owners.has(id));
    if (gone.length > 0) await this.#messages.deleteMany({ thread_id: { $in: gone } });
  }
}
