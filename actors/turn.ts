/** A send as the actor runs it, and what the caller gets back. */

import type { MessageRecord, NewMessage } from "../src/domain/records.ts";
import type { Block, ToolUseBlock } from "../src/protocol/blocks.ts";
import type { SendBody } from "../src/protocol/requests.ts";
import type { AppendedSend } from "./grouped-append.ts";

/**
 * A message appended before the turn's own message, in the same atomic append (and so under the
 * same request id): history a compatibility client re-sent for a thread Spool did not have yet,
 * or new messages before the last one. A later `…/messages/import` appends through the same path.
 */
export interface HistoricalMessage {
  role: "user" | "assistant" | "tool";
  content: Block[];
  model?: string | null;
}

export interface SendCommand {
  body: SendBody;
  content: Block[];
  requestId: string | null;
  fingerprint: string;
  /** Settled messages appended first, in order (none by default). */
  history?: HistoricalMessage[];
  /** Role of the turn's own message: `tool` when it carries tool results (default `user`). */
  role?: "user" | "tool";
  /**
   * A regenerate of assistant message `seq`: the turn has no message of its own; its answer
   * follows `parentSeq` (the parent of `seq`), a new branch that becomes the head.
   */
  regenerate?: { seq: number; parentSeq: number | null };
}

export interface TurnTicket {
  /** The turn's own message (after any `history`); for a regenerate, the message it answers. */
  userSeq: number;
  /** The first assistant message of the turn (null for an append without a model). */
  assistantSeq: number | null;
  /** True when this is a retry of a request id that already ran. */
  duplicate: boolean;
  /**
   * The turn's own message as this node wrote it, for a fresh append-only send on this node: the
   * REST answer needs no read back. Absent otherwise (a turn, a duplicate, a forwarded send).
   */
  userMessage?: MessageRecord;
  /**
   * Resolves when the turn stops: its last assistant message is final, or waits for client tool
   * results. Never rejects.
   */
  settled: Promise<void>;
}

export interface PendingToolCall {
  seq: number;
  toolUses: ToolUseBlock[];
  results: Map<string, { content: string | Block[]; is_error: boolean }>;
  resolve(outcome: "answered" | "timeout" | "cancelled"): void;
}

export function deferred<T>(): {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export type { MessageRecord };

/**
 * The messages a send appends, in order: its history, its own message (none for a regenerate),
 * and, when it runs a model (`model`: canonical `provider/name`), the in-progress answer.
 */
export function turnMessages(command: SendCommand, model: string | null): NewMessage[] {
  const messages: NewMessage[] = (command.history ?? []).map((m) => ({
    role: m.role,
    content: m.content,
    status: "completed",
    model: m.model ?? null,
    requestId: command.requestId,
  }));
  if (!command.regenerate) {
    messages.push({
      role: command.role ?? "user",
      content: command.content,
      status: "completed",
      model: null,
      requestId: command.requestId,
    });
  }
  if (model) {
    messages.push({
      role: "assistant",
      content: [],
      status: "in_progress",
      model,
      requestId: command.requestId,
    });
  }
  return messages;
}

/** Where the turn's first message goes: a regenerate's parent, the send's `parent_seq`, or the head. */
export function parentOption(command: SendCommand): { parentSeq?: number | null } {
  if (command.regenerate) return { parentSeq: command.regenerate.parentSeq };
  if (command.body.parent_seq !== undefined) return { parentSeq: command.body.parent_seq };
  return {};
}

/** The ticket's seqs from the appended (or recorded) seqs: history first, then the turn's own. */
export function ticketSeqs(
  command: SendCommand,
  seqs: number[],
): { userSeq: number; assistantSeq: number | null } {
  if (command.regenerate) {
    return { userSeq: command.regenerate.parentSeq ?? 0, assistantSeq: seqs[0] ?? null };
  }
  const own = (command.history ?? []).length;
  return { userSeq: seqs[own]!, assistantSeq: seqs[own + 1] ?? null };
}

const DONE: Promise<void> = Promise.resolve();

/** The ticket of an append-only send: settled at once, with the user message as written. */
export function appendOnlyTicket(command: SendCommand, result: AppendedSend): TurnTicket {
  const { userSeq, assistantSeq } = ticketSeqs(command, result.seqs);
  const userMessage = result.records.find((r) => r.seq === userSeq);
  const duplicate = result.kind === "duplicate";
  return { userSeq, assistantSeq, duplicate, settled: DONE, ...(userMessage && { userMessage }) };
}
