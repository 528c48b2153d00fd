/**
 * Which thread a compatibility request continues, and what in it is new (API.md "Compatibility
 * endpoints"): the thread it names; else the caller's thread whose history equals the request's
 * messages up to its last assistant message (content fingerprint, tenant and end user scope,
 * checked against the thread's current last seq so a thread that moved on is never continued);
 * else a new thread that receives the request's earlier messages as history. Only the messages
 * after the last assistant message are new.
 */

import type { HistoricalMessage } from "../../actors/turn.ts";
import type { AuthContext } from "../domain/auth-context.ts";
import {
  type ConversationMessage,
  conversationFingerprint,
  lastAssistantIndex,
} from "../domain/history-fingerprint.ts";
import { newId } from "../domain/ids.ts";
import type { MessageRecord, ThreadRecord } from "../domain/records.ts";
import type { CheckpointStore } from "../ports/checkpoint.ts";
import type { ConversationIndex, IndexScope } from "../ports/conversation-index.ts";
import type { ThreadStore } from "../ports/thread-store.ts";
import { InvalidRequestError } from "../protocol/errors.ts";
import type { Metadata } from "../protocol/objects.ts";
import type { ThreadCommands } from "./thread-commands.ts";

export interface ResolvedThread {
  thread: ThreadRecord;
  /** Earlier messages to append first (a thread Spool did not have). */
  history: HistoricalMessage[];
  /** The new messages; the last one is the turn's own. Never empty. */
  fresh: ConversationMessage[];
  /** The thread's last message, when it is an assistant message waiting for tool results. */
  waitingSeq: number | null;
  /** The matched thread's last turn stopped at tool calls this request does not answer. */
  abandonsToolCalls: boolean;
  /** Fingerprint of the history before the new messages (null: none). */
  prefixFingerprint: string | null;
}

export interface ResolutionInput {
  threadId: string | null;
  messages: ConversationMessage[];
  allNew: boolean;
}

export interface ThreadResolutionDeps {
  commands: ThreadCommands;
  store: ThreadStore;
  checkpoint: CheckpointStore;
  index: ConversationIndex;
  message(threadId: string, seq: number): Promise<MessageRecord | null>;
}

const END_USER_MAX_CHARS = 256;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export class ThreadResolution {
  constructor(private readonly deps: ThreadResolutionDeps) {}

  /** The end user a request acts for: an end-user token's own, or the protocol's user field. */
  scope(auth: AuthContext, requested: string | null): IndexScope {
    if (requested !== null) {
      const bad =
        requested.length < 1 ||
        requested.length > END_USER_MAX_CHARS ||
        CONTROL_CHARS.test(requested);
      if (bad)
        throw new InvalidRequestError("The user id must be 1-256 printable characters.", "user");
      if (auth.endUserId !== null && requested !== auth.endUserId)
        throw new InvalidRequestError("The user must match the end-user token.", "user");
    }
    return { tenantId: auth.tenantId, endUserId: auth.endUserId ?? requested };
  }

  async create(scope: IndexScope, metadata: Metadata = {}): Promise<ThreadRecord> {
    const now = Date.now();
    const thread: ThreadRecord = {
      id: newId("thr"),
      tenant_id: scope.tenantId,
      end_user_id: scope.endUserId,
      metadata,
      created_at: now,
      last_active_at: now,
      last_seq: 0,
      head_seq: null,
      head_as_of: 0,
    };
    await this.deps.store.createThread(thread);
    return thread;
  }

  async resolve(
    auth: AuthContext,
    scope: IndexScope,
    input: ResolutionInput,
  ): Promise<ResolvedThread> {
    const split = input.allNew ? -1 : lastAssistantIndex(input.messages);
    const prefix = input.messages.slice(0, split + 1);
    const fresh = input.messages.slice(split + 1);
    if (fresh.length === 0)
      throw new InvalidRequestError("The last message must be a user or tool message.", "messages");
    const prefixFingerprint = conversationFingerprint(prefix);
    let thread: ThreadRecord | null = null;
    let abandonsToolCalls = false;
    if (input.threadId !== null) thread = await this.deps.commands.thread(auth, input.threadId);
    else if (prefixFingerprint !== null) {
      const mark = await this.deps.index.findThread(scope, prefixFingerprint);
      const candidate = mark
        ? await this.deps.store.getThread(scope.tenantId, mark.threadId)
        : null;
      if (mark && candidate && candidate.end_user_id === scope.endUserId) {
        if ((await this.#lastSeq(candidate)) === mark.lastSeq) {
          thread = candidate;
          abandonsToolCalls = mark.waiting;
        }
      }
    }
    const lastSeq = thread ? await this.#lastSeq(thread) : 0;
    thread ??= await this.create(scope);
    const history = lastSeq === 0 ? prefix.map(toHistorical) : [];
    const waitingSeq = lastSeq > 0 ? await this.#waiting(thread.id, lastSeq) : null;
    if (waitingSeq === null) abandonsToolCalls = false;
    return { thread, history, fresh, waitingSeq, abandonsToolCalls, prefixFingerprint };
  }

  async #lastSeq(thread: ThreadRecord): Promise<number> {
    return (
      (await this.deps.checkpoint.lastSeq(thread.id)) ?? (await this.deps.store.lastSeq(thread.id))
    );
  }

  async #waiting(threadId: string, lastSeq: number): Promise<number | null> {
    const last = await this.deps.message(threadId, lastSeq);
    const waits =
      last?.role === "assistant" &&
      last.status === "in_progress" &&
      last.content.some((b) => b.type === "tool_use");
    return waits ? lastSeq : null;
  }
}

function toHistorical(message: ConversationMessage): HistoricalMessage {
  return { role: message.role, content: message.content };
}
