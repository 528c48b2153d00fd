/**
 * What each client frame does on a WebSocket session (subscribe, send, cancel, tool_result…), and
 * the session's subscriptions (one per thread), which only this class changes. It sees the socket
 * through `WsPeer` (ws-session.ts implements it), so the two modules do not import each other.
 */
import { cursorOf, endOf, type Position, positionFromCursor } from "../../actors/event-entry.ts";
import type { StreamSink } from "../../actors/subscription.ts";
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

/** One followed thread: `close` unfollows and gives the stream slot back, `release` only the slot. */
interface Followed {
  sink: StreamSink;
  close(): void;
  release(): void;
}

export class WsCommands {
  readonly #subscriptions = new Map<string, Followed>();
  /** Threads a send's follow is being set up for (so concurrent sends do not follow twice). */
  readonly #pending = new Set<string>();

  constructor(
    private readonly services: Services,
    private readonly session: WsPeer,
  ) {}

  /** The socket closed: every subscription of the session ends. */
  unfollowAll(): void {
    const all = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    for (const followed of all) followed.close();
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

  /**
   * A sink whose normal end removes only its own entry (a replaced or duplicate follow ending
   * must not end the thread's current subscription) and gives its stream slot back.
   */
  #sinkFor(threadId: string): StreamSink {
    const sink: StreamSink = this.session.sinkFor(threadId, () => {
      const current = this.#subscriptions.get(threadId);
      if (current?.sink !== sink) return;
      this.#subscriptions.delete(threadId);
      current.release();
    });
    return sink;
  }

  async #subscribe(threadId: string, after: Position | null): Promise<void> {
    // Re-subscribing replaces the old subscription; its stream slot goes back first, so it is
    // not counted twice against the cap (which the seam checks before any gateway is made).
    this.#unsubscribe(threadId);
    const sink = this.#sinkFor(threadId);
    // `subscribed` goes out before any replayed event (follow may deliver synchronously from the
    // ring) and names where the subscription starts; that may be the end of a message (offset
    // 9007199254740991), which is a valid cursor to resume from.
    const outcome = await this.services.commands.follow(this.session.auth, threadId, after, sink, {
      onStart: (from) => {
        if (this.session.closed) return;
        this.session.sendFrame({ type: "subscribed", thread_id: threadId, cursor: cursorOf(from) });
      },
    });
    if (this.session.closed) return outcome.close();
    this.#unsubscribe(threadId);
    this.#subscriptions.set(threadId, { sink, close: outcome.close, release: outcome.release });
  }

  #unsubscribe(threadId: string): void {
    const current = this.#subscriptions.get(threadId);
    if (!current) return;
    this.#subscriptions.delete(threadId);
    current.close();
  }

  async #send(frame: Extract<ClientFrame, { type: "send" }>): Promise<void> {
    const { type: _type, thread_id: threadId, ...body } = frame;
    const sendBody = body as SendBody;
    const { ticket, requestId } = await this.services.commands.send(
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
    if (this.#subscriptions.has(threadId) || this.#pending.has(threadId)) return;
    if (this.session.closed) return;
    // The send streams to this socket: a subscription like any other, under the stream caps
    // (past them the send still stands; the socket gets an error frame instead of the events).
    // One follow at a time per thread: it starts before this turn, so it carries later ones too.
    this.#pending.add(threadId);
    try {
      const sink = this.#sinkFor(threadId);
      const after = endOf(ticket.userSeq - 1);
      const outcome = await this.services.commands.follow(this.session.auth, threadId, after, sink);
      if (this.session.closed || this.#subscriptions.has(threadId)) return outcome.close();
      this.#subscriptions.set(threadId, { sink, close: outcome.close, release: outcome.release });
    } finally {
      this.#pending.delete(threadId);
    }
  }
}
