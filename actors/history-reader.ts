/**
 * Reads a thread's messages as clients must see them: the durable store merged with the Redis
 * tail (acknowledged but not yet persisted, or in progress), newest version of each seq winning,
 * and in-progress messages filled with their partial content. The tail is read before the store:
 * a message that moves from tail to store between the two reads is then seen at least once.
 */

import { ancestry, isOnChain, type MessageLink, parentIndex } from "../src/domain/branches.ts";
import { recordBytes, retentionStart } from "../src/domain/context-retention.ts";
import { assembleMessage } from "../src/domain/message-assembly.ts";
import type { MessageRecord } from "../src/domain/records.ts";
import { isNewer } from "../src/domain/records.ts";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { MessagePageQuery, ThreadStore } from "../src/ports/thread-store.ts";
import type { LogEvent } from "../src/protocol/events.ts";
import type { Message } from "../src/protocol/objects.ts";

/** Partial content of an in-progress message held by a local actor, if any. */
export type LiveSnapshot = (threadId: string, seq: number) => Message | null;

/** Page size for loading a whole thread (model context). */
const FULL_READ_PAGE = 500;

export class HistoryReader {
  constructor(
    private readonly store: ThreadStore,
    private readonly checkpoint: CheckpointStore,
    private readonly liveSnapshot: LiveSnapshot,
  ) {}

  async page(query: MessagePageQuery): Promise<{ records: MessageRecord[]; hasMore: boolean }> {
    const { records, hasMore } = await this.#merged(query);
    return { records: await this.#fillInProgress(records), hasMore };
  }

  /** `page` without the partial content of in-progress messages (read from their event logs). */
  async #merged(query: MessagePageQuery): Promise<{ records: MessageRecord[]; hasMore: boolean }> {
    const tail = await this.checkpoint.readTail(query.threadId);
    const stored = await this.store.listMessages({ ...query, limit: query.limit + 1 });
    const inRange = (r: MessageRecord) =>
      (query.includeTools || r.role !== "tool") &&
      (query.includeSummaries === true || r.role !== "summary") &&
      (query.afterSeq === undefined ||
        (query.order === "asc" ? r.seq > query.afterSeq : r.seq < query.afterSeq));
    const merged = mergeNewest(stored, tail.filter(inRange));
    merged.sort((a, b) => (query.order === "asc" ? a.seq - b.seq : b.seq - a.seq));
    return { records: merged.slice(0, query.limit), hasMore: merged.length > query.limit };
  }

  /** Every message's place in the tree: the store's links with the tail's over them. */
  async links(threadId: string): Promise<MessageLink[]> {
    const tail = await this.checkpoint.readTail(threadId);
    const bySeq = new Map<number, MessageLink>();
    for (const link of await this.store.messageLinks(threadId)) bySeq.set(link.seq, link);
    for (const r of tail) bySeq.set(r.seq, { seq: r.seq, parent_seq: r.parent_seq, role: r.role });
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  /** A keyset page of the messages of given seqs (a branch), merged with the tail like `page`. */
  async pageOf(
    query: MessagePageQuery,
    seqs: readonly number[],
  ): Promise<{ records: MessageRecord[]; hasMore: boolean }> {
    const after = query.afterSeq;
    const ordered = query.order === "asc" ? [...seqs] : [...seqs].reverse();
    const start =
      after === undefined
        ? 0
        : ordered.findIndex((s) => (query.order === "asc" ? s > after : s < after));
    const window = start < 0 ? [] : ordered.slice(start, start + query.limit + 1);
    const tail = await this.checkpoint.readTail(query.threadId);
    const stored = await this.store.getMessages(query.threadId, window);
    const wanted = new Set(window);
    const merged = mergeNewest(
      stored,
      tail.filter((r) => wanted.has(r.seq)),
    );
    merged.sort((a, b) => (query.order === "asc" ? a.seq - b.seq : b.seq - a.seq));
    const records = merged.slice(0, query.limit);
    return { records: await this.#fillInProgress(records), hasMore: window.length > query.limit };
  }

  /** The messages of the branch that ends at `seq` and their summaries (a context the actor no
   * longer holds: a switch to an old branch of a long thread). Seq order. */
  async branchRecords(threadId: string, seq: number | null): Promise<MessageRecord[]> {
    const links = await this.links(threadId);
    const chain = new Set(ancestry(parentIndex(links), seq));
    const seqs = links
      .filter((l) => chain.has(l.seq) || (!isOnChain(l) && chain.has(l.parent_seq ?? -1)))
      .map((l) => l.seq);
    const { records } = await this.pageOf(
      { threadId, limit: seqs.length, order: "asc", includeTools: true, includeSummaries: true },
      seqs,
    );
    return records;
  }

  async message(threadId: string, seq: number): Promise<MessageRecord | null> {
    const hot = await this.checkpoint.readTailMessage(threadId, seq);
    const stored = await this.store.getMessage(threadId, seq);
    const newest = hot && (!stored || isNewer(hot, stored)) ? hot : stored;
    if (!newest) return null;
    const [filled] = await this.#fillInProgress([newest]);
    return filled ?? null;
  }

  /** Every message of the thread in seq order; summaries only when asked (model context). */
  async all(
    threadId: string,
    options: { includeSummaries?: boolean } = {},
  ): Promise<MessageRecord[]> {
    const out: MessageRecord[] = [];
    let afterSeq: number | undefined;
    for (;;) {
      const { records, hasMore } = await this.#merged({
        threadId,
        limit: FULL_READ_PAGE,
        order: "asc",
        includeTools: true,
        includeSummaries: options.includeSummaries === true,
        ...(afterSeq === undefined ? {} : { afterSeq }),
      });
      out.push(...records);
      if (!hasMore || records.length === 0) return out;
      afterSeq = records[records.length - 1]!.seq;
    }
  }

  /**
   * The newest messages (summaries included) in seq order, read newest page first and only as
   * far back as an actor keeps (domain/context-retention.ts): a 6,000-message thread with a
   * summary loads the summary and what follows it, not its whole history. In-progress messages
   * come as stored (no partial content): the model context skips them (domain/model-context.ts),
   * and filling one read its whole event log from Redis at every actor's first turn.
   */
  async recent(threadId: string, maxBytes: number): Promise<MessageRecord[]> {
    const newestFirst: MessageRecord[] = [];
    let afterSeq: number | undefined;
    for (;;) {
      const { records, hasMore } = await this.#merged({
        threadId,
        limit: FULL_READ_PAGE,
        order: "desc",
        includeTools: true,
        includeSummaries: true,
        ...(afterSeq === undefined ? {} : { afterSeq }),
      });
      newestFirst.push(...records);
      const ordered = [...newestFirst].reverse();
      const start = retentionStart(ordered, maxBytes, recordBytes);
      if (start > 0 || !hasMore || records.length === 0) return ordered.slice(start);
      afterSeq = records[records.length - 1]!.seq;
    }
  }

  async #fillInProgress(records: MessageRecord[]): Promise<MessageRecord[]> {
    return Promise.all(
      records.map(async (record) => {
        if (record.status !== "in_progress") return record;
        const partial = await this.#partial(record.thread_id, record.seq);
        return partial ? { ...record, content: partial.content } : record;
      }),
    );
  }

  async #partial(threadId: string, seq: number): Promise<Message | null> {
    const live = this.liveSnapshot(threadId, seq);
    if (live) return live;
    const events = await this.checkpoint.readEvents(threadId, seq, 0);
    if (!events || events.length === 0) return null;
    return assembleMessage(events.map((e) => JSON.parse(e) as LogEvent));
  }
}

export function mergeNewest(a: MessageRecord[], b: MessageRecord[]): MessageRecord[] {
  const bySeq = new Map<number, MessageRecord>();
  for (const record of [...a, ...b]) {
    const seen = bySeq.get(record.seq);
    if (!seen || isNewer(record, seen)) bySeq.set(record.seq, record);
  }
  return [...bySeq.values()];
}
