/**
 * One WebSocket connection, runtime-neutral (Bun and Deno entry files adapt their sockets to
 * WsSocket). A socket may follow many threads; frames for all of them are coalesced per socket
 * (one corked burst per microtask). Bad frames get an error frame, abuse a close code; nothing a
 * client sends can take the process down.
 */
import { Value } from "@sinclair/typebox/value";
import type { EventEntry } from "../../actors/event-entry.ts";
import type { StreamSink, Subscription } from "../../actors/subscription.ts";
import type { ThreadGateway } from "../../actors/thread-gateway.ts";
import type { AuthContext } from "../domain/auth-context.ts";
import { AppError, InvalidRequestError, toErrorBody } from "../protocol/errors.ts";
import { CLOSE_CODES, type ClientFrame, FRAME_SCHEMAS } from "../protocol/ws-frames.ts";
import type { Services } from "./services.ts";
import { countDelivered } from "./stream-metrics.ts";
import { WsCommands } from "./ws-commands.ts";

export interface WsSocket {
  send(text: string): void;
  bufferedAmount(): number;
  close(code: number, reason: string): void;
  /** Batches sends into one write where the runtime supports it (Bun). */
  cork?(fn: () => void): void;
}

/** 200 frames/s sustained, bursts of 400: far above a chat UI, far below a flood. */
const FRAMES_PER_SECOND = 200;
const FRAME_BURST = 400;

export class WsSession {
  readonly subscriptions = new Map<
    string,
    { gateway: ThreadGateway; subscription: Subscription }
  >();
  readonly #socket: WsSocket;
  readonly #services: Services;
  readonly #commands: WsCommands;
  #outbox: string[] = [];
  #outboxBytes = 0;
  #flushScheduled = false;
  #drainCallbacks: (() => void)[] = [];
  #closed = false;
  #tokens = FRAME_BURST;
  #refilledAt = Date.now();
  #unregister: () => void;

  constructor(
    services: Services,
    socket: WsSocket,
    readonly auth: AuthContext,
  ) {
    this.#services = services;
    this.#socket = socket;
    this.#commands = new WsCommands(services, this);
    this.#unregister = services.connections.add(auth.keyId, {
      revoke: () => this.close(CLOSE_CODES.unauthorized, "revoked"),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  handleText(text: string): void {
    if (this.#closed) return;
    if (!this.#takeToken()) return this.close(CLOSE_CODES.policy, "rate limit");
    if (text.length > this.#services.config.limits.maxWsFrameBytes) {
      return this.close(CLOSE_CODES.frameTooBig, "frame too big");
    }
    let frame: ClientFrame;
    try {
      frame = parseFrame(text);
    } catch (error) {
      return this.sendError(error, undefined);
    }
    this.#commands.dispatch(frame).catch((error) => {
      const requestId = frame.type === "send" ? frame.request_id : undefined;
      this.sendError(error, requestId, "thread_id" in frame ? frame.thread_id : undefined);
    });
  }

  handleDrain(): void {
    const callbacks = this.#drainCallbacks;
    this.#drainCallbacks = [];
    for (const callback of callbacks) callback();
  }

  handleClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unregister();
    for (const { gateway, subscription } of this.subscriptions.values())
      gateway.unfollow(subscription);
    this.subscriptions.clear();
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#flush();
    this.handleClose();
    this.#socket.close(code, reason);
  }

  sendFrame(frame: object): void {
    this.#enqueue(JSON.stringify(frame));
  }

  sendError(error: unknown, requestId: string | undefined, threadId?: string): void {
    const appError =
      error instanceof AppError
        ? error
        : new AppError("internal_error", "Internal error.", { cause: error });
    if (!appError.expose)
      this.#services.logger.error("ws command failed", { error: appError.cause ?? appError });
    const body = toErrorBody(appError).error;
    this.sendFrame({
      type: "error",
      code: body.code,
      message: body.message,
      ...(requestId === undefined ? {} : { request_id: requestId }),
      ...(threadId === undefined ? {} : { thread_id: threadId }),
    });
  }

  /** The StreamSink through which one thread's events reach this socket. */
  sinkFor(threadId: string): StreamSink {
    const session = this;
    return {
      send: (entries: EventEntry[]) => {
        for (const entry of entries) session.#enqueue(entry.json);
        countDelivered(session.#services.metrics, "ws", entries);
      },
      bufferedBytes: () => session.#outboxBytes + session.#socket.bufferedAmount(),
      onDrain: (callback) => session.#drainCallbacks.push(callback),
      close: (reason) => {
        if (reason === "revoked") session.close(CLOSE_CODES.unauthorized, "revoked");
        else if (reason === "reconnect")
          session.close(CLOSE_CODES.reconnectElsewhere, "reconnect and resume");
        else session.subscriptions.delete(threadId);
      },
      get closed() {
        return session.#closed;
      },
    };
  }

  #enqueue(text: string): void {
    if (this.#closed) return;
    this.#outbox.push(text);
    this.#outboxBytes += text.length;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const frames = this.#outbox;
    if (frames.length === 0) return;
    this.#outbox = [];
    this.#outboxBytes = 0;
    const sendAll = () => {
      for (const frame of frames) this.#socket.send(frame);
    };
    if (this.#socket.cork) this.#socket.cork(sendAll);
    else sendAll();
    // A subscription may have paused on outbox bytes alone; if the socket took everything there
    // will be no drain event from the runtime, so this flush is the drain.
    if (this.#drainCallbacks.length > 0 && this.#socket.bufferedAmount() === 0) this.handleDrain();
  }

  #takeToken(): boolean {
    const now = Date.now();
    this.#tokens = Math.min(
      FRAME_BURST,
      this.#tokens + ((now - this.#refilledAt) / 1000) * FRAMES_PER_SECOND,
    );
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

function parseFrame(text: string): ClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError("The frame is not valid JSON.");
  }
  const type = (value as { type?: unknown } | null)?.type;
  const schema =
    typeof type === "string" ? FRAME_SCHEMAS[type as keyof typeof FRAME_SCHEMAS] : undefined;
  if (!schema)
    throw new InvalidRequestError(`Unknown frame type ${JSON.stringify(type ?? null)}.`, "type");
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    const param = first?.path.replace(/^\//, "").replaceAll("/", ".");
    throw new InvalidRequestError(
      `Invalid ${type} frame: ${first?.message ?? "bad value"}.`,
      param || undefined,
    );
  }
  return value as ClientFrame;
}
