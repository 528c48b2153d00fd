/**
 * One WebSocket connection, runtime-neutral (Bun and Deno entry files adapt their sockets to
 * WsSocket). A socket may follow many threads; frames for all of them are coalesced per socket
 * (one corked burst per microtask). Bad frames get an error frame, abuse a close code; nothing a
 * client sends can take the process down.
 */
import { Value } from "@sinclair/typebox/value";
import type { EventEntry } from "../../actors/event-entry.ts";
import type { StreamSink } from "../../actors/subscription.ts";
import type { AuthContext } from "../domain/auth-context.ts";
import { illFormedPath, jsonTooDeep, MAX_JSON_DEPTH } from "../domain/input-bounds.ts";
import { AppError, InvalidRequestError, toErrorBody, ValidationError } from "../protocol/errors.ts";
import { CLOSE_CODES, type ClientFrame, FRAME_SCHEMAS } from "../protocol/ws-frames.ts";
import type { Services } from "./services.ts";
import { countDelivered } from "./stream-metrics.ts";
import { WsCommands, type WsPeer } from "./ws-commands.ts";

export interface WsSocket {
  send(text: string): void;
  bufferedAmount(): number;
  close(code: number, reason: string): void;
  /** Batches sends into one write where the runtime supports it (Bun). */
  cork?(fn: () => void): void;
}

/**
 * Flood protection per socket: 200 frames/s sustained, bursts of 400, far above a chat UI, far
 * below a flood. The product limits are per identity, across sockets and nodes (use-cases/
 * rate-limits.ts): every frame of an end-user token counts as a request, a `send` as a send.
 */
const FRAMES_PER_SECOND = 200;
const FRAME_BURST = 400;

export class WsSession implements WsPeer {
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
    this.#unregister = services.connections.add(
      auth.keyId,
      {
        revoke: (reason) =>
          this.close(CLOSE_CODES.unauthorized, reason === "expired" ? "token expired" : "revoked"),
      },
      auth.expiresAt ?? null,
      services.tokens.endUserTag(auth),
    );
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
    this.#admit(frame)
      .then(() => this.#commands.dispatch(frame))
      .catch((error) => {
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
    this.#commands.unfollowAll();
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
      ...(body.param === undefined ? {} : { param: body.param }),
      ...(appError.rateLimit ? { retry_after_ms: appError.rateLimit.retryAfterMs } : {}),
      ...(requestId === undefined ? {} : { request_id: requestId }),
      ...(threadId === undefined ? {} : { thread_id: threadId }),
    });
  }

  /** The StreamSink through which one thread's events reach this socket. */
  sinkFor(_threadId: string, onDone: () => void): StreamSink {
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
        else onDone();
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

  /** Every frame of an end-user token but `send` (the seam counts those) is a request. */
  async #admit(frame: ClientFrame): Promise<void> {
    if (frame.type === "send" || this.auth.endUserId === null) return;
    await this.#services.limits.request(this.auth);
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
  if (jsonTooDeep(text)) {
    throw new InvalidRequestError(`The frame nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError("The frame is not valid JSON.");
  }
  const illFormed = illFormedPath(value);
  if (illFormed !== null) {
    throw new ValidationError(
      "The string is not well-formed UTF-16 (it has a lone surrogate).",
      illFormed || undefined,
    );
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
