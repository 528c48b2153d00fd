/**
 * The event log of one thread on its owner: assigns offsets, serializes each event once, hands it
 * to its checkpoint writer, and once durable fans it out to its ring buffer, the in-progress
 * assemblers (read-your-writes of partial content), its local subscribers and `onDurable` (the
 * live bus). It owns the writer, the ring and the subscriber set; callers use its methods.
 */
import { MessageAssembler } from "../src/domain/message-assembly.ts";
import { formatStreamCursor } from "../src/domain/stream-cursor.ts";
import type { EventBatch, Fenced } from "../src/ports/checkpoint.ts";
import { isFinalEvent, type LogEvent } from "../src/protocol/events.ts";
import type { Message } from "../src/protocol/objects.ts";
import { CheckpointWriter } from "./checkpoint-writer.ts";
import { type EventEntry, endOf, entryOf, type Position } from "./event-entry.ts";
import { RingBuffer, type RingRead } from "./ring-buffer.ts";
import { SubscriberSet } from "./subscriber-set.ts";
import type { Subscription } from "./subscription.ts";

export interface ThreadLogOptions {
  threadId: string;
  /** The thread's last seq when the log starts: every later event passes through the ring. */
  lastSeq: number;
  write(batches: EventBatch[]): Promise<Fenced>;
  /** Each durable batch, after local delivery (the owner publishes it for other nodes). */
  onDurable(entries: EventEntry[]): void;
  /** The lease is gone or the write failed for good: the actor must stop. */
  onFailure(reason: "fenced" | "error", error?: unknown): void;
  closedLogTtlMs: number;
}

/** An event as the actor builds it: everything but the envelope fields the log adds. */
export type EventBody = LogEvent extends infer E
  ? E extends LogEvent
    ? Omit<E, "thread_id" | "cursor">
    : never
  : never;

function closesLog(event: LogEvent): boolean {
  return (
    isFinalEvent(event) ||
    (event.type === "message.created" && event.message.status !== "in_progress")
  );
}

export class ThreadLog {
  readonly #threadId: string;
  readonly #nextOffset = new Map<number, number>();
  readonly #assemblers = new Map<number, MessageAssembler>();
  readonly #writer: CheckpointWriter;
  readonly #ring: RingBuffer;
  readonly #subscribers = new SubscriberSet();
  readonly #onDurable: (entries: EventEntry[]) => void;
  #lastDurable: EventEntry | null = null;

  constructor(options: ThreadLogOptions) {
    this.#threadId = options.threadId;
    this.#ring = new RingBuffer(endOf(options.lastSeq));
    this.#onDurable = options.onDurable;
    this.#writer = new CheckpointWriter({
      write: options.write,
      onDurable: (entries) => this.#durable(entries),
      onFailure: options.onFailure,
      closedLogTtlMs: options.closedLogTtlMs,
    });
  }

  /** Resolves when every event emitted so far is durable (or the writer failed). */
  flushed(): Promise<void> {
    return this.#writer.flushed();
  }

  /** True once a write was fenced or failed: nothing more becomes durable. */
  get failed(): boolean {
    return this.#writer.failed;
  }

  /** Buffered durable events after `after`, or a miss (the checkpoint must answer). */
  readAfter(after: Position): RingRead {
    return this.#ring.readAfter(after);
  }

  /** Local subscribers get every durable batch from now on. */
  subscribe(subscription: Subscription): void {
    this.#subscribers.add(subscription);
  }

  unsubscribe(subscription: Subscription): void {
    this.#subscribers.delete(subscription);
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  closeSubscribers(reason: "done" | "reconnect" | "revoked"): void {
    this.#subscribers.closeAll(reason);
  }

  get lastDurable(): EventEntry | null {
    return this.#lastDurable;
  }

  /** Continue an existing log (recovery) at `length`. */
  resume(seq: number, length: number, assembler: MessageAssembler): void {
    this.#nextOffset.set(seq, length);
    this.#assemblers.set(seq, assembler);
  }

  emit(seq: number, body: EventBody): EventEntry {
    const offset = this.#nextOffset.get(seq) ?? 0;
    this.#nextOffset.set(seq, offset + 1);
    const event = {
      ...body,
      thread_id: this.#threadId,
      cursor: formatStreamCursor(seq, offset),
    } as LogEvent;
    const entry = entryOf(seq, offset, JSON.stringify(event), closesLog(event), event);
    if (!this.#assemblers.has(seq)) this.#assemblers.set(seq, new MessageAssembler());
    this.#writer.push(entry);
    return entry;
  }

  lastOffset(seq: number): number {
    return (this.#nextOffset.get(seq) ?? 0) - 1;
  }

  /** The durable state of a message this node is writing (null when not in progress here). */
  snapshot(seq: number): Message | null {
    return this.#assemblers.get(seq)?.snapshot() ?? null;
  }

  /** Each batch the checkpoint writer made durable. */
  #durable(entries: EventEntry[]): void {
    for (const entry of entries) {
      this.#ring.push(entry);
      const assembler = this.#assemblers.get(entry.seq);
      if (assembler) {
        assembler.apply(entry.event ?? (JSON.parse(entry.json) as LogEvent));
        if (entry.final) this.#assemblers.delete(entry.seq);
      }
    }
    this.#lastDurable = entries[entries.length - 1] ?? this.#lastDurable;
    this.#subscribers.deliver(entries);
    this.#onDurable(entries);
  }

  /** Message `seq` was erased: nothing of it (or before it) is replayed from memory any more. */
  dropReplay(seq: number): void {
    this.#ring.dropThrough(seq);
  }

  forget(seq: number): void {
    this.#nextOffset.delete(seq);
    this.#assemblers.delete(seq);
  }
}
