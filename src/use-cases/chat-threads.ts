/**
 * Threads as chat clients name them (the AI SDK's `useChat({id})`). An id starting `thr_` is a
 * Spool thread and must be visible to the caller (404 otherwise, never created). Any other id is
 * the client's own and is mapped, not taken: the thread id is a hash of (tenant, end user, chat
 * id), so two tenants or end users using the same chat id get different threads and no client can
 * choose an id that lands on someone else's. The first send creates the thread for the caller.
 * Also reads what a chat transport needs of a thread's tail: the running turn, and its tool wait.
 */
import { createHash } from "node:crypto";
import type { HistoryReader } from "../../actors/history-reader.ts";
import type { AuthContext } from "../domain/auth-context.ts";
import type { MessageRecord, ThreadRecord } from "../domain/records.ts";
import type { ThreadStore } from "../ports/thread-store.ts";
import { InvalidRequestError } from "../protocol/errors.ts";
import type { ThreadCommands } from "./thread-commands.ts";

export interface ChatThreadsDeps {
  store: ThreadStore;
  history: HistoryReader;
  commands: ThreadCommands;
}

/** A turn is at most 8 model calls (16 assistant and tool messages) after its user message. */
const TAIL_READ = 24;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** As many characters as a random thread id (ids.ts). */
const ID_CHARS = 22;

export interface RunningTurn {
  userSeq: number;
  /** The turn's first assistant message (the UIMessage's id). */
  first: MessageRecord;
  /** The message generating now, or waiting for client tool results. */
  current: MessageRecord;
}

export class ChatThreads {
  constructor(private readonly deps: ChatThreadsDeps) {}

  /** The thread `chatId` names for `auth`; null when it names none yet and `create` is false. */
  async resolve(
    auth: AuthContext,
    chatId: string,
    options: { create: boolean; endUserId?: string | undefined },
  ): Promise<ThreadRecord | null> {
    if (chatId.startsWith("thr_")) return this.deps.commands.thread(auth, chatId);
    const endUserId = endUserOf(auth, options.endUserId);
    const id = mappedThreadId(auth.tenantId, endUserId, chatId);
    const existing = await this.deps.store.getThread(auth.tenantId, id);
    if (existing || !options.create) return existing;
    const now = Date.now();
    const thread: ThreadRecord = {
      id,
      tenant_id: auth.tenantId,
      end_user_id: endUserId,
      metadata: {},
      created_at: now,
      last_active_at: now,
      last_seq: 0,
      head_seq: null,
      head_as_of: 0,
    };
    try {
      await this.deps.store.createThread(thread);
      return thread;
    } catch (error) {
      // Two first sends of one chat at once: the other one created it.
      const raced = await this.deps.store.getThread(auth.tenantId, id);
      if (raced) return raced;
      throw error;
    }
  }

  /** The newest messages, newest first (tool messages included, in-progress ones filled). */
  async tail(threadId: string): Promise<MessageRecord[]> {
    const page = await this.deps.history.page({
      threadId,
      limit: TAIL_READ,
      order: "desc",
      includeTools: true,
    });
    return page.records;
  }

  /** The turn that is generating or waiting for client tools, if any. */
  async runningTurn(threadId: string): Promise<RunningTurn | null> {
    return runningTurnOf(await this.tail(threadId));
  }
}

/** Pure part of `runningTurn`, on the tail newest first. */
export function runningTurnOf(tail: MessageRecord[]): RunningTurn | null {
  const current = tail[0];
  if (current?.role !== "assistant" || current.status !== "in_progress") return null;
  let first = current;
  for (const record of tail) {
    if (record.role === "user") return { userSeq: record.seq, first, current };
    if (record.role === "assistant") first = record;
  }
  return null; // the turn's start is beyond the tail: not a turn Spool ran
}

/**
 * The last assistant message of the turn that `userSeq` started, as far as the tail shows it
 * (null when the tail does not reach it). Tool waits of earlier messages of that turn are
 * answered: a stream replaying the turn must not end at them.
 */
export function lastAssistantOfTurn(tail: MessageRecord[], userSeq: number): number | null {
  let last: number | null = null;
  for (const record of [...tail].reverse()) {
    if (record.seq <= userSeq) continue;
    if (record.role === "user") break;
    if (record.role === "assistant") last = record.seq;
  }
  return last;
}

export function mappedThreadId(tenantId: string, endUserId: string | null, chatId: string): string {
  const digest = createHash("sha256")
    .update(`ui-chat\0${tenantId}\0${endUserId === null ? "\u0001" : endUserId}\0${chatId}`)
    .digest();
  let out = "";
  for (let i = 0; i < ID_CHARS; i++) out += BASE62[digest[i]! % 62];
  return `thr_${out}`;
}

function endUserOf(auth: AuthContext, requested: string | undefined): string | null {
  if (auth.endUserId === null) return requested ?? null;
  if (requested !== undefined && requested !== auth.endUserId) {
    throw new InvalidRequestError("end_user_id must match the end-user token.", "end_user_id");
  }
  return auth.endUserId;
}
