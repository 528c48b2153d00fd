/**
 * Commands forwarded to the node that owns a thread (routing). The forwarding node has already
 * authenticated the caller and loaded the thread (tenant scope); the owner trusts it through a
 * shared internal secret. Events do not come back through this client: followers read them from
 * the checkpoint and the live bus.
 *
 * Outcomes: `{ok: true}`; `{ok: false, reason: "unreachable"}` when the owner cannot be reached
 * (dead, partitioned, stopped); `{ok: false, reason: "not_owner"}` when it answered that it no
 * longer owns the thread (shutting down, lease moved). Errors the owner raised for the command
 * (validation, busy, mismatch…) are thrown as AppError with the owner's code.
 */
import type { NewMessage } from "../domain/records.ts";
import type { Block } from "../protocol/blocks.ts";
import type { Message } from "../protocol/objects.ts";
import type { SendBody } from "../protocol/requests.ts";

/** The header carrying the cluster's internal secret on /internal calls. */
export const INTERNAL_SECRET_HEADER = "x-spool-internal";

export interface OwnerAddress {
  nodeId: string;
  url: string;
}

export interface ThreadRef {
  tenantId: string;
  threadId: string;
}

export interface ForwardedSend {
  body: SendBody;
  content: Block[];
  requestId: string | null;
  fingerprint: string;
  /** Settled messages appended before the turn's own (actors/turn.ts `HistoricalMessage`). */
  history?: { role: "user" | "assistant" | "tool"; content: Block[]; model?: string | null }[];
  role?: "user" | "tool";
}

export interface ForwardedTicket {
  userSeq: number;
  assistantSeq: number | null;
  duplicate: boolean;
  /** Resolves when the owner reports the turn settled, or the connection ends. Never rejects. */
  settled: Promise<void>;
}

export type Forwarded<T> =
  | { ok: true; value: T }
  | { ok: false; reason: "unreachable" | "not_owner" };

export interface ToolResultInput {
  toolUseId: string;
  content: string | Block[];
  isError: boolean;
}

export interface OwnerClient {
  send(
    owner: OwnerAddress,
    thread: ThreadRef,
    send: ForwardedSend,
  ): Promise<Forwarded<ForwardedTicket>>;
  /** Cancels `seq` and resolves once it settled. */
  cancel(owner: OwnerAddress, thread: ThreadRef, seq: number): Promise<Forwarded<void>>;
  toolResult(
    owner: OwnerAddress,
    thread: ThreadRef,
    input: ToolResultInput,
  ): Promise<Forwarded<void>>;
  /** Erases settled message `seq` on the owner; the erased message (errors as AppError). */
  deleteMessage(owner: OwnerAddress, thread: ThreadRef, seq: number): Promise<Forwarded<Message>>;
  /** Stops the thread's actor on the owner (before a delete); its lease is released. */
  stop(owner: OwnerAddress, thread: ThreadRef): Promise<Forwarded<void>>;
  /** Appends settled historical messages on the owner; their seqs. */
  importMessages(
    owner: OwnerAddress,
    thread: ThreadRef,
    messages: NewMessage[],
  ): Promise<Forwarded<number[]>>;
  /** Switches the thread's active branch on the owner (its writer keeps the head). */
  switchHead(owner: OwnerAddress, thread: ThreadRef, seq: number): Promise<Forwarded<void>>;
}
