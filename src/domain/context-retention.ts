/**
 * How much of a thread its actor keeps in memory (API.md "Long threads": only what the next
 * context needs). Newest first, the actor keeps messages down to the one the newest summary covers
 * (the context is that summary and what follows), and never more than a byte bound: past it the
 * oldest would be left out of any context anyway, since the bound is far above every model's
 * window. Pure: used by actors/thread-context.ts on its records and by the history reader to stop
 * reading a long thread's older pages.
 */
import type { MessageRecord } from "./records.ts";

/**
 * 8 MiB of message JSON per thread actor: above the largest window (~1M tokens ≈ 4 MiB of text)
 * with room for JSON and tool payloads, so the bound never cuts a context short.
 */
export const MAX_CONTEXT_BYTES_PER_ACTOR = 8 * 1024 * 1024;

/** The newest completed summary (by seq), or null. */
export function newestSummary(records: readonly MessageRecord[]): MessageRecord | null {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    if (r.role === "summary" && r.status === "completed" && r.covers_through_seq !== undefined)
      return r;
  }
  return null;
}

/**
 * The index of the first record (of `records`, in seq order) the actor must keep: the one the
 * newest summary covers (the context builder finds the summary's place by it), or the oldest that
 * fits `maxBytes` counting from the newest, whichever is newer. 0 when everything is kept.
 */
export function retentionStart(
  records: readonly MessageRecord[],
  maxBytes: number,
  sizeOf: (record: MessageRecord) => number,
): number {
  const floorSeq = newestSummary(records)?.covers_through_seq ?? Number.NEGATIVE_INFINITY;
  let bytes = 0;
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    if (r.seq < floorSeq) return i + 1;
    bytes += sizeOf(r);
    if (bytes > maxBytes) return i + 1;
  }
  return 0;
}

/** What a record costs to keep, as its JSON length (close to its in-memory size for text). */
export function recordBytes(record: MessageRecord): number {
  return JSON.stringify(record).length;
}
