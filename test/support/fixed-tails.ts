/**
 * The tail reads the finished-message jobs make (workers/message-source.ts, backfill), over tails
 * a test fixes by thread; nothing else of the CheckpointStore is there.
 */
import type { MessageRecord } from "../../src/domain/records.ts";
import type { CheckpointStore } from "../../src/ports/checkpoint.ts";

export function fixedTails(
  byThread: Map<string, MessageRecord[]> | Record<string, MessageRecord[]> = {},
): CheckpointStore {
  const tail = (threadId: string) =>
    (byThread instanceof Map ? byThread.get(threadId) : byThread[threadId]) ?? [];
  const one = (threadId: string, seq: number) => tail(threadId).find((r) => r.seq === seq) ?? null;
  const partial: Partial<CheckpointStore> = {
    readTail: async (threadId) => tail(threadId),
    readTailMessage: async (threadId, seq) => one(threadId, seq),
    readTailMessages: async (threadId, seqs) => seqs.map((seq) => one(threadId, seq)),
  };
  return partial as CheckpointStore;
}
