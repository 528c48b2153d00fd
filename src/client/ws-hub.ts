/**
 * One WebSocket shared by every `follow({transport: "ws"})` of a client: many threads, one socket.
 * Each thread keeps its own last cursor (ThreadState), so a reconnect re-subscribes every thread
 * `after` it and nothing is lost or repeated. Reconnects with backoff + full jitter on 1006, 1012,
 * 4000 and missed pongs; 4001 refreshes the token once; 4008 (policy) backs off from the ceiling.
 */
import type { StreamEvent } from "../protocol/events.ts";
import { backoffDelay } from "./backoff.ts";
import { AuthenticationError, errorFromCode, type SpoolError } from "./errors.ts";
import type { HttpClient } from "./http.ts";

/** 15 s between client pings, as the server's; two missed pongs end the socket. */
export const WS_PING_INTERVAL_MS = 15_000;
const CLOSE_UNAUTHORIZED = 4001;
const CLOSE_POLICY = 4008;

export interface HubSubscriber {
  cursor(): string | null;
  event(event: StreamEvent): void;
  status(status: "live" | "reconnecting", cursor: string | null): void;
  error(error: SpoolError): void;
}

type Frame = { type: string; thread_id?: string; code?: string; message?: string } & Record<
  string,
  unknown
>;

export class WsHub {
  #http: HttpClient;
  #subscribers = new Map<string, HubSubscriber>();
  #socket: WebSocket | null = null;
  #attempt = 0;
  #refreshed = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #pinger: ReturnType<typeof setInterval> | null = null;
  #lastHeard = 0;
  #pingIntervalMs: number;

  constructor(http: HttpClient, pingIntervalMs = WS_PING_INTERVAL_MS) {
    this.#http = http;
    this.#pingIntervalMs = pingIntervalMs;
  }

  get open(): boolean {
    return this.#socket?.readyState === 1;
  }

  subscribe(threadId: string, subscriber: HubSubscriber): void {
    this.#subscribers.set(threadId, subscriber);
    if (this.open) this.#sendSubscribe(threadId, subscriber);
    else if (!this.#socket && !this.#timer) void this.#connect();
  }

  unsubscribe(threadId: string): void {
    if (!this.#subscribers.delete(threadId)) return;
    if (this.open) this.send({ type: "unsubscribe", thread_id: threadId });
    if (this.#subscribers.size === 0) this.#shutdown();
  }

  send(frame: Record<string, unknown>): void {
    if (this.open) this.#socket!.send(JSON.stringify(frame));
  }

  async #connect(): Promise<void> {
    this.#timer = null;
    if (this.#subscribers.size === 0) return;
    let token: string;
    try {
      token = await this.#http.config.credentials.get();
    } catch {
      return this.#retry(null);
    }
    const url = this.#http.url("/v1/ws", { token }).replace(/^http/, "ws");
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#lastHeard = Date.now();
      for (const [threadId, subscriber] of this.#subscribers)
        this.#sendSubscribe(threadId, subscriber);
      this.#pinger = setInterval(() => this.#keepAlive(socket), this.#pingIntervalMs);
    };
    socket.onmessage = (message) => this.#onFrame(String(message.data));
    socket.onclose = (close) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (this.#pinger) clearInterval(this.#pinger);
      this.#onClose(close.code, token);
    };
    socket.onerror = () => {
      // always followed by close, which decides what happens next
    };
  }

  #sendSubscribe(threadId: string, subscriber: HubSubscriber): void {
    const after = subscriber.cursor();
    this.send({ type: "subscribe", thread_id: threadId, ...(after ? { after } : {}) });
  }

  #keepAlive(socket: WebSocket): void {
    if (Date.now() - this.#lastHeard > 2 * this.#pingIntervalMs + 1000) return socket.close();
    this.send({ type: "ping" });
  }

  #onFrame(text: string): void {
    this.#lastHeard = Date.now();
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      return; // not ours to interpret: a frame that is not JSON is ignored
    }
    const subscriber = frame.thread_id ? this.#subscribers.get(frame.thread_id) : undefined;
    if (frame.type === "subscribed") {
      this.#attempt = 0;
      this.#refreshed = false;
      return subscriber?.status("live", subscriber.cursor());
    }
    if (frame.type === "error") {
      const retryAfterMs = typeof frame.retry_after_ms === "number" ? frame.retry_after_ms : null;
      const error = errorFromCode(frame.code ?? "invalid_request", frame.message ?? "error", {
        retryAfterMs,
        body: frame,
      });
      if (subscriber) return subscriber.error(error);
      for (const each of this.#subscribers.values()) each.error(error);
      return;
    }
    if (frame.type === "pong" || frame.type === "ping" || frame.type === "ack") return;
    try {
      subscriber?.event(frame as unknown as StreamEvent);
    } catch {
      // a frame that does not parse as an event (bad cursor) is dropped, as any unknown frame
    }
  }

  #onClose(code: number, token: string): void {
    if (this.#subscribers.size === 0) return;
    for (const subscriber of this.#subscribers.values()) subscriber.status("reconnecting", null);
    if (code === CLOSE_UNAUTHORIZED) {
      if (!this.#http.config.credentials.refreshable || this.#refreshed) {
        const error = new AuthenticationError("unauthorized", "The WebSocket was refused (4001).");
        for (const subscriber of this.#subscribers.values()) subscriber.error(error);
        return this.#shutdown();
      }
      this.#refreshed = true;
      this.#http.config.credentials.invalidate(token);
      return this.#retry(0);
    }
    this.#retry(code === CLOSE_POLICY ? this.#http.config.retry.maxDelayMs : null);
  }

  #retry(delayMs: number | null): void {
    const retry = this.#http.config.retry;
    const wait = delayMs ?? backoffDelay(this.#attempt++, retry);
    this.#timer = setTimeout(() => void this.#connect(), wait);
  }

  #shutdown(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#pinger) clearInterval(this.#pinger);
    this.#timer = null;
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(1000, "done");
  }
}
