/**
 * The seam the routes use for a thread's commands and streams, wherever its actor lives:
 * `LocalGateway` when this node owns the thread, `RemoteGateway` (remote-gateway.ts) when another
 * live node does. Routes call the same methods either way (thread-router.ts picks).
 */
import type { ThreadRecord } from "../src/domain/records.ts";
import type { Block } from "../src/protocol/blocks.ts";
import type { Message } from "../src/protocol/objects.ts";
import type { EventEntry, Position } from "./event-entry.ts";
import type { NewMessage } from "./message-writer.ts";
import type { StreamSink, Subscription } from "./subscription.ts";
import type { ThreadActor } from "./thread-actor.ts";
import type { SendCommand, TurnTicket } from "./turn.ts";

export interface ThreadGateway {
  readonly thread: ThreadRecord;
  /** Where the thread's actor runs, as seen when the gateway was made. */
  readonly where: "local" | "remote";
  send(command: SendCommand): Promise<TurnTicket>;
  /** Stops generation `seq` if it is running and resolves once it settled; a no-op otherwise. */
  cancel(seq: number): Promise<void>;
  submitToolResult(toolUseId: string, content: string | Block[], isError: boolean): Promise<void>;
  /** Replays after `after` (null: from the running turn, or the end), then follows live. */
  follow(
    after: Position | null,
    sink: StreamSink,
    onDelivered?: ((last: EventEntry) => void) | null,
  ): Promise<Subscription>;
  unfollow(subscription: Subscription): void;
  /** Where a follow without a cursor starts: the running turn's start, or the thread's end. */
  startPosition(): Promise<Position>;
  /** The in-progress state of message `seq` where this node writes it; null otherwise. */
  snapshot(seq: number): Message | null;
  /** Stops the thread's actor (before a delete); its lease is released. */
  stop(): Promise<void>;
  /** Erases settled message `seq` on the owner (ThreadActor.deleteMessage); the erased message. */
  deleteMessage(seq: number): Promise<Message>;
  /** Makes `seq` the thread's head (`PATCH head_seq`); 409 while a turn runs. */
  switchHead(seq: number): Promise<void>;
  /** Appends settled historical messages in order; their seqs. 409 while a turn runs. */
  importMessages(messages: NewMessage[]): Promise<number[]>;
}

export class LocalGateway implements ThreadGateway {
  readonly where = "local";

  constructor(readonly actor: ThreadActor) {}

  get thread(): ThreadRecord {
    return this.actor.thread;
  }

  send(command: SendCommand): Promise<TurnTicket> {
    return this.actor.send(command);
  }

  async cancel(seq: number): Promise<void> {
    if (this.actor.cancel(seq)) await this.actor.whenSettled(seq);
  }

  async submitToolResult(toolUseId: string, content: string | Block[], isError: boolean) {
    this.actor.submitToolResult(toolUseId, content, isError);
  }

  async follow(
    after: Position | null,
    sink: StreamSink,
    onDelivered: ((last: EventEntry) => void) | null = null,
  ): Promise<Subscription> {
    return this.actor.follow(after, sink, onDelivered);
  }

  unfollow(subscription: Subscription): void {
    this.actor.unfollow(subscription);
  }

  async startPosition(): Promise<Position> {
    return this.actor.startPosition();
  }

  snapshot(seq: number): Message | null {
    return this.actor.snapshot(seq);
  }

  stop(): Promise<void> {
    return this.actor.stop("done");
  }

  deleteMessage(seq: number): Promise<Message> {
    return this.actor.deleteMessage(seq);
  }

  switchHead(seq: number): Promise<void> {
    return this.actor.switchHead(seq);
  }

  importMessages(messages: NewMessage[]): Promise<number[]> {
    return this.actor.importMessages(messages);
  }
}
