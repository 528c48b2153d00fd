/**
 * `ThreadFollow`: a live, ordered list of a thread's messages. It reads the recent history over
 * REST, then follows the stream after the last settled message (an in-progress one is replayed
 * from its start, so it is built from events, never patched onto a partial copy). Over SSE it
 * reconnects with `after=<last cursor>`; over WebSocket it shares the client's one socket (WsHub).
 * Duplicates are dropped by position (ThreadState); `stream.reset` replaces the message.
 */
import type { StreamPosition } from "../domain/stream-cursor.ts";
import type { StreamEvent } from "../protocol/events.ts";
import type { List, Message } from "../protocol/objects.ts";
import { backoffDelay, type RetryOptions, sleep } from "./backoff.ts";
import { Emitter } from "./emitter.ts";
import { SpoolError } from "./errors.ts";
import type { HttpClient } from "./http.ts";
import { readSseFrames } from "./sse.ts";
import { END_OFFSET, ThreadState } from "./thread-state.ts";
import { STREAM_IDLE_TIMEOUT_MS } from "./turn-stream.ts";
import type { WsHub } from "./ws-hub.ts";

export type FollowStatus = "connecting" | "live" | "reconnecting" | "closed";

export interface FollowOptions {
  /** `sse` (default): one EventSource-like stream per thread; `ws`: the shared WebSocket. */
  transport?: "sse" | "ws";
  /** How many recent messages to load before following (default 100, at most 200). */
  history?: number;
  retry?: RetryOptions;
  idleTimeoutMs?: number;
}

export type FollowListeners = {
  /** The list changed (an event applied); `messages` is the new ordered list. */
  messages: (messages: Message[]) => void;
  event: (event: StreamEvent) => void;
  status: (status: FollowStatus) => void;
  /** Reconnected after a cut, resuming after `cursor` ("resumed from 7:41"). */
  resumed: (info: { cursor: string }) => void;
  error: (error: SpoolError) => void;
};

export class ThreadFollow extends Emitter<FollowListeners> {
  readonly threadId: string;
  /** Resolves once the history is loaded and the stream is being read. */
  readonly ready: Promise<void>;
  #http: HttpClient;
  #hub: () => WsHub;
  #options: FollowOptions;
  #state = new ThreadState();
  #status: FollowStatus = "connecting";
  #closed = new AbortController();
  #everLive = false;

  constructor(http: HttpClient, hub: () => WsHub, threadId: string, options: FollowOptions = {}) {
    super();
    this.#http = http;
    this.#hub = hub;
    this.threadId = threadId;
    this.#options = options;
    this.ready = this.#start();
    this.ready.catch((error: unknown) => {
      if (error instanceof SpoolError) this.emit("error", error);
      this.close(); // no history (404, 401…): nothing to follow
    });
  }

  get messages(): Message[] {
    return this.#state.messages();
  }

  get status(): FollowStatus {
    return this.#status;
  }

  get cursor(): string | null {
    return this.#state.cursor;
  }

  close(): void {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort();
    if (this.#options.transport === "ws") this.#hub().unsubscribe(this.threadId);
    this.#setStatus("closed");
  }

  async #start(): Promise<void> {
    const limit = Math.min(this.#options.history ?? 100, 200);
    const page = await this.#http.json<List<Message>>(
      "GET",
      `/v1/threads/${encodeURIComponent(this.threadId)}/messages`,
      { query: { limit, order: "desc", include: "tools" }, signal: this.#closed.signal },
    );
    const history = page.data.reverse();
    const open = history.find((m) => m.status === "in_progress");
    const lastSettled = open ? open.seq - 1 : (history[history.length - 1]?.seq ?? 0);
    const after: StreamPosition = { seq: lastSettled, offset: END_OFFSET };
    this.#state = new ThreadState(after);
    for (const message of history) if (message.seq <= lastSettled) this.#state.put(message);
    this.emit("messages", this.messages);
    if (this.#options.transport === "ws") this.#followWs();
    else void this.#followSse();
  }

  #apply(event: StreamEvent): void {
    if (this.#status === "closed" || !this.#state.accept(event)) return;
    this.emit("event", event);
    this.emit("messages", this.messages);
  }

  #setStatus(status: FollowStatus): void {
    if (this.#status === status || this.#status === "closed") return;
    this.#status = status;
    this.emit("status", status);
  }

  #live(): void {
    if (this.#everLive && this.#status !== "live") {
      this.emit("resumed", { cursor: this.#state.cursor ?? "" });
    }
    this.#everLive = true;
    this.#setStatus("live");
  }

  #followWs(): void {
    this.#hub().subscribe(this.threadId, {
      cursor: () => this.#state.cursor,
      event: (event) => this.#apply(event),
      status: (status) => (status === "live" ? this.#live() : this.#setStatus("reconnecting")),
      error: (error) => this.emit("error", error),
    });
  }

  async #followSse(): Promise<void> {
    const retry = this.#options.retry ?? this.#http.config.retry;
    const idleMs = this.#options.idleTimeoutMs ?? STREAM_IDLE_TIMEOUT_MS;
    for (let attempt = 0; !this.#closed.signal.aborted; ) {
      let progressed = false;
      const controller = new AbortController();
      const stop = () => controller.abort();
      this.#closed.signal.addEventListener("abort", stop, { once: true });
      let idle = setTimeout(stop, idleMs); // covers the request too (a frozen server)
      try {
        const response = await this.#http.request(
          "GET",
          `/v1/threads/${encodeURIComponent(this.threadId)}/stream`,
          { query: { after: this.#state.cursor }, signal: controller.signal },
        );
        this.#live();
        clearTimeout(idle);
        idle = setTimeout(stop, idleMs);
        for await (const frame of readSseFrames(response.body!)) {
          clearTimeout(idle);
          idle = setTimeout(stop, idleMs);
          if (frame.event === "ping") continue;
          progressed = true;
          this.#apply(JSON.parse(frame.data) as StreamEvent);
        }
      } catch (error) {
        if (this.#closed.signal.aborted) return;
        if (error instanceof SpoolError && error.code !== "connection_error") {
          this.emit("error", error);
          if (error.status !== null && error.status < 500 && error.status !== 429) {
            return this.close();
          }
        }
      } finally {
        clearTimeout(idle);
        this.#closed.signal.removeEventListener("abort", stop);
        controller.abort();
      }
      if (this.#closed.signal.aborted) return;
      this.#setStatus("reconnecting");
      attempt = progressed ? 0 : attempt + 1;
      await sleep(backoffDelay(Math.min(attempt, 30), retry), this.#closed.signal).catch(() => {
        // closed while waiting: the loop condition ends it
      });
    }
  }
}
