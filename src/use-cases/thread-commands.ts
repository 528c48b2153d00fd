/**
 * The one use-case seam for a thread's commands: send, cancel, tool result and follow. Every
 * transport (REST, WebSocket, the compatibility endpoints) calls these methods once
 * authentication has resolved an AuthContext, and no transport reaches a gateway any other way.
 * Scoping (another tenant's or end user's thread is 404), the end-user policy, rate limits, stream
 * caps and input bounds belong here, so a new transport adds a translator, never a rule.
 * Forwarded `/internal` calls are not an entrance: the node that took the request ran this seam
 * before forwarding, and the owner only executes.
 */
import type { EventEntry, Position } from "../../actors/event-entry.ts";
import type { StreamSink, Subscription } from "../../actors/subscription.ts";
import type { ThreadGateway } from "../../actors/thread-gateway.ts";
import type { ThreadRouter } from "../../actors/thread-router.ts";
import type { SendCommand, TurnTicket } from "../../actors/turn.ts";
import type { AuthContext } from "../domain/auth-context.ts";
import { normalizeContent } from "../domain/content.ts";
import { sendFingerprint } from "../domain/fingerprint.ts";
import type { ThreadRecord } from "../ports/records.ts";
import type { ThreadStore } from "../ports/thread-store.ts";
import type { Block } from "../protocol/blocks.ts";
import { InvalidRequestError, NotFoundError } from "../protocol/errors.ts";
import type { SendBody } from "../protocol/requests.ts";

export interface ThreadCommandsDeps {
  store: ThreadStore;
  router: ThreadRouter;
}

/** Which entrance a command came through (for metrics and logs; never for rules). */
export type Transport = "rest" | "ws" | "ui" | "openai" | "anthropic";

export interface SendOptions {
  transport: Transport;
  /** The `Idempotency-Key` header, where the transport has one. */
  idempotencyKey?: string | null;
}

export interface SendOutcome {
  thread: ThreadRecord;
  gateway: ThreadGateway;
  ticket: TurnTicket;
  /** The request id the turn runs under (null: none was given). */
  requestId: string | null;
}

export interface FollowOutcome {
  thread: ThreadRecord;
  gateway: ThreadGateway;
  subscription: Subscription;
}

export class ThreadCommands {
  constructor(private readonly deps: ThreadCommandsDeps) {}

  /** The thread as `auth` may see it: someone else's is exactly as absent as a missing one. */
  async thread(auth: AuthContext, threadId: string): Promise<ThreadRecord> {
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
    const thread = await this.thread(auth, threadId);
    const requestId = requestIdOf(body, options.idempotencyKey ?? null);
    if (body.stream && !body.model && options.transport !== "ws") {
      throw new InvalidRequestError("stream needs a model.", "stream");
    }
    const command: SendCommand = {
      body,
      content: normalizeContent(body.content),
      requestId,
      fingerprint: sendFingerprint(body),
    };
    const gateway = await this.deps.router.gatewayForSend(thread);
    const ticket = await gateway.send(command);
    return { thread, gateway, ticket, requestId };
  }

  /** Stops generation `seq`; resolves once it settled. The message must exist (404 otherwise). */
  async cancel(auth: AuthContext, threadId: string, seq: number): Promise<ThreadGateway> {
    const gateway = await this.#gateway(auth, threadId);
    await gateway.cancel(seq);
    return gateway;
  }

  async submitToolResult(
    auth: AuthContext,
    threadId: string,
    input: { toolUseId: string; content: string | Block[]; isError: boolean },
  ): Promise<void> {
    const gateway = await this.#gateway(auth, threadId);
    await gateway.submitToolResult(input.toolUseId, input.content, input.isError);
  }

  /**
   * Replays after `after` (null: from the running turn, or the thread's end), then follows live.
   * The caller unfollows through `outcome.gateway.unfollow(outcome.subscription)`.
   */
  async follow(
    auth: AuthContext,
    threadId: string,
    after: Position | null,
    sink: StreamSink,
    onDelivered: ((last: EventEntry) => void) | null = null,
  ): Promise<FollowOutcome> {
    const thread = await this.thread(auth, threadId);
    const gateway = await this.deps.router.gatewayFor(thread);
    const subscription = await gateway.follow(after, sink, onDelivered);
    return { thread, gateway, subscription };
  }

  async gateway(auth: AuthContext, threadId: string): Promise<ThreadGateway> {
    return this.#gateway(auth, threadId);
  }

  async #gateway(auth: AuthContext, threadId: string): Promise<ThreadGateway> {
    return this.deps.router.gatewayFor(await this.thread(auth, threadId));
  }
}

function requestIdOf(body: SendBody, header: string | null): string | null {
  if (body.request_id && header && body.request_id !== header) {
    throw new InvalidRequestError("request_id and Idempotency-Key differ.", "request_id");
  }
  return body.request_id ?? header ?? null;
}
