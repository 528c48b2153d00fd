/**
 * The most recent durable events of one thread, for instant replay on reconnect. Events arrive in
 * position order (a thread's messages never interleave: turns are serialized). Everything after
 * `floor` is in the buffer; a read from before it is a miss and goes to the Redis checkpoint.
 */
import { compare, END, type EventEntry, endOf, type Position } from "./event-entry.ts";

/** 16,384 events: a long answer (~10k chunks) replays from memory; ~2–8 MB per busy thread. */
export const RING_MAX_EVENTS = 16_384;

export type RingRead = { kind: "events"; events: EventEntry[] } | { kind: "miss" };

export class RingBuffer {
  readonly #capacity: number;
  /** Grows up to `capacity` (most threads never fill it), then wraps. */
  readonly #items: EventEntry[] = [];
  #start = 0;
  #size = 0;
  #floor: Position;

  /** `floor`: every event after this position will pass through the buffer. */
  constructor(floor: Position, capacity = RING_MAX_EVENTS) {
    this.#capacity = capacity;
    this.#floor = floor;
  }

  get size(): number {
    return this.#size;
  }

  get last(): EventEntry | undefined {
    return this.#size === 0 ? undefined : this.#at(this.#size - 1);
  }

  push(entry: EventEntry): void {
    if (this.#items.length < this.#capacity) {
      this.#items.push(entry);
      this.#size++;
      return;
    }
    if (this.#size === this.#capacity) {
      const evicted = this.#at(0)!;
      this.#floor = { seq: evicted.seq, offset: evicted.offset };
      this.#start = (this.#start + 1) % this.#capacity;
      this.#size--;
    }
    this.#items[(this.#start + this.#size) % this.#capacity] = entry;
    this.#size++;
  }

  /**
   * Events strictly after `after`, or a miss when some of them were evicted, or when `after` names
   * an event past the end of its message (the checkpoint replay then answers with stream.reset).
   */
  readAfter(after: Position): RingRead {
    if (compare(after, this.#floor) < 0) return { kind: "miss" };
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.#at(mid)!, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && namesMissingEvent(this.#at(lo - 1)!, after)) return { kind: "miss" };
    const events: EventEntry[] = new Array(this.#size - lo);
    for (let i = lo; i < this.#size; i++) events[i - lo] = this.#at(i)!;
    return { kind: "events", events };
  }

  /**
   * Forgets every event of messages up to `seq` (an erased message must not replay from memory):
   * the floor rises to the end of `seq`, so a read from before it misses and the checkpoint, which
   * no longer has the erased log, answers with the erased state.
   */
  dropThrough(seq: number): void {
    const end = endOf(seq);
    if (compare(end, this.#floor) > 0) this.#floor = end;
    const kept: EventEntry[] = [];
    for (let i = 0; i < this.#size; i++) {
      const entry = this.#at(i)!;
      if (entry.seq > seq) kept.push(entry);
    }
    // Rebuilt unwrapped (rare: one erase), so `push` can grow it again from index 0.
    this.#items.length = 0;
    this.#items.push(...kept);
    this.#start = 0;
    this.#size = kept.length;
  }

  #at(i: number): EventEntry | undefined {
    return this.#items[(this.#start + i) % this.#capacity];
  }
}

/** `prev` is the last buffered event at or before `after`: same message, but shorter. */
function namesMissingEvent(prev: EventEntry, after: Position): boolean {
  return after.offset !== END && prev.seq === after.seq && prev.offset < after.offset;
}
