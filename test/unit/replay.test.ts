import { describe, expect, test } from "bun:test";
import { replayAfter } from "../../actors/replay.ts";
import type { MessageRecord } from "../../src/domain/records.ts";
import type { CheckpointStore } from "../../src/ports/checkpoint.ts";
import { messageRecord, threadRecord } from "../support/records.ts";

/** Event logs by seq (absent: no log key) and the records `message` answers. */
function source(logs: Map<number, string[]>, records: MessageRecord[]) {
  const checkpoint: Partial<CheckpointStore> = {
    readEvents: async (_thread, seq, from, limit) => {
      const log = logs.get(seq);
      if (!log) return null;
      return log.slice(from, limit === undefined ? undefined : from + limit);
    },
    eventCount: async (_thread, seq) => logs.get(seq)?.length ?? 0,
  };
  return {
    checkpoint: checkpoint as CheckpointStore,
    message: async (_thread: string, seq: number) => records.find((r) => r.seq === seq) ?? null,
  };
}

const event = (type: string, seq: number, offset: number) =>
  JSON.stringify({ type, thread_id: "thr_x", cursor: `${seq}:${offset}` });

describe("replayAfter", () => {
  const thread = threadRecord();
  const user = messageRecord(thread, 2, { last_offset: 0 });
  const logs = new Map([[2, [event("message.created", 2, 0)]]]);
  /** What a follower from 1:0 is replayed when answer 3 is in `state` and has no log key. */
  const replayedWithAnswer = async (state: Partial<MessageRecord>) => {
    const answer = messageRecord(thread, 3, { role: "assistant", ...state });
    const replayed = await replayAfter(
      source(logs, [user, answer]),
      thread.id,
      { seq: 1, offset: 0 },
      3,
    );
    return replayed.entries.map((e) => `${e.seq} ${e.meta.type}`);
  };

  test("a message appended but with no durable event yet is not reported expired: its events come live", async () => {
    // The owner appended 2 and 3; 3's first event (message.created) is not written yet.
    expect(await replayedWithAnswer({ status: "in_progress", last_offset: 0 })).toEqual([
      "2 message.created",
    ]);
  });

  test("an ended message whose log is gone is reported with stream.reset (expired)", async () => {
    expect(await replayedWithAnswer({ status: "completed", last_offset: 5 })).toEqual([
      "2 message.created",
      "3 stream.reset",
    ]);
  });
});
