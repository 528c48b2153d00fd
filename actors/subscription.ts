/**
 * One client's following of one thread: where it is (the position of the last event it was
 * sent), and whether it is catching up (replay in progress; live events are held back), live, or
 * paused because its socket is not draining. Delivery skips anything at or before the position,
 * so replay and live overlap harmlessly and nothing is sent twice.
 */
import { compare, type EventEntry, eventType, type Position } from "./event-entry.ts";

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

export type SubscriptionState = "catching_up" | "live" | "paused" | "closed";

export class Subscription {
  position: Position;
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
    if (first && eventType(first.json) === "stream.reset" && compare(first, this.position) <= 0) {
      this.position = { seq: first.seq, offset: first.offset - 1 };
    }
    this.#deliver(replayed);
    if (this.state === "live") this.#deliver(held);
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
    if (first === entries.length) return;
    const fresh = first === 0 ? entries : entries.slice(first);
    this.#sink.send(fresh);
    const last = fresh[fresh.length - 1]!;
    this.position = { seq: last.seq, offset: last.offset };
    this.onDelivered?.(last);
    if (this.state === "live" && this.#sink.bufferedBytes() > this.#maxBufferedBytes) this.#pause();
  }

  #pause(): void {
    this.state = "paused";
    this.onPause?.(this);
  }
}
