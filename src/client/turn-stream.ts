/**
 * `TurnStream`: one model turn (`messages.stream`) as an async iterable of stream events, with
 * listeners, `finalMessage()` and `cancel()`. Every event reaches the caller exactly once, in order.
 *
 * Resume after a cut: until the first event has arrived the SDK repeats the POST with the same
 * `request_id` (the server returns the original turn, never a second one: API.md). Once it has a
 * cursor it reconnects with `GET /v1/threads/:id/stream?after=<last cursor>` instead: a repeated
 * POST would replay the turn from its start (all of it, again, on every cut), the cursor replays
 * only what was missed. Either way positions at or before the last one seen are dropped, so an
 * overlap can never duplicate. The GET stream follows the thread past the turn, so the SDK ends
 * it by the server's own rule: the turn's last assistant message is final (and not stopped for a
 * tool call), or waits for client tools.
 */
import type { StreamEvent, ToolWaitingEvent } from "../protocol/events.ts";
import type { Message } from "../protocol/objects.ts";
import type { SendBody } from "../protocol/requests.ts";
import { backoffDelay, type RetryOptions, sleep } from "./backoff.ts";
import { Emitter, newRequestId } from "./emitter.ts";
import { ConnectionError, SpoolError } from "./errors.ts";
import type { HttpClient } from "./http.ts";
import { readSseFrames } from "./sse.ts";
import { ThreadState } from "./thread-state.ts";

/** 40 s without a byte (pings come every 15 s on idle streams): the connection is dead. */
export const STREAM_IDLE_TIMEOUT_MS = 40_000;

export interface StreamOptions {
  retry?: RetryOptions;
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}

export type TurnStreamListeners = {
  /** A text delta, and the message it belongs to as it stands. */
  text: (delta: string, message: Message) => void;
  event: (event: StreamEvent) => void;
  /** A message of the turn reached a final state (or a reset brought its state). */
  message: (message: Message) => void;
  /** The stream reconnected after a cut and resumes after `cursor`. */
  resumed: (info: { cursor: string; attempt: number }) => void;
  error: (error: SpoolError) => void;
  end: () => void;
};

export class TurnStream extends Emitter<TurnStreamListeners> implements AsyncIterable<StreamEvent> {
  readonly threadId: string;
  readonly requestId: string;
  #http: HttpClient;
  #body: SendBody;
  #options: StreamOptions;
  #state = new ThreadState();
  #userSeq: number | null = null;
  #assistantSeq: number | null = null;
  #queue: StreamEvent[] = [];
  #wake: (() => void) | null = null;
  #done = false;
  #error: SpoolError | null = null;
  #connection: AbortController | null = null;
  #cancelWanted = false;
  #cancelSent: Promise<void> | null = null;
  #finished: Promise<void>;

  constructor(http: HttpClient, threadId: string, body: SendBody, options: StreamOptions = {}) {
    super();
    this.#http = http;
    this.threadId = threadId;
    this.requestId = body.request_id ?? newRequestId();
    this.#body = { ...body, stream: true, request_id: this.requestId };
    this.#options = options;
    options.signal?.addEventListener("abort", () => this.close(), { once: true });
    this.#finished = new Promise<void>((resolve) =>
      queueMicrotask(() => this.#run().then(resolve)),
    );
  }

  /** Seq of the turn's (latest) assistant message, once known. */
  get assistantSeq(): number | null {
    return this.#assistantSeq;
  }

  /** The cursor of the last event delivered. */
  get cursor(): string | null {
    return this.#state.cursor;
  }

  /** Messages of the turn (user first), as they stand. */
  messages(): Message[] {
    return this.#state.messages();
  }

  /** The turn's last assistant message in its final state. */
  async finalMessage(): Promise<Message> {
    await this.#finished;
    if (this.#error) throw this.#error;
    const message =
      this.#assistantSeq === null ? undefined : this.#state.message(this.#assistantSeq);
    if (!message)
      throw new SpoolError("invalid_request", "The turn produced no assistant message.");
    return message;
  }

  /** Stops the generation (server side). The stream goes on to its `message.incomplete`. */
  cancel(): Promise<void> {
    this.#cancelWanted = true;
    return this.#maybeCancel() ?? Promise.resolve();
  }

  /** Stops reading locally; the generation goes on (a disconnect never cancels). */
  close(): void {
    if (this.#done) return;
    this.#finish(null);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    for (;;) {
      const next = this.#queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#done) {
        if (this.#error) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async #run(): Promise<void> {
    const retry = this.#options.retry ?? this.#http.config.retry;
    for (let attempt = 0; !this.#done; ) {
      const progressed = await this.#connect(attempt).catch((error: unknown) => {
        if (error instanceof SpoolError) this.#finish(error);
        else if (!this.#done) this.#finish(new SpoolError("connection_error", String(error)));
        return false;
      });
      if (this.#done) return;
      attempt = progressed ? 0 : attempt + 1;
      if (attempt > retry.maxRetries) {
        return this.#finish(new ConnectionError("connection_error", "The stream kept dropping."));
      }
      await sleep(backoffDelay(attempt, retry));
    }
  }

  /** One connection: true when it delivered at least one new event. Request errors throw. */
  async #connect(attempt: number): Promise<boolean> {
    const controller = new AbortController();
    this.#connection = controller;
    const cursor = this.#state.cursor;
    const path = `/v1/threads/${encodeURIComponent(this.threadId)}`;
    const idleMs = this.#options.idleTimeoutMs ?? STREAM_IDLE_TIMEOUT_MS;
    // The idle timer also covers the request: a server that accepts and never answers (frozen).
    let idle = setTimeout(() => controller.abort(), idleMs);
    let response: Response;
    try {
      response =
        cursor === null
          ? await this.#http.request("POST", `${path}/messages`, {
              body: this.#body,
              idempotent: true,
              signal: controller.signal,
            })
          : await this.#http.request("GET", `${path}/stream`, {
              query: { after: cursor },
              signal: controller.signal,
            });
    } catch (error) {
      clearTimeout(idle);
      if (controller.signal.aborted && !this.#done) return false; // idle: reconnect
      throw error;
    }
    if (cursor !== null) this.emit("resumed", { cursor, attempt });
    let progressed = false;
    try {
      for await (const frame of readSseFrames(response.body!)) {
        clearTimeout(idle);
        idle = setTimeout(() => controller.abort(), idleMs);
        if (frame.event === "ping") continue;
        if (this.#deliver(JSON.parse(frame.data) as StreamEvent)) progressed = true;
        if (this.#done) break;
      }
    } catch {
      // cut, reset or idle: the caller reconnects from the last cursor
    } finally {
      clearTimeout(idle);
      controller.abort();
    }
    return progressed;
  }

  #deliver(event: StreamEvent): boolean {
    if (this.#done || !this.#state.accept(event)) return false;
    if (event.type === "message.created" || event.type === "stream.reset") {
      const { role, seq } = event.message;
      if (role === "user" && this.#userSeq === null) this.#userSeq = seq;
      else if (role === "assistant" && seq > (this.#userSeq ?? 0)) this.#assistantSeq = seq;
      this.#maybeCancel();
    }
    this.#queue.push(event);
    this.#wake?.();
    this.emit("event", event);
    const seq = "seq" in event ? event.seq : event.message.seq;
    const message = this.#state.message(seq);
    if (event.type === "block.delta" && event.delta.type === "text_delta" && message) {
      this.emit("text", event.delta.text, message);
    }
    const final = event.type.startsWith("message.") && event.type !== "message.created";
    if (message && (final || (event.type === "stream.reset" && message.status !== "in_progress"))) {
      this.emit("message", message);
    }
    if (this.#endsTurn(event)) this.#finish(null);
    return true;
  }

  #endsTurn(event: StreamEvent): boolean {
    if (this.#assistantSeq === null) return false;
    if (event.type === "tool.waiting") return this.#isLastToolCall(event);
    const final =
      event.type === "message.completed" ||
      event.type === "message.incomplete" ||
      event.type === "message.failed" ||
      (event.type === "stream.reset" && event.message.status !== "in_progress");
    if (!final) return false;
    const message = event.message;
    return (
      message.seq >= this.#assistantSeq &&
      message.role === "assistant" &&
      message.stop_reason !== "tool_use"
    );
  }

  #isLastToolCall(event: ToolWaitingEvent): boolean {
    const content = this.#state.message(event.seq)?.content ?? [];
    const calls = content.filter((b) => b.type === "tool_use");
    const last = calls[calls.length - 1];
    return !last || (last.type === "tool_use" && last.id === event.tool_use.id);
  }

  #maybeCancel(): Promise<void> | null {
    if (!this.#cancelWanted || this.#assistantSeq === null) return this.#cancelSent;
    if (!this.#cancelSent) {
      const path = `/v1/threads/${encodeURIComponent(this.threadId)}/messages/${this.#assistantSeq}/cancel`;
      this.#cancelSent = this.#http
        .request("POST", path, { idempotent: true })
        .then(() => undefined);
      this.#cancelSent.catch((error: unknown) => {
        if (error instanceof SpoolError) this.emit("error", error);
      });
    }
    return this.#cancelSent;
  }

  #finish(error: SpoolError | null): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    this.#connection?.abort();
    this.#wake?.();
    if (error) this.emit("error", error);
    this.emit("end");
  }
}
