/**
 * Group commit of stream events to the Redis checkpoint. One write is in flight at a time; events
 * pushed meanwhile form the next batch, so an idle thread pays one round trip per event and a busy
 * one batches. Events are handed to `onDurable` only after their batch is written: a client never
 * sees an event that a crash could take back. A fenced write (lost lease) stops the writer.
 */
import type { EventBatch, Fenced } from "../src/ports/checkpoint.ts";
import type { EventEntry } from "./event-entry.ts";

export interface CheckpointWriterOptions {
  write(batches: EventBatch[]): Promise<Fenced>;
  onDurable(entries: EventEntry[]): void;
  /** The lease is gone or the write failed for good: the actor must stop. */
  onFailure(reason: "fenced" | "error", error?: unknown): void;
  /** How long a message's log is kept after the message ends. */
  closedLogTtlMs: number;
}

export class CheckpointWriter {
  readonly #options: CheckpointWriterOptions;
  #pending: EventEntry[] = [];
  #inFlight: Promise<void> | null = null;
  #failed = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: CheckpointWriterOptions) {
    this.#options = options;
  }

  get failed(): boolean {
    return this.#failed;
  }

  push(entry: EventEntry): void {
    if (this.#failed) return;
    this.#pending.push(entry);
    if (!this.#inFlight) this.#inFlight = this.#drain();
  }

  /** Resolves when everything pushed so far is durable (or the writer failed). */
  flushed(): Promise<void> {
    if (!this.#inFlight) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0 && !this.#failed) {
      const batch = this.#pending;
      this.#pending = [];
      await this.#writeBatch(batch);
    }
    this.#inFlight = null;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async #writeBatch(entries: EventEntry[]): Promise<void> {
    try {
      const result = await this.#options.write(toBatches(entries, this.#options.closedLogTtlMs));
      if (!result.ok) return this.#fail("fenced");
      this.#options.onDurable(entries);
    } catch (error) {
      this.#fail("error", error);
    }
  }

  #fail(reason: "fenced" | "error", error?: unknown): void {
    this.#failed = true;
    this.#pending = [];
    this.#options.onFailure(reason, error);
  }
}

/**
 * 1,000 events per script call: Lua's `unpack` fails past ~8,000 values ("too many results to
 * unpack"), and a busy stream with no model delay forms batches far larger than that.
 */
export const MAX_EVENTS_PER_BATCH = 1000;

/** Splits entries (in position order) into batches of one message each, at most 1,000 events. */
export function toBatches(entries: EventEntry[], closedLogTtlMs: number): EventBatch[] {
  const batches: EventBatch[] = [];
  let current: EventBatch | null = null;
  for (const entry of entries) {
    if (!current || current.seq !== entry.seq || current.events.length >= MAX_EVENTS_PER_BATCH) {
      current = { seq: entry.seq, firstOffset: entry.offset, events: [] };
      batches.push(current);
    }
    current.events.push(entry.json);
    if (entry.final) current.expireAfterMs = closedLogTtlMs;
  }
  return batches;
}
