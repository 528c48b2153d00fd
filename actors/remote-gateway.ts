/**
 * A thread owned by another live node: commands are forwarded to the owner (OwnerClient), and
 * streams are followed here from the checkpoint and the live bus (live-feed.ts), so events never
 * travel back over the forwarding connection. When the owner cannot be reached or says it no
 * longer owns the thread, the command is routed again (`reroute`), which ends in this node taking
 * the lease once it lapses.
 */

import type { NewMessage, ThreadRecord } from "../src/domain/records.ts";
import type { Forwarded, OwnerAddress, OwnerClient, ThreadRef } from "../src/ports/owner-client.ts";
import type { Block } from "../src/protocol/blocks.ts";
import type { Message } from "../src/protocol/objects.ts";
import type { EventEntry, Position } from "./event-entry.ts";
import type { LiveFeeds } from "./live-feed.ts";
import type { StreamSink, Subscription } from "./subscription.ts";
import type { ThreadGateway } from "./thread-gateway.ts";
import type { SendCommand, TurnTicket } from "./turn.ts";

export type Reroute = (failed: "unreachable" | "not_owner") => Promise<ThreadGateway>;

export class RemoteGateway implements ThreadGateway {
  readonly where = "remote";
  readonly #ref: ThreadRef;

  constructor(
    readonly thread: ThreadRecord,
    readonly owner: OwnerAddress,
    private readonly client: OwnerClient,
    private readonly feeds: LiveFeeds,
    private readonly reroute: Reroute,
  ) {
    this.#ref = { tenantId: thread.tenant_id, threadId: thread.id };
  }

  async send(command: SendCommand): Promise<TurnTicket> {
    const result = await this.client.send(this.owner, this.#ref, command);
    if (!result.ok) return (await this.reroute(result.reason)).send(command);
    return result.value;
  }

  async cancel(seq: number): Promise<void> {
    const result = await this.client.cancel(this.owner, this.#ref, seq);
    if (!result.ok) await (await this.reroute(result.reason)).cancel(seq);
  }

  async submitToolResult(toolUseId: string, content: string | Block[], isError: boolean) {
    const input = { toolUseId, content, isError };
    const result = await this.client.toolResult(this.owner, this.#ref, input);
    if (!result.ok)
      await (await this.reroute(result.reason)).submitToolResult(toolUseId, content, isError);
  }

  follow(
    after: Position | null,
    sink: StreamSink,
    onDelivered: ((last: EventEntry) => void) | null = null,
  ): Promise<Subscription> {
    return this.feeds.follow(this.thread, after, sink, onDelivered);
  }

  unfollow(subscription: Subscription): void {
    this.feeds.unfollow(this.thread.id, subscription);
  }

  startPosition(): Promise<Position> {
    return this.feeds.startPosition(this.thread.id);
  }

  snapshot(_seq: number): Message | null {
    return null; // the owner's assembler is on the owner; history reads come from the checkpoint
  }

  async deleteMessage(seq: number): Promise<Message> {
    const result = await this.client.deleteMessage(this.owner, this.#ref, seq);
    if (!result.ok) return (await this.reroute(result.reason)).deleteMessage(seq);
    return result.value;
  }

  async importMessages(messages: NewMessage[]): Promise<number[]> {
    const result = await this.client.importMessages(this.owner, this.#ref, messages);
    if (!result.ok) return (await this.reroute(result.reason)).importMessages(messages);
    return result.value;
  }

  async switchHead(seq: number): Promise<void> {
    const result = await this.client.switchHead(this.owner, this.#ref, seq);
    if (!result.ok) await (await this.reroute(result.reason)).switchHead(seq);
  }

  async stop(): Promise<void> {
    const result: Forwarded<void> = await this.client.stop(this.owner, this.#ref);
    if (!result.ok) await (await this.reroute(result.reason)).stop();
  }
}
