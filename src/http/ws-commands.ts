/** What each client frame does on a WebSocket session (subscribe, send, cancel, tool_result…). */
import { endOf } from "../../actors/event-entry.ts";
import { formatStreamCursor, parseStreamCursor } from "../domain/stream-cursor.ts";
import type { SendBody } from "../protocol/requests.ts";
import type { ClientFrame } from "../protocol/ws-frames.ts";
import type { Services } from "./services.ts";
import type { WsSession } from "./ws-session.ts";

export class WsCommands {
  /** Threads a send's follow is being set up for (so concurrent sends do not follow twice). */
  readonly #pending = new Set<string>();

  constructor(
    private readonly services: Services,
    private readonly session: WsSession,
  ) {}

  async dispatch(frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case "ping":
        return this.session.sendFrame({ type: "pong" });
      case "subscribe":
        return this.#subscribe(
          frame.thread_id,
          frame.after ? parseStreamCursor(frame.after) : null,
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

  async #subscribe(threadId: string, after: { seq: number; offset: number } | null): Promise<void> {
    // Re-subscribing replaces the old subscription; its stream slot goes back first, so it is
    // not counted twice against the cap.
    this.#unsubscribe(threadId);
    // `subscribed` goes out before any replayed event (follow may deliver synchronously from the
    // ring) and names where the subscription starts; that may be the end of a message (offset
    // 9007199254740991), which is a valid cursor to resume from.
    const sink = this.session.sinkFor(threadId);
    const outcome = await this.services.commands.follow(this.session.auth, threadId, after, sink, {
      onStart: (from) => {
        if (this.session.closed) return;
        const cursor = formatStreamCursor(from.seq, from.offset);
        this.session.sendFrame({ type: "subscribed", thread_id: threadId, cursor });
      },
    });
    if (this.session.closed) return outcome.close();
    this.#unsubscribe(threadId);
    this.session.subscriptions.set(threadId, {
      sink,
      close: outcome.close,
      release: outcome.release,
    });
  }

  #unsubscribe(threadId: string): void {
    const current = this.session.subscriptions.get(threadId);
    if (!current) return;
    this.session.subscriptions.delete(threadId);
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
    const following = this.session.subscriptions.has(threadId) || this.#pending.has(threadId);
    if (following || this.session.closed) return;
    // The send streams to this socket: a subscription like any other, under the stream caps
    // (past them the send still stands; the socket gets an error frame instead of the events).
    // One follow at a time per thread: it starts before this turn, so it carries later ones too.
    this.#pending.add(threadId);
    try {
      const sink = this.session.sinkFor(threadId);
      const outcome = await this.services.commands.follow(
        this.session.auth,
        threadId,
        endOf(ticket.userSeq - 1),
        sink,
      );
      if (this.session.closed || this.session.subscriptions.has(threadId)) return outcome.close();
      this.session.subscriptions.set(threadId, {
        sink,
        close: outcome.close,
        release: outcome.release,
      });
    } finally {
      this.#pending.delete(threadId);
    }
  }
}
