/**
 * Self-fencing in front of the checkpoint: an actor's writes go through this guard, which refuses
 * them (as `stale_epoch`, without a round trip) the moment the node cannot prove it still holds
 * the lease (`Ownership.held`). The Lua epoch check stays the authority; this guard stops a node
 * that was paused (GC, SIGSTOP) from even trying once its renewals are overdue.
 */
import type { CheckpointStore, Fenced } from "../src/ports/checkpoint.ts";

const FENCED: Fenced = { ok: false, reason: "stale_epoch" };

export function guardCheckpoint(inner: CheckpointStore, held: () => boolean): CheckpointStore {
  return {
    lastSeq: (t) => inner.lastSeq(t),
    initLastSeq: async (t, epoch, seq) => (held() ? inner.initLastSeq(t, epoch, seq) : FENCED),
    appendMessages: async (input) =>
      held() ? inner.appendMessages(input) : { kind: "fenced" as const },
    appendMessageGroup: async (input) =>
      held()
        ? inner.appendMessageGroup(input)
        : input.requests.map(() => ({ kind: "fenced" as const })),
    findRequest: (t, r) => inner.findRequest(t, r),
    putMessage: async (t, epoch, record) => (held() ? inner.putMessage(t, epoch, record) : FENCED),
    readTail: (t) => inner.readTail(t),
    readTailMessage: (t, s) => inner.readTailMessage(t, s),
    readTailMessages: (t, seqs) => inner.readTailMessages(t, seqs),
    trimTail: (t, entries) => inner.trimTail(t, entries),
    // Not async: on the per-batch hot path an async wrapper adds a promise and extra microtask
    // turns to every append of every stream (issue 17).
    appendEvents: (t, epoch, batches) =>
      held() ? inner.appendEvents(t, epoch, batches) : Promise.resolve(FENCED),
    readEvents: (t, s, from, limit) => inner.readEvents(t, s, from, limit),
    eventCount: (t, s) => inner.eventCount(t, s),
    expireEvents: (t, s, ttl) => inner.expireEvents(t, s, ttl),
    // Not fenced: only an owner erases, after its fenced putMessage of the erased version.
    deleteEvents: (t, s) => inner.deleteEvents(t, s),
    deleteThread: (t) => inner.deleteThread(t),
    // The in-progress index is a reaper hint, not fenced state: a stale entry only costs a check.
    trackInProgress: (t, at) => inner.trackInProgress(t, at),
    listInProgress: (before, limit) => inner.listInProgress(before, limit),
    untrackInProgress: (t, since) => inner.untrackInProgress(t, since),
    // Drafts are proposals (workers write them); the summary's append is the fenced write.
    putSummaryDraft: (t, draft, ttl) => inner.putSummaryDraft(t, draft, ttl),
    readSummaryDraft: (t) => inner.readSummaryDraft(t),
    deleteSummaryDraft: (t, covers) => inner.deleteSummaryDraft(t, covers),
  };
}
