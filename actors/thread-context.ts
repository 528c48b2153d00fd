/**
 * The thread as its model calls see it, kept by the owning actor: read once from history (newest
 * first, only as far back as the next context can reach: domain/context-retention.ts), then kept
 * current by the message writer (the thread's only writer while it holds the lease), so a turn on
 * a long thread does not re-read the store, and an actor's memory is bounded however long its
 * thread grows: once a summary lands, the messages it covers are let go.
 */
import {
  MAX_CONTEXT_BYTES_PER_ACTOR,
  recordBytes,
  retentionStart,
} from "../src/domain/context-retention.ts";
import type { MessageRecord } from "../src/domain/records.ts";

export class ThreadContext {
  /** Seq order, newest version of each. */
  #ordered: MessageRecord[] | null = null;
  #loading: Promise<MessageRecord[]> | null = null;
  /** Versions written while the first read was in flight, applied over it. */
  #written: MessageRecord[] = [];
  #dirty = false;
  readonly #sizes = new WeakMap<MessageRecord, number>();

  /** `load`: the thread's newest records in seq order (the reader stops where retention does). */
  constructor(
    private readonly load: () => Promise<MessageRecord[]>,
    readonly maxBytes = MAX_CONTEXT_BYTES_PER_ACTOR,
  ) {}

  /** The retained messages in seq order, newest version of each; summaries included. */
  async records(): Promise<readonly MessageRecord[]> {
    const ordered = this.#ordered ?? (await this.#firstRead());
    if (this.#dirty) this.#trim(ordered);
    return this.#ordered ?? ordered;
  }

  /** JSON bytes held (for the benchmark and metrics). */
  get bytes(): number {
    return (this.#ordered ?? []).reduce((n, r) => n + this.#size(r), 0);
  }

  /** A new message or a new version of one, as this node wrote it. */
  put(record: MessageRecord): void {
    if (this.#ordered) {
      insertOrReplace(this.#ordered, record);
      this.#dirty = true;
    } else if (this.#loading) this.#written.push(record);
  }

  #trim(ordered: MessageRecord[]): void {
    const start = retentionStart(ordered, this.maxBytes, (r) => this.#size(r));
    if (start > 0) this.#ordered = ordered.slice(start);
    this.#dirty = false;
  }

  #size(record: MessageRecord): number {
    let n = this.#sizes.get(record);
    if (n === undefined) {
      n = recordBytes(record);
      this.#sizes.set(record, n);
    }
    return n;
  }

  #firstRead(): Promise<MessageRecord[]> {
    this.#loading ??= this.load().then((loaded) => {
      const ordered = [...loaded].sort((a, b) => a.seq - b.seq);
      for (const record of this.#written) insertOrReplace(ordered, record);
      this.#written = [];
      this.#ordered = ordered;
      this.#dirty = true;
      this.#loading = null;
      return ordered;
    });
    return this.#loading;
  }
}

/** Appends (the common case: a new seq) or replaces / inserts by binary search. */
function insertOrReplace(ordered: MessageRecord[], record: MessageRecord): void {
  const last = ordered[ordered.length - 1];
  if (!last || last.seq < record.seq) {
    ordered.push(record);
    return;
  }
  let lo = 0;
  let hi = ordered.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ordered[mid]!.seq < record.seq) lo = mid + 1;
    else hi = mid;
  }
  if (ordered[lo]?.seq === record.seq) ordered[lo] = record;
  else ordered.splice(lo, 0, record);
}
