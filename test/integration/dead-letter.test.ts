// Dead-lettering in the persist job, on the real Redis tail: a store that refuses everything is
// taken as down (the job throws and is retried) until the job's final attempt, which sets the
// messages aside (counted, removed from the tail) instead of failing for ever; a lone surrogate in
// the tail JSON (which Redis's cjson cannot decode) trims normally.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Redis } from "ioredis";
import { connectRedis } from "../../src/adapters/redis/connection.ts";
import { RedisKeys } from "../../src/adapters/redis/keys.ts";
import { RedisCheckpointStore } from "../../src/adapters/redis/redis-checkpoint-store.ts";
import type { MessageRecord } from "../../src/domain/records.ts";
import type { DeadLetter, JobQueue } from "../../src/ports/job-queue.ts";
import type { ThreadStore } from "../../src/ports/thread-store.ts";
import { persistMessage } from "../../workers/persist-message.ts";
import { freshPrefix, testRedis } from "../support/redis.ts";

let redis: Redis;
let keys: RedisKeys;
let checkpoint: RedisCheckpointStore;

beforeAll(async () => {
  const server = await testRedis();
  redis = connectRedis(server.url, { name: "dead-letter-test" });
  keys = new RedisKeys(freshPrefix("dl"));
  checkpoint = new RedisCheckpointStore(redis, keys);
});
afterAll(() => redis?.disconnect());

function record(threadId: string, seq: number, text: string): MessageRecord {
  const at = new Date().toISOString();
  return {
    id: `msg_${seq}`,
    object: "message",
    thread_id: threadId,
    tenant_id: "ten",
    seq,
    parent_seq: null,
    role: "user",
    content: [{ type: "text", text }],
    status: "completed",
    model: null,
    request_id: null,
    end_user_id: null,
    usage: null,
    stop_reason: null,
    error: null,
    created_at: at,
    completed_at: at,
    epoch: 1,
    rev: 1,
    last_offset: -1,
  };
}

/** A JobQueue that records what is set aside (a fake of the port, as the conventions ask). */
function recordingJobs(): JobQueue & { dead: DeadLetter[] } {
  const dead: DeadLetter[] = [];
  return {
    dead,
    enqueuePersist: async () => undefined,
    enqueueFinished: async () => undefined,
    deadLetter: async (entry) => void dead.push(entry),
    deadLetterCount: async () => dead.length,
    enqueueCompaction: async () => undefined,
  };
}

/** The store methods persist uses; `refuse` decides which records fail. */
function store(refuse: (r: MessageRecord) => boolean): ThreadStore {
  const written: MessageRecord[] = [];
  const partial: Partial<ThreadStore> = {
    upsertMessages: async (records) => {
      if (records.some(refuse)) throw new Error("store refused the write");
      written.push(...records);
      return { written: records.length };
    },
    touchThread: async () => undefined,
  };
  return partial as ThreadStore;
}

describe("persist-message dead letters", () => {
  test("a store that refuses everything: retried, then set aside on the final attempt", async () => {
    const threadId = `t_${crypto.randomUUID().slice(0, 8)}`;
    await redis.hset(keys.tail(threadId), "1", JSON.stringify(record(threadId, 1, "x")));
    const jobs = recordingJobs();
    const deps = { checkpoint, store: store(() => true), jobs };
    const payload = { thread_id: threadId, seq: 1, rev: 1 };
    await expect(persistMessage(deps, payload, { finalAttempt: false })).rejects.toThrow(
      "store refused",
    );
    expect(jobs.dead).toEqual([]);
    expect(await redis.hlen(keys.tail(threadId))).toBe(1);
    const last = await persistMessage(deps, payload, { finalAttempt: true });
    expect(last).toMatchObject({ written: 0, trimmed: 1, deadLettered: 1 });
    expect(jobs.dead.map((d) => [d.seq, d.reason])).toEqual([[1, "store refused the write"]]);
    expect(await redis.hlen(keys.tail(threadId))).toBe(0);
  });

  test("a lone surrogate in the tail persists and trims (no cjson in the trim)", async () => {
    const threadId = `t_${crypto.randomUUID().slice(0, 8)}`;
    await redis.hset(keys.tail(threadId), "1", JSON.stringify(record(threadId, 1, "a\ud800b")));
    const jobs = recordingJobs();
    const deps = { checkpoint, store: store(() => false), jobs };
    const out = await persistMessage(deps, { thread_id: threadId, seq: 1, rev: 1 });
    expect(out).toEqual({ written: 1, trimmed: 1 });
    expect(jobs.dead).toEqual([]);
  });

  test("a trim never removes an entry replaced since it was read", async () => {
    const threadId = `t_${crypto.randomUUID().slice(0, 8)}`;
    const tail = keys.tail(threadId);
    await redis.hset(tail, "1", JSON.stringify({ ...record(threadId, 1, "v2"), rev: 2 }));
    expect(await checkpoint.trimTail(threadId, [{ seq: 1, rev: 1 }])).toBe(0);
    expect(await checkpoint.trimTail(threadId, [{ seq: 1, rev: 2 }])).toBe(1);
    await redis.hset(tail, "2", "not json at all");
    expect(await checkpoint.readTail(threadId)).toEqual([]);
    expect(await checkpoint.trimTail(threadId, [{ seq: 2, rev: 9 }])).toBe(0);
  });
});
