/**
 * The event log of one thread on its owner: assigns offsets, serializes each event once, hands it
 * to the checkpoint writer, and once durable fans it out to the ring buffer, the in-progress
 * assemblers (read-your-writes of partial content) and the live subscribers.
 */
import { MessageAssembler } from "../src/domain/message-assembly.ts";
import { formatStreamCursor } from "../src/domain/stream-cursor.ts";
import { isFinalEvent, type LogEvent } from "../src/protocol/events.ts";
import type { Message } from "../src/protocol/objects.ts";
import type { CheckpointWriter } from "./checkpoint-writer.ts";
import type { EventEntry } from "./event-entry.ts";
import type { RingBuffer } from "./ring-buffer.ts";
import type { SubscriberSet } from "./subscriber-set.ts";

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
  #lastDurable: EventEntry | null = null;

  constructor(
    threadId: string,
    readonly writer: CheckpointWriter,
    readonly ring: RingBuffer,
    readonly subscribers: SubscriberSet,
  ) {
    this.#threadId = threadId;
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
    const entry: EventEntry = {
      seq,
      offset,
      json: JSON.stringify(event),
      final: closesLog(event),
      event,
    };
    if (!this.#assemblers.has(seq)) this.#assemblers.set(seq, new MessageAssembler());
    this.writer.push(entry);
    return entry;
  }

  lastOffset(seq: number): number {
    return (this.#nextOffset.get(seq) ?? 0) - 1;
  }

  /** The durable state of a message this node is writing (null when not in progress here). */
  snapshot(seq: number): Message | null {
    return this.#assemblers.get(seq)?.snapshot() ?? null;
  }

  /** Called by the checkpoint writer with each durable batch. */
  onDurable(entries: EventEntry[]): void {
    for (const entry of entries) {
      this.ring.push(entry);
      const assembler = this.#assemblers.get(entry.seq);
      if (assembler) {
        assembler.apply(entry.event ?? (JSON.parse(entry.json) as LogEvent));
        if (entry.final) this.#assemblers.delete(entry.seq);
      }
    }
    this.#lastDurable = entries[entries.length - 1] ?? this.#lastDurable;
    this.subscribers.deliver(entries);
  }

  forget(seq: number): void {
    this.#nextOffset.delete(seq);
    this.#assemblers.delete(seq);
  }
}
