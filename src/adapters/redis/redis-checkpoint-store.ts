/**
 * CheckpointStore on Redis: the thread's seq counter, tail, request dedup and event logs. Every
 * write is a Lua script (scripts/) that checks the lease epoch; see keys.ts for the layout.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { type MessageRecord, withParent } from "../../domain/records.ts";
import type {
  AppendGroupInput,
  AppendMessagesInput,
  AppendMessagesResult,
  CheckpointStore,
  EventBatch,
  Fenced,
  GroupedAppendResult,
  SummaryDraft,
} from "../../ports/checkpoint.ts";
import { AppendCombiner } from "./append-combiner.ts";
import { GroupAppendCombiner, messagesResult } from "./group-append-combiner.ts";
import type { RedisKeys } from "./keys.ts";
import { LiveFollowers } from "./live-followers.ts";
import { runScript, scriptRefusal } from "./scripts.ts";

const FENCED: Fenced = { ok: false, reason: "stale_epoch" };
const OK: Fenced = { ok: true };
/** Keys deleted per round trip when a thread goes. */
const DELETE_BATCH = 500;

function parseSeqs(list: string): number[] {
  return list.split(",").map(Number);
}

/**
 * A tail entry as a record; nothing for an entry that is not JSON of a record (never written by
 * Spool, but one bad entry must not make the thread's history or persistence fail for ever).
 */
function parseEntry(json: string): MessageRecord[] {
  try {
    const record = JSON.parse(json) as MessageRecord;
    // An entry written before branches carries no parent_seq: it follows the message before it.
    return typeof record?.seq === "number" && typeof record.rev === "number"
      ? [withParent(record)]
      : [];
  } catch {
    // Unreadable: skipped here; it stays in Redis for an operator (docs/security.md).
    return [];
  }
}

export class EventLogConflictError extends Error {
  constructor(threadId: string, seq: number, offset: number) {
    super(`event log of ${threadId}/${seq} is not at offset ${offset}`);
    this.name = "EventLogConflictError";
  }
}

export class RedisCheckpointStore implements CheckpointStore {
  readonly #combiner: AppendCombiner;
  readonly #groups: GroupAppendCombiner;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** Who follows which thread live, learnt from each append (shared with the live bus). */
    readonly followers = new LiveFollowers(),
  ) {
    this.#combiner = new AppendCombiner(redis, keys);
    this.#groups = new GroupAppendCombiner(redis, keys);
  }

  async lastSeq(threadId: string): Promise<number | null> {
    const value = await this.redis.get(this.keys.seq(threadId));
    return value === null ? null : Number(value);
  }

  async initLastSeq(threadId: string, epoch: number, seq: number): Promise<Fenced> {
    const keys = [this.keys.lease(threadId), this.keys.seq(threadId)];
    const reply = await runScript(this.redis, "init-seq-2", keys, [epoch, seq]);
    return scriptRefusal(reply) === null ? OK : FENCED;
  }

  async appendMessages(input: AppendMessagesInput): Promise<AppendMessagesResult> {
    const { threadId, messages } = input;
    const expectedLast = messages[0] ? messages[0].seq - 1 : 0;
    const keys = [
      this.keys.lease(threadId),
      this.keys.seq(threadId),
      this.keys.tail(threadId),
      this.keys.request(threadId, input.requestId ?? ""),
    ];
    const args = [
      input.epoch,
      input.requestId === null ? "0" : "1",
      input.fingerprint,
      input.ifLastSeq ?? -1,
      input.dedupTtlMs,
      expectedLast,
      messages.length,
      ...messages.map((m) => JSON.stringify(m)),
    ];
    const raw = await runScript(this.redis, "append-messages-4", keys, args);
    // stale_epoch, or seq_moved: the counter is not where this writer believed, so another
    // writer exists and this one is stale.
    if (scriptRefusal(raw) !== null) return { kind: "fenced" };
    return messagesResult(raw as [string, (string | number)?], "append-messages-4");
  }

  appendMessageGroup(input: AppendGroupInput): Promise<GroupedAppendResult[]> {
    // Joins the node's group combiner: every thread's groups of this loop turn in one call.
    return this.#groups.append(input);
  }

  async findRequest(
    threadId: string,
    requestId: string,
  ): Promise<{ fingerprint: string; seqs: number[] } | null> {
    const value = await this.redis.get(this.keys.request(threadId, requestId));
    if (value === null) return null;
    const bar = value.indexOf("|");
    return { fingerprint: value.slice(0, bar), seqs: parseSeqs(value.slice(bar + 1)) };
  }

  async putMessage(threadId: string, epoch: number, record: MessageRecord): Promise<Fenced> {
    const keys = [this.keys.lease(threadId), this.keys.tail(threadId)];
    const reply = await runScript(this.redis, "put-message-2", keys, [
      epoch,
      record.seq,
      JSON.stringify(record),
    ]);
    return scriptRefusal(reply) === null ? OK : FENCED;
  }

  async readTail(threadId: string): Promise<MessageRecord[]> {
    const entries = await this.redis.hvals(this.keys.tail(threadId));
    return entries.flatMap(parseEntry).sort((a, b) => a.seq - b.seq);
  }

  async readTailMessage(threadId: string, seq: number): Promise<MessageRecord | null> {
    const json = await this.redis.hget(this.keys.tail(threadId), String(seq));
    return json === null ? null : (parseEntry(json)[0] ?? null);
  }

  async readTailMessages(threadId: string, seqs: number[]): Promise<(MessageRecord | null)[]> {
    if (seqs.length === 0) return [];
    const entries = await this.redis.hmget(this.keys.tail(threadId), ...seqs.map(String));
    return entries.map((json) => (json === null ? null : (parseEntry(json)[0] ?? null)));
  }

  /**
   * Reads the entries, keeps those at or below the given rev, and removes each only if it is still
   * the bytes read (trim-tail-1 compares SHA-1s): the rev check happens here, in JS, because the
   * script must not decode JSON (see its header).
   */
  async trimTail(threadId: string, entries: { seq: number; rev: number }[]): Promise<number> {
    if (entries.length === 0) return 0;
    const tail = this.keys.tail(threadId);
    const raw = await this.redis.hmgetBuffer(tail, ...entries.map((e) => String(e.seq)));
    const args: (string | number)[] = [];
    entries.forEach((entry, i) => {
      const bytes = raw[i];
      if (!bytes) return;
      const record = parseEntry(bytes.toString("utf8"))[0];
      if (!record || record.rev > entry.rev) return;
      args.push(entry.seq, createHash("sha1").update(bytes).digest("hex"));
    });
    if (args.length === 0) return 0;
    return Number(await runScript(this.redis, "trim-tail-1", [tail], args));
  }

  async appendEvents(threadId: string, epoch: number, batches: EventBatch[]): Promise<Fenced> {
    if (batches.length === 0) return OK;
    // Joins the node's write combiner: every thread's batches of this loop turn in one call.
    const outcome = await this.#combiner.append({ threadId, epoch, batches });
    if (outcome.ok) {
      // Noted before this returns: the owner's publish of these batches reads it (live-followers.ts).
      this.followers.note(threadId, outcome.followed);
      return OK;
    }
    if (outcome.reason === "stale_epoch") return FENCED;
    throw new EventLogConflictError(threadId, outcome.batch.seq, outcome.batch.firstOffset);
  }

  async readEvents(
    threadId: string,
    seq: number,
    fromOffset: number,
    limit?: number,
  ): Promise<string[] | null> {
    const key = this.keys.events(threadId, seq);
    const last = limit === undefined ? -1 : fromOffset + limit - 1;
    const [[, exists], [, events]] = (await this.redis
      .multi()
      .exists(key)
      .lrange(key, fromOffset, last)
      .exec()) as [[unknown, number], [unknown, string[]]];
    return exists === 1 ? events : null;
  }

  eventCount(threadId: string, seq: number): Promise<number> {
    return this.redis.llen(this.keys.events(threadId, seq));
  }

  async expireEvents(threadId: string, seq: number, ttlMs: number): Promise<void> {
    await this.redis.pexpire(this.keys.events(threadId, seq), ttlMs);
  }

  async deleteEvents(threadId: string, seq: number): Promise<void> {
    await this.redis.unlink(this.keys.events(threadId, seq));
  }

  async putSummaryDraft(threadId: string, draft: SummaryDraft, ttlMs: number): Promise<void> {
    const key = this.keys.summaryDraft(threadId);
    await this.redis
      .multi()
      .hset(key, "covers", String(draft.covers_through_seq), "json", JSON.stringify(draft))
      .pexpire(key, ttlMs)
      .exec();
  }

  async readSummaryDraft(threadId: string): Promise<SummaryDraft | null> {
    const json = await this.redis.hget(this.keys.summaryDraft(threadId), "json");
    if (json === null) return null;
    try {
      return JSON.parse(json) as SummaryDraft;
    } catch {
      // Written only by Spool; an unreadable draft is as good as none (the next one replaces it).
      return null;
    }
  }

  async deleteSummaryDraft(threadId: string, coversThroughSeq: number): Promise<void> {
    await runScript(
      this.redis,
      "delete-draft-1",
      [this.keys.summaryDraft(threadId)],
      [coversThroughSeq],
    );
  }

  async deleteThread(threadId: string): Promise<void> {
    const lastSeq = (await this.lastSeq(threadId)) ?? 0;
    // The epoch counter goes too (no key may name a deleted thread: erasure). Safe: a deleted
    // thread never gets an owner again (every route reads it from the store first, the reaper
    // drops a thread the store lacks), and the lease goes in the same call, so a stale owner's
    // fenced writes fail from here on.
    const fixed = [
      this.keys.seq(threadId),
      this.keys.tail(threadId),
      this.keys.lease(threadId),
      this.keys.epoch(threadId),
      this.keys.summaryDraft(threadId),
      // The live bus's follower flag: a follower still there sets it again (it lapses by itself).
      this.keys.watchers(threadId),
    ];
    await this.redis.unlink(...fixed);
    for (let from = 1; from <= lastSeq; from += DELETE_BATCH) {
      const keys: string[] = [];
      for (let seq = from; seq < from + DELETE_BATCH && seq <= lastSeq; seq++) {
        keys.push(this.keys.events(threadId, seq));
      }
      await this.redis.unlink(...keys);
    }
    await this.#deleteMatching(this.keys.requestPattern(threadId));
  }

  async trackInProgress(threadId: string, at = Date.now()): Promise<void> {
    await this.redis.zadd(this.keys.inProgress(), at, threadId);
  }

  async listInProgress(
    before: number,
    limit: number,
  ): Promise<{ threadId: string; since: number }[]> {
    const flat = await this.redis.zrangebyscore(
      this.keys.inProgress(),
      "-inf",
      before,
      "WITHSCORES",
      "LIMIT",
      0,
      limit,
    );
    const out: { threadId: string; since: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      out.push({ threadId: flat[i]!, since: Number(flat[i + 1]) });
    }
    return out;
  }

  async untrackInProgress(threadId: string, since: number): Promise<boolean> {
    const keys = [this.keys.inProgress()];
    return (await runScript(this.redis, "untrack-thread-1", keys, [threadId, since])) === 1;
  }

  async #deleteMatching(pattern: string): Promise<void> {
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", pattern, "COUNT", DELETE_BATCH);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  }
}
