/**
 * Follows one compatibility turn: the events of its assistant message `seq`, from the thread's
 * stream (replay, then live), as an async iterable that ends with the turn — the message's final
 * event, its last `tool.waiting` (one per tool_use block), or a final `stream.reset`. The
 * subscription is kept until the turn ends even when the HTTP client went away (`detach`): a
 * disconnect never cancels, and the end of the turn is what records the conversation's fingerprint.
 * A slow reader pauses the subscription through the sink's buffered bytes, as SSE clients do.
 */
import type { EventEntry, Position } from "../../actors/event-entry.ts";
import type { StreamSink } from "../../actors/subscription.ts";
import type { StreamEvent } from "../protocol/events.ts";
import type { Message } from "../protocol/objects.ts";

/** Events the reader has not taken yet beyond this pause the subscription (catch-up later). */
const MAX_QUEUED_BYTES = 1024 * 1024;

/** `lost`: the stream was closed for good before the turn ended (thread deleted, key revoked). */
export type TurnEnd = "final" | "waiting" | "lost";

export class TurnFollower implements StreamSink, AsyncIterable<StreamEvent> {
  readonly seq: number;
  #queue: { event: StreamEvent; bytes: number }[] = [];
  #queuedBytes = 0;
  #wake: (() => void) | null = null;
  #drain: (() => void)[] = [];
  #detached = false;
  #readerEnded = false;
  #closed = false;
  #end: TurnEnd | null = null;
  #toolUses = 0;
  #waitings = 0;
  #last: Position | null = null;
  #final: Message | null = null;
  #ended: Promise<TurnEnd>;
  #resolveEnded!: (end: TurnEnd) => void;
  /** Called when the subscription closed before the turn ended (owner moved): follow again. */
  onLost: ((after: Position | null) => void) | null = null;

  constructor(seq: number) {
    this.seq = seq;
    this.#ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  /** Resolves when the turn ended (never rejects; a lost stream is followed again). */
  get ended(): Promise<TurnEnd> {
    return this.#ended;
  }

  /** The final message, when the turn ended with one (the store may lag behind the event). */
  get finalMessage(): Message | null {
    return this.#final;
  }

  get closed(): boolean {
    return this.#closed || this.#end !== null;
  }

  send(entries: EventEntry[]): void {
    for (const entry of entries) {
      if (this.#end !== null) break;
      this.#last = { seq: entry.seq, offset: entry.offset };
      if (entry.seq !== this.seq) continue;
      const event = (entry.event ?? JSON.parse(entry.json)) as StreamEvent;
      if (!this.#detached) {
        this.#queue.push({ event, bytes: entry.json.length });
        this.#queuedBytes += entry.json.length;
      }
      const end = this.#endOf(event);
      if (end === "final" && "message" in event) this.#final = event.message;
      if (end) this.#finish(end);
    }
    this.#wakeReader();
  }

  bufferedBytes(): number {
    return this.#detached ? 0 : Math.max(0, this.#queuedBytes - MAX_QUEUED_BYTES / 2);
  }

  onDrain(callback: () => void): void {
    this.#drain.push(callback);
    if (this.#detached || this.#queuedBytes === 0) this.#drained();
  }

  close(reason: "done" | "reconnect" | "revoked"): void {
    if (this.#end !== null || this.#closed) return;
    if (reason === "reconnect" && this.onLost) {
      this.onLost(this.#last);
      return;
    }
    this.#closed = true;
    this.#resolveEnded("lost");
    this.#wakeReader();
  }

  /** The reader's credential was revoked: its iteration ends now; the turn is still followed. */
  endReader(): void {
    this.#readerEnded = true;
    this.detach();
    this.#wakeReader();
  }

  /** The HTTP client went away: stop queueing for it, keep following to the end of the turn. */
  detach(): void {
    this.#detached = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#drained();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    for (;;) {
      if (this.#readerEnded) return;
      const next = this.#queue.shift();
      if (next) {
        this.#queuedBytes -= next.bytes;
        if (this.#queuedBytes === 0) this.#drained();
        yield next.event;
        continue;
      }
      if (this.#end !== null || this.#closed || this.#readerEnded) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #endOf(event: StreamEvent): TurnEnd | null {
    switch (event.type) {
      case "block.start":
        if (event.block.type === "tool_use") this.#toolUses++;
        return null;
      case "tool.waiting":
        return ++this.#waitings >= this.#toolUses ? "waiting" : null;
      case "message.completed":
      case "message.incomplete":
      case "message.failed":
        return "final";
      case "stream.reset": {
        this.#toolUses = event.message.content.filter((b) => b.type === "tool_use").length;
        return event.message.status === "in_progress" ? null : "final";
      }
      default:
        return null;
    }
  }

  #finish(end: TurnEnd): void {
    this.#end = end;
    this.#resolveEnded(end);
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #drained(): void {
    const callbacks = this.#drain;
    this.#drain = [];
    for (const callback of callbacks) callback();
  }
}
