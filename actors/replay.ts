/**
 * Replay from the Redis checkpoint, for cursors the ring buffer cannot serve (evicted, another
 * node, after a restart). Where a message's log is gone (expired, lost) the client gets an honest
 * `stream.reset` with the message's current state instead of a silent gap.
 */

import type { MessageRecord } from "../src/domain/records.ts";
import { toWireMessage } from "../src/domain/records.ts";
import { formatStreamCursor } from "../src/domain/stream-cursor.ts";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { StreamResetEvent } from "../src/protocol/events.ts";
import { FINAL_EVENT_TYPES } from "../src/protocol/events.ts";
import {
  compare,
  type EventEntry,
  entryOf,
  eventType,
  nextOffset,
  type Position,
} from "./event-entry.ts";

export interface ReplaySource {
  checkpoint: CheckpointStore;
  message(threadId: string, seq: number): Promise<MessageRecord | null>;
}

export function resetEntry(record: MessageRecord, reason: StreamResetEvent["reason"]): EventEntry {
  const offset = Math.max(record.last_offset, 0);
  const event: StreamResetEvent = {
    type: "stream.reset",
    thread_id: record.thread_id,
    cursor: formatStreamCursor(record.seq, offset),
    seq: record.seq,
    message: toWireMessage(record),
    reason,
  };
  return entryOf(record.seq, offset, JSON.stringify(event), record.status !== "in_progress");
}

/**
 * 2,000 events per replay read (~300 KB): a slow subscriber catching up a long message re-reads a
 * window at a time instead of the whole rest of the message after every pause.
 */
export const REPLAY_WINDOW_EVENTS = 2000;

export interface Replayed {
  entries: EventEntry[];
  /** False when the window filled: read again after the last entry. */
  complete: boolean;
}

/** Durable events after `after`, up to message `lastSeq`, at most about `window` of them. */
export async function replayAfter(
  source: ReplaySource,
  threadId: string,
  after: Position,
  lastSeq: number,
  window = REPLAY_WINDOW_EVENTS,
): Promise<Replayed> {
  const out: EventEntry[] = [];
  if (after.seq > lastSeq) {
    // A cursor from the future (another thread's, or a lost hot tier): show where we really are.
    const latest = lastSeq > 0 ? await source.message(threadId, lastSeq) : null;
    return { entries: latest ? [resetEntry(latest, "unknown_cursor")] : [], complete: true };
  }
  const firstSeq = Math.max(after.seq, 1);
  for (let seq = firstSeq; seq <= lastSeq; seq++) {
    const from = seq === after.seq ? nextOffset(after) : 0;
    if (from === null) continue; // after the end of this message: nothing of it to replay
    const events = await source.checkpoint.readEvents(threadId, seq, from, window);
    if (events !== null && events.length === 0 && seq === after.seq && from > 0) {
      const length = await source.checkpoint.eventCount(threadId, seq);
      const record = length < from ? await source.message(threadId, seq) : null;
      if (record) out.push(resetEntry(record, "unknown_cursor"));
      continue;
    }
    if (events !== null) {
      events.forEach((json, i) => {
        out.push(entryOf(seq, from + i, json, FINAL_EVENT_TYPES.has(eventType(json))));
      });
      if (events.length >= window) return { entries: out, complete: false };
      continue;
    }
    const record = await source.message(threadId, seq);
    // No log: it expired (only an ended message's log has a TTL), or the message was appended and
    // its first event is not durable yet. The latter has nothing to replay: its events come live
    // (a follower through another node raced the owner here and got a false reset).
    if (record?.status === "in_progress") continue;
    if (record && compare({ seq, offset: record.last_offset }, after) > 0) {
      out.push(resetEntry(record, "expired"));
    }
  }
  return { entries: out, complete: true };
}
