/**
 * One client's following of one thread: where it is (the position of the last event it was
 * sent), and whether it is catching up (replay in progress; live events are held back), live, or
 * paused because its socket is not draining. Delivery skips anything at or before the position,
 * so replay and live overlap harmlessly and nothing is sent twice.
 */
import { compare, type EventEntry, type Position } from "./event-entry.ts";

export interface StreamSink {
  /** Queues the events for the client (one coalesced write per call where the transport allows). */
  send(entries: EventEntry[]): void;
  /** Bytes queued for the client and not yet sent. */
  bufferedBytes(): number;
  /** Calls back once, when the queued bytes have drained enough to send again. */
  onDrain(callback: () => void): void;
  /** Ends the stream: `reconnect` tells the client to come back with its cursor. */
  close(reason: "done" | "reconnect" | "revoked"): void;
  readonly closed: boolean;
}

/** 64 KiB per write at most: a few hundred events, one coalesced socket write. */
const MAX_SLICE_BYTES = 64 * 1024;

/** End (exclusive) of the slice from `start` holding up to `maxBytes` of JSON (at least one event). */
function sliceEnd(entries: EventEntry[], start: number, maxBytes: number): number {
  let bytes = 0;
  let end = start;
  while (end < entries.length && (end === start || bytes + entries[end]!.json.length <= maxBytes)) {
    bytes += entries[end]!.json.length;
    end++;
  }
  return end;
}

export type SubscriptionState = "catching_up" | "live" | "paused" | "closed";

export class Subscription {
  position: Position;
  /** Whether the last event sent closed its message (a live batch may then start the next). */
  lastFinal = false;
  state: SubscriptionState = "catching_up";
  readonly #sink: StreamSink;
  readonly #maxBufferedBytes: number;
  #held: EventEntry[] = [];
  /** Called when the sink is over its bound; the owner unhooks it and re-follows on drain. */
  onPause: ((subscription: Subscription) => void) | null = null;
  /** Called after each delivery; the POST stream uses it to end after its turn's final event. */
  onDelivered: ((last: EventEntry) => void) | null = null;

  constructor(sink: StreamSink, from: Position, maxBufferedBytes: number) {
    this.#sink = sink;
    this.position = from;
    this.#maxBufferedBytes = maxBufferedBytes;
  }

  get sink(): StreamSink {
    return this.#sink;
  }

  /** Live events from the actor. */
  receive(entries: EventEntry[]): void {
    if (this.state === "catching_up") this.#held.push(...entries);
    else if (this.state === "live") this.#deliver(entries);
  }

  /** Replayed events, then the live events held back meanwhile; the subscription goes live. */
  finishCatchUp(replayed: EventEntry[]): void {
    if (this.state !== "catching_up") return;
    const held = this.#held;
    this.#held = [];
    this.state = "live";
    // A reset answers a cursor the server cannot honour (often one past it): deliver it anyway.
    const first = replayed[0];
    if (first && first.meta.type === "stream.reset" && compare(first, this.position) <= 0) {
      this.position = { seq: first.seq, offset: first.offset - 1 };
    }
    this.#deliver(replayed);
    if (this.state === "live") this.#deliver(held);
  }

  /**
   * One window of a longer replay: delivered at once, the subscription stays catching up (live
   * events still held) unless the bound paused it. True when the caller should read on.
   */
  continueCatchUp(replayed: EventEntry[]): boolean {
    if (this.state !== "catching_up") return false;
    // Held live events are durable, so the next read returns them: no need to keep them.
    this.#held = [];
    this.#deliver(replayed);
    return this.state === "catching_up";
  }

  close(reason: "done" | "reconnect" | "revoked"): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.#held = [];
    if (!this.#sink.closed) this.#sink.close(reason);
  }

  #deliver(entries: EventEntry[]): void {
    if (this.#sink.closed) {
      this.state = "closed";
      return;
    }
    let first = 0;
    while (first < entries.length && compare(entries[first]!, this.position) <= 0) first++;
    // In slices, checking the bound after each: a catch-up of thousands of events must not land in
    // the socket's buffer in one piece. Once paused, the rest is re-read from position on drain.
    while (first < entries.length && this.#flowing() && !this.#sink.closed) {
      const end = sliceEnd(entries, first, Math.min(this.#maxBufferedBytes, MAX_SLICE_BYTES));
      this.#sendSlice(first === 0 && end === entries.length ? entries : entries.slice(first, end));
      first = end;
    }
  }

  #sendSlice(fresh: EventEntry[]): void {
    this.#sink.send(fresh);
    const last = fresh[fresh.length - 1]!;
    this.position = { seq: last.seq, offset: last.offset };
    this.lastFinal = last.final;
    this.onDelivered?.(last);
    if (this.#flowing() && this.#sink.bufferedBytes() > this.#maxBufferedBytes) this.#pause();
  }

  #flowing(): boolean {
    return this.state === "live" || this.state === "catching_up";
  }

  #pause(): void {
    this.state = "paused";
    this.#held = []; // re-read from the position on drain
    this.onPause?.(this);
  }
}
