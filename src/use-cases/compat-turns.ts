/**
 * One turn of a compatibility endpoint (OpenAI, Anthropic, AI SDK): finds or creates the thread
 * (thread-resolution.ts), sends what is new through the seam (ThreadCommands) — tool results to
 * the turn waiting for them, anything else as a send whose history rides in the same atomic append
 * — and follows the answer. An `Idempotency-Key` is claimed first, so a retry of a request that
 * created a thread finds that thread and that turn instead of making new ones. The conversation's
 * fingerprint after the answer is recorded when the turn ends, whether or not the client stayed.
 */
import { endOf } from "../../actors/event-entry.ts";
import type { AuthContext } from "../domain/auth-context.ts";
import {
  type ConversationMessage,
  conversationFingerprint,
} from "../domain/history-fingerprint.ts";
import type { MessageRecord, ThreadRecord } from "../domain/records.ts";
import { toWireMessage } from "../domain/records.ts";
import type { ConversationIndex, IndexScope } from "../ports/conversation-index.ts";
import { AppError, IdempotencyMismatchError, NotFoundError } from "../protocol/errors.ts";
import type { Message } from "../protocol/objects.ts";
import type { SendBody } from "../protocol/requests.ts";
import type { ThreadCommands, Transport } from "./thread-commands.ts";
import type { ResolvedThread, ThreadResolution } from "./thread-resolution.ts";
import { TurnFollower } from "./turn-follower.ts";

/** 30 days: a chat people come back to after a holiday still finds its thread. */
export const CONVERSATION_MARK_TTL_MS = 30 * 24 * 3600 * 1000;
/** 30 s: a claimed key whose claimer died frees itself; longer than any send's admission. */
const CLAIM_TTL_MS = 30_000;
/** How long a retry waits for the concurrent request holding its key, polling every 50 ms. */
const CLAIM_WAIT_MS = 10_000;
const CLAIM_POLL_MS = 50;

export interface CompatTurnInput {
  transport: Transport;
  /** Named by `Spool-Thread-Id` or the protocol's conversation field. */
  threadId: string | null;
  /** The protocol's user field (secret keys only; an end-user token implies its own). */
  endUserId: string | null;
  /** The request's conversation (system prompt excluded), in Spool blocks. */
  messages: ConversationMessage[];
  /** True when every message is new (Responses `previous_response_id` / `conversation`). */
  allNew: boolean;
  body: Omit<SendBody, "content" | "request_id" | "stream">;
  idempotencyKey: string | null;
  /** Fingerprint of the protocol request, to tell a retry from a reused key. */
  requestFingerprint: string;
}

export interface CompatTurn {
  thread: ThreadRecord;
  assistantSeq: number;
  events: TurnFollower;
  /** The assistant message once the turn ended (final, or waiting for tool results). */
  finished(): Promise<Message>;
}

export interface CompatTurnsDeps {
  commands: ThreadCommands;
  index: ConversationIndex;
  resolution: ThreadResolution;
  message(threadId: string, seq: number): Promise<MessageRecord | null>;
  dedupTtlMs: number;
}

export class CompatTurns {
  constructor(private readonly deps: CompatTurnsDeps) {}

  /** Thread lookup and creation, for routes that make a conversation without a turn. */
  get resolution(): ThreadResolution {
    return this.deps.resolution;
  }

  async start(auth: AuthContext, input: CompatTurnInput): Promise<CompatTurn> {
    const scope = this.deps.resolution.scope(auth, input.endUserId);
    const key = input.idempotencyKey;
    if (key === null) return this.#run(auth, scope, input);
    const claim = await this.#claim(scope, key);
    if (claim) {
      if (claim.fingerprint !== input.requestFingerprint) throw new IdempotencyMismatchError();
      const thread = await this.deps.commands.thread(auth, claim.threadId);
      return this.#follow(auth, thread, claim.assistantSeq, null);
    }
    try {
      const turn = await this.#run(auth, scope, input);
      const record = {
        threadId: turn.thread.id,
        assistantSeq: turn.assistantSeq,
        fingerprint: input.requestFingerprint,
      };
      await this.deps.index.putRequest(scope, key, record, this.deps.dedupTtlMs);
      return turn;
    } catch (error) {
      await this.deps.index.releaseRequest(scope, key);
      throw error;
    }
  }

  /** Follows the turn whose assistant message is `seq` (a resumed or retried response). */
  follow(auth: AuthContext, thread: ThreadRecord, seq: number): Promise<CompatTurn> {
    return this.#follow(auth, thread, seq, null);
  }

  async #run(auth: AuthContext, scope: IndexScope, input: CompatTurnInput): Promise<CompatTurn> {
    const resolved = await this.deps.resolution.resolve(auth, scope, input);
    const answered = await this.#answerToolCalls(auth, resolved);
    const assistantSeq = answered ?? (await this.#send(auth, resolved, input));
    const record = { scope, messages: input.messages, failedPrefix: resolved.prefixFingerprint };
    return this.#follow(auth, resolved.thread, assistantSeq, record);
  }

  /** Tool results for the calls the thread waits on go to that turn; null when it waits on none. */
  async #answerToolCalls(auth: AuthContext, resolved: ResolvedThread): Promise<number | null> {
    const { fresh, history, waitingSeq } = resolved;
    // A tool turn may still be generating (not waiting yet): only a waiting one takes results.
    if (history.length > 0 || waitingSeq === null) return null;
    const results = fresh.flatMap((m) => m.content);
    if (!fresh.every((m) => m.role === "tool") || results.some((b) => b.type !== "tool_result"))
      return null;
    for (const [i, block] of results.entries()) {
      if (block.type !== "tool_result") continue;
      try {
        await this.deps.commands.submitToolResult(auth, resolved.thread.id, {
          toolUseId: block.tool_use_id,
          content: block.content,
          isError: block.is_error ?? false,
        });
      } catch (error) {
        // Not waiting for this call (any more): the results become history of a new turn.
        if (i === 0 && error instanceof AppError && error.code === "not_found") return null;
        throw error;
      }
    }
    // The turn goes on with the `tool` message, then the next assistant message.
    return waitingSeq + 2;
  }

  async #send(auth: AuthContext, resolved: ResolvedThread, input: CompatTurnInput) {
    const own = resolved.fresh[resolved.fresh.length - 1]!;
    const body: SendBody = {
      ...input.body,
      content: own.content,
      ...(input.idempotencyKey ? { request_id: input.idempotencyKey } : {}),
      // A client that answers a tool call with a new message instead abandons that call.
      ...(resolved.abandonsToolCalls ? { on_busy: "interrupt" as const } : {}),
    };
    const { ticket } = await this.deps.commands.send(auth, resolved.thread.id, body, {
      transport: input.transport,
      history: [...resolved.history, ...resolved.fresh.slice(0, -1)],
      role: own.role === "tool" ? "tool" : "user",
    });
    if (ticket.assistantSeq === null) throw new NotFoundError("model");
    return ticket.assistantSeq;
  }

  async #follow(
    auth: AuthContext,
    thread: ThreadRecord,
    seq: number,
    record: {
      scope: IndexScope;
      messages: ConversationMessage[];
      failedPrefix: string | null;
    } | null,
  ): Promise<CompatTurn> {
    const events = new TurnFollower(seq);
    const subscribe = async (after = endOf(seq - 1)) => {
      const outcome = await this.deps.commands.follow(auth, thread.id, after, events);
      // close(): unfollows and gives the stream slot back (stream caps).
      void events.ended.then(() => outcome.close());
    };
    events.onLost = (after) => {
      subscribe(after ?? undefined).catch(() => events.close("done"));
    };
    await subscribe();
    let final: Promise<Message> | null = null;
    const finished = () => {
      final ??= events.ended.then(async () => {
        if (events.finalMessage) return events.finalMessage;
        const message = await this.deps.message(thread.id, seq);
        if (!message) throw new NotFoundError("message");
        return toWireMessage(message);
      });
      return final;
    };
    if (record)
      void finished()
        .then(async (m) => {
          if ((await events.ended) !== "lost") await this.#remember(record, thread, m);
        })
        .catch(() => {
          // Deleted thread or Redis hiccup: the next request starts a new thread, nothing breaks.
        });
    return { thread, assistantSeq: seq, events, finished };
  }

  /** The conversation as the client will re-send it next time names this thread. */
  async #remember(
    record: { scope: IndexScope; messages: ConversationMessage[]; failedPrefix: string | null },
    thread: ThreadRecord,
    answer: Message,
  ): Promise<void> {
    const ttl = CONVERSATION_MARK_TTL_MS;
    const waiting = answer.status === "in_progress";
    const mark = { threadId: thread.id, lastSeq: answer.seq, waiting };
    // The answer is the turn's assistant message (its role is never `summary`).
    const full = conversationFingerprint([
      ...record.messages,
      { role: "assistant", content: answer.content },
    ]);
    if (full) await this.deps.index.putThread(record.scope, full, mark, ttl);
    // A failed answer is retried with the same history: it continues this thread too.
    if (answer.status === "failed" && record.failedPrefix)
      await this.deps.index.putThread(record.scope, record.failedPrefix, mark, ttl);
  }

  async #claim(scope: IndexScope, key: string) {
    const deadline = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      const claim = await this.deps.index.claimRequest(scope, key, CLAIM_TTL_MS);
      if (claim.kind === "claimed") return null;
      if (claim.kind === "done") return claim.record;
      if (Date.now() > deadline)
        throw new AppError("thread_busy", "A request with this Idempotency-Key is in progress.");
      await new Promise((r) => setTimeout(r, CLAIM_POLL_MS));
    }
  }
}
