/**
 * The one use-case seam for a thread's commands: send, cancel, tool result, delete a message and
 * follow. Every
 * transport (REST, WebSocket, the compatibility endpoints) calls these methods once
 * authentication has resolved an AuthContext, and no transport reaches a gateway any other way.
 * Scoping (another tenant's or end user's thread is 404), the end-user policy, rate limits, stream
 * caps and input bounds belong here, so a new transport adds a translator, never a rule.
 * Forwarded `/internal` calls are not an entrance: the node that took the request ran this seam
 * before forwarding, and the owner only executes.
 */
import { createHash } from "node:crypto";
import type { EventEntry, Position } from "../../actors/event-entry.ts";
import type { StreamSink, Subscription } from "../../actors/subscription.ts";
import type { ThreadGateway } from "../../actors/thread-gateway.ts";
import { removeThread, type ThreadRemovalDeps } from "../../actors/thread-removal.ts";
import type { ThreadRouter } from "../../actors/thread-router.ts";
import type { HistoricalMessage, SendCommand, TurnTicket } from "../../actors/turn.ts";
import { DEFAULT_MAX_TOKENS } from "../../actors/turn-runner.ts";
import type { AuthContext } from "../domain/auth-context.ts";
import { normalizeContent } from "../domain/content.ts";
import { applySendPolicy, type PolicyModel } from "../domain/end-user-policy.ts";
import { canonicalJson, sendFingerprint } from "../domain/fingerprint.ts";
import { illFormedPath, isWellFormed } from "../domain/input-bounds.ts";
import type { ThreadRecord } from "../domain/records.ts";
import type { CheckpointStore } from "../ports/checkpoint.ts";
import type { ModelCatalog } from "../ports/llm.ts";
import type { SearchIndex } from "../ports/search.ts";
import type { ThreadStore } from "../ports/thread-store.ts";
import type { Block } from "../protocol/blocks.ts";
import { InvalidRequestError, NotFoundError, ValidationError } from "../protocol/errors.ts";
import type { Message } from "../protocol/objects.ts";
import { REQUEST_ID_MAX_CHARS, type SendBody } from "../protocol/requests.ts";
import type { RateLimits } from "./rate-limits.ts";
import type { StreamCaps, StreamSlot } from "./stream-caps.ts";

export interface ThreadCommandsDeps {
  store: ThreadStore;
  router: ThreadRouter;
  catalog: ModelCatalog;
  limits: RateLimits;
  streams: StreamCaps;
  search: SearchIndex;
  checkpoint: CheckpointStore;
}

/** Which entrance a command came through (for metrics and logs; never for rules). */
export type Transport = "rest" | "ws" | "ui" | "openai" | "anthropic";

export interface SendOptions {
  transport: Transport;
  /** The `Idempotency-Key` header, where the transport has one. */
  idempotencyKey?: string | null;
  /** The transport streams the answer on a new connection (REST `stream:true`): takes a slot. */
  opensStream?: boolean;
  /**
   * Settled messages appended before the turn's own message in the same atomic, deduplicated
   * append (a compatibility client's re-sent history for a new thread; later: import).
   */
  history?: HistoricalMessage[];
  /** Role of the turn's own message: `tool` when it carries tool results. */
  role?: "user" | "tool";
  /** A regenerate (use-cases/branch-commands.ts): the turn answers this message's parent again. */
  regenerate?: SendCommand["regenerate"];
}

export interface SendOutcome {
  thread: ThreadRecord;
  gateway: ThreadGateway;
  ticket: TurnTicket;
  /** The request id the turn runs under (null: none was given). */
  requestId: string | null;
  /** With `opensStream`: the stream's slot, released by the transport when the stream ends. */
  slot: StreamSlot | null;
}

export interface FollowOutcome {
  thread: ThreadRecord;
  gateway: ThreadGateway;
  subscription: Subscription;
  /** Unfollows and gives the stream slot back; idempotent. */
  close(): void;
  /** Gives the slot back only (the subscription already ended by itself); idempotent. */
  release(): void;
}

export interface FollowOptions {
  onDelivered?: ((last: EventEntry) => void) | null;
  /**
   * Called with where the subscription starts (the cursor, or the running turn's start / the
   * thread's end) before any event is delivered (the WS `subscribed` frame).
   */
  onStart?: (from: Position) => void;
}

export class ThreadCommands {
  readonly #removal: ThreadRemovalDeps;

  constructor(private readonly deps: ThreadCommandsDeps) {
    this.#removal = {
      // Through the router: the owner on another node is told to stop (forwarded), a free
      // lease is taken here so recovery runs and the stop releases it.
      stopOwner: async (thread) => (await deps.router.gatewayFor(thread)).stop(),
      checkpoint: deps.checkpoint,
      store: deps.store,
      search: deps.search,
    };
  }

  /** The thread as `auth` may see it: someone else's is exactly as absent as a missing one. */
  async thread(auth: AuthContext, threadId: string): Promise<ThreadRecord> {
    if (!isWellFormed(threadId)) throw new ValidationError(ILL_FORMED, "thread_id");
    const thread = await this.deps.store.getThread(auth.tenantId, threadId);
    if (!thread || (auth.endUserId !== null && thread.end_user_id !== auth.endUserId)) {
      throw new NotFoundError("thread");
    }
    return thread;
  }

  async send(
    auth: AuthContext,
    threadId: string,
    body: SendBody,
    options: SendOptions,
  ): Promise<SendOutcome> {
    refuseIllFormed(body, "");
    refuseIllFormed(options.history ?? [], "messages");
    const requestId = requestIdOf(body, options.idempotencyKey ?? null);
    await this.deps.limits.send(auth);
    const thread = await this.thread(auth, threadId);
    if (body.stream && !body.model && options.transport !== "ws") {
      throw new InvalidRequestError("stream needs a model.", "stream");
    }
    const effective = this.#withPolicy(auth, body);
    if (effective.model) await this.deps.limits.quota(auth);
    const history = options.history ?? [];
    const role = options.role ?? "user";
    const slot = options.opensStream ? await this.deps.streams.acquire(auth) : null;
    try {
      const command: SendCommand = {
        body: effective,
        content: normalizeContent(effective.content),
        requestId,
        // The caller's body, not the policy's rewrite: a retry is recognized by what was sent.
        // Without a request id nothing is deduplicated, so nothing compares it (skip the hash).
        fingerprint:
          requestId === null
            ? ""
            : extendedFingerprint(sendFingerprint(body), history, role, options.regenerate),
        ...(history.length > 0 ? { history } : {}),
        ...(role === "user" ? {} : { role }),
        ...(options.regenerate ? { regenerate: options.regenerate } : {}),
      };
      const gateway = await this.deps.router.gatewayForSend(thread);
      const ticket = await gateway.send(command);
      return { thread, gateway, ticket, requestId, slot };
    } catch (error) {
      slot?.release();
      throw error;
    }
  }

  /** The body the turn runs with, by credential (domain/end-user-policy.ts). */
  #withPolicy(auth: AuthContext, body: SendBody): SendBody {
    const resolved = body.model ? this.deps.catalog.resolve(body.model) : null;
    const model: PolicyModel | null = resolved
      ? {
          id: `${resolved.provider.name}/${resolved.model}`,
          maxOutputTokens: this.deps.catalog.maxOutputTokens(resolved),
        }
      : null;
    return applySendPolicy(
      body,
      { endUser: auth.endUserId !== null, policy: auth.policy ?? null },
      model,
      DEFAULT_MAX_TOKENS,
    );
  }

  /** Stops generation `seq`; resolves once it settled. The message must exist (404 otherwise). */
  async cancel(auth: AuthContext, threadId: string, seq: number): Promise<ThreadGateway> {
    const gateway = await this.#gateway(auth, threadId);
    await gateway.cancel(seq);
    return gateway;
  }

  /** Deletes a thread with its messages, hot-tier keys and search entries, on any node. */
  async deleteThread(auth: AuthContext, threadId: string): Promise<ThreadRecord> {
    const thread = await this.thread(auth, threadId);
    await this.removeThread(thread);
    return thread;
  }

  /** The one delete path for a thread the caller already scoped (erasure, retention). */
  removeThread(thread: ThreadRecord): Promise<void> {
    return removeThread(this.#removal, thread);
  }

  /**
   * Erases message `seq` on the thread's owner, wherever it runs (the owner is the only writer of
   * the tail, the store version and its in-memory context), then its search entries, at once.
   * An end-user token may erase in its own threads only (another's is 404, as for every read):
   * the pasted secret is theirs. Idempotent: a deleted message is returned as it is.
   */
  async deleteMessage(auth: AuthContext, threadId: string, seq: number): Promise<Message> {
    const thread = await this.thread(auth, threadId);
    const gateway = await this.deps.router.gatewayFor(thread);
    const erased = await gateway.deleteMessage(seq);
    await this.deps.search.deleteMessage(thread.tenant_id, thread.id, seq);
    return erased;
  }

  async submitToolResult(
    auth: AuthContext,
    threadId: string,
    input: { toolUseId: string; content: string | Block[]; isError: boolean },
  ): Promise<void> {
    refuseIllFormed(input.toolUseId, "tool_use_id");
    refuseIllFormed(input.content, "content");
    const gateway = await this.#gateway(auth, threadId);
    await gateway.submitToolResult(input.toolUseId, input.content, input.isError);
  }

  /**
   * Replays after `after` (null: from the running turn, or the thread's end), then follows live.
   * A stream slot is taken first (429 past the caps, before any gateway or actor is made); the
   * caller ends the stream with `outcome.close()`.
   */
  async follow(
    auth: AuthContext,
    threadId: string,
    after: Position | null,
    sink: StreamSink,
    options: FollowOptions = {},
  ): Promise<FollowOutcome> {
    const slot = await this.deps.streams.acquire(auth);
    try {
      const thread = await this.thread(auth, threadId);
      const gateway = await this.deps.router.gatewayFor(thread);
      let from = after;
      if (options.onStart) {
        from = after ?? (await gateway.startPosition());
        options.onStart(from);
      }
      const subscription = await gateway.follow(from, sink, options.onDelivered ?? null);
      let closed = false;
      return {
        thread,
        gateway,
        subscription,
        release: () => slot.release(),
        close: () => {
          if (closed) return;
          closed = true;
          gateway.unfollow(subscription);
          slot.release();
        },
      };
    } catch (error) {
      slot.release();
      throw error;
    }
  }

  /** A stream slot for a transport that follows through a gateway it already holds. */
  acquireStream(auth: AuthContext): Promise<StreamSlot> {
    return this.deps.streams.acquire(auth);
  }

  async gateway(auth: AuthContext, threadId: string): Promise<ThreadGateway> {
    return this.#gateway(auth, threadId);
  }

  async #gateway(auth: AuthContext, threadId: string): Promise<ThreadGateway> {
    return this.deps.router.gatewayFor(await this.thread(auth, threadId));
  }
}

const ILL_FORMED = "The string is not well-formed UTF-16 (it has a lone surrogate).";

/** API.md input bounds: every string well-formed, refused with the path of the first bad one. */
function refuseIllFormed(value: unknown, prefix: string): void {
  const path = illFormedPath(value);
  if (path === null) return;
  const param = prefix && path ? `${prefix}.${path}` : prefix || path;
  throw new ValidationError(ILL_FORMED, param || undefined);
}

function requestIdOf(body: SendBody, header: string | null): string | null {
  if (header !== null) {
    if (header.length > REQUEST_ID_MAX_CHARS) {
      throw new ValidationError(
        `Idempotency-Key is at most ${REQUEST_ID_MAX_CHARS} characters.`,
        "Idempotency-Key",
      );
    }
    if (header.length === 0)
      throw new ValidationError("Idempotency-Key is empty.", "Idempotency-Key");
  }
  if (body.request_id && header && body.request_id !== header) {
    throw new InvalidRequestError("request_id and Idempotency-Key differ.", "request_id");
  }
  return body.request_id ?? header ?? null;
}

/** The plain send's fingerprint unless history or a `tool` role make the turn a different one. */
function extendedFingerprint(
  base: string,
  history: HistoricalMessage[],
  role: "user" | "tool",
  regenerate: SendCommand["regenerate"],
): string {
  if (history.length === 0 && role === "user" && !regenerate) return base;
  const again = regenerate ? `\nregenerate:${regenerate.seq}` : "";
  return createHash("sha256")
    .update(`${base}\n${role}\n${canonicalJson(history)}${again}`)
    .digest("base64url")
    .slice(0, 32);
}
