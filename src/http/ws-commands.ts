/**
 * What each client frame does on a WebSocket session (subscribe, send, cancel, tool_result…), and
 * the session's subscriptions (one per thread), which only this class changes. It sees the socket
 * through `WsPeer` (ws-session.ts implements it), so the two modules do not import each other.
 */
import { cursorOf, endOf, type Position, positionFromCursor } from "../../actors/event-entry.ts";
import type { StreamSink, Subscription } from "../../actors/subscription.ts";
import type { ThreadGateway } from "../../actors/thread-gateway.ts";
import type { AuthContext } from "../domain/auth-context.ts";
import { parseStreamCursor } from "../domain/stream-cursor.ts";
import type { SendBody } from "../protocol/requests.ts";
import type { ClientFrame } from "../protocol/ws-frames.ts";
import type { Services } from "./services.ts";

/** The socket side of a session, as the commands use it. */
export interface WsPeer {
  readonly auth: AuthContext;
  readonly closed: boolean;
  sendFrame(frame: object): void;
  /** The sink for one thread's events; `onDone` runs when that stream ends normally. */
  sinkFor(threadId: string, onDone: () => void): StreamSink;
}

export class WsCommands {
  readonly #subscriptions = new Map<
    string,
    { gateway: ThreadGateway; subscription: Subscription }
  >();

  constructor(
    private readonly services: Services,
    private readonly session: WsPeer,
  ) {}

  /** The socket closed: every subscription of the session ends. */
  unfollowAll(): void {
    for (const { gateway, subscription } of this.#subscriptions.values())
      gateway.unfollow(subscription);
    this.#subscriptions.clear();
  }

  async dispatch(frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case "ping":
        return this.session.sendFrame({ type: "pong" });
      case "subscribe":
        return this.#subscribe(
          frame.thread_id,
          frame.after ? positionFromCursor(parseStreamCursor(frame.after)) : null,
        );
      case "unsubscribe":
        return this.#unsubscribe(frame.thread_id);
      case "send":
        return this.#send(frame);
      case "cancel":
        await this.services.commands.cancel(this.session.auth, frame.thread_id, frame.seq);
        return;
      case "tool_result":
        return this.services.commands.submitToolResult(this.session.auth, frame.thread_id, {
          toolUseId: frame.tool_use_id,
          content: frame.content,
          isError: frame.is_error ?? false,
        });
    }
  }

  #sinkFor(threadId: string): StreamSink {
    return this.session.sinkFor(threadId, () => this.#subscriptions.delete(threadId));
  }

  #gateway(threadId: string) {
    return this.services.commands.gateway(this.session.auth, threadId);
  }

  async #subscribe(threadId: string, after: Position | null): Promise<void> {
    const gateway = await this.#gateway(threadId);
    if (this.session.closed) return;
    this.#unsubscribe(threadId);
    // `subscribed` goes out before any replayed event (follow may deliver synchronously from the
    // ring) and names where the subscription starts; that may be the end of a message (offset
    // 9007199254740991), which is a valid cursor to resume from.
    const from = after ?? (await gateway.startPosition());
    if (this.session.closed) return;
    const cursor = cursorOf(from);
    this.session.sendFrame({ type: "subscribed", thread_id: threadId, cursor });
    const subscription = await gateway.follow(from, this.#sinkFor(threadId));
    if (this.session.closed) return gateway.unfollow(subscription);
    this.#unsubscribe(threadId);
    this.#subscriptions.set(threadId, { gateway, subscription });
  }

  #unsubscribe(threadId: string): void {
    const current = this.#subscriptions.get(threadId);
    if (!current) return;
    current.gateway.unfollow(current.subscription);
    this.#subscriptions.delete(threadId);
  }

  async #send(frame: Extract<ClientFrame, { type: "send" }>): Promise<void> {
    const { type: _type, thread_id: threadId, ...body } = frame;
    const sendBody = body as SendBody;
    const { gateway, ticket, requestId } = await this.services.commands.send(
      this.session.auth,
      threadId,
      sendBody,
      { transport: "ws" },
    );
    this.session.sendFrame({
      type: "ack",
      request_id: requestId,
      thread_id: threadId,
      user_seq: ticket.userSeq,
      assistant_seq: ticket.assistantSeq,
    });
    if (!this.#subscriptions.has(threadId) && !this.session.closed) {
      const sink = this.#sinkFor(threadId);
      const subscription = await gateway.follow(endOf(ticket.userSeq - 1), sink);
      if (this.session.closed || this.#subscriptions.has(threadId)) {
        return gateway.unfollow(subscription);
      }
      this.#subscriptions.set(threadId, { gateway, subscription });
    }
  }
}
