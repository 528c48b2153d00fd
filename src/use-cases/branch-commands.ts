/**
 * The branch and message-lifecycle commands of API.md "Branches and message operations":
 * regenerate, switch branch, fork and import. They reach a thread's writer the way every command
 * does (ThreadCommands for scoping, policy and limits; the router for the owner on any node); a
 * regenerate *is* a send, so it runs the one send path with all its limits.
 */
import type { HistoryReader } from "../../actors/history-reader.ts";
import type { ThreadRouter } from "../../actors/thread-router.ts";
import type { AuthContext } from "../domain/auth-context.ts";
import { branchOf } from "../domain/branches.ts";
import { normalizeContent } from "../domain/content.ts";
import { newId } from "../domain/ids.ts";
import type { MessageRecord, NewMessage, ThreadRecord } from "../domain/records.ts";
import type { ThreadStore } from "../ports/thread-store.ts";
import {
  InvalidRequestError,
  NotFoundError,
  ThreadBusyError,
  UnauthorizedError,
  ValidationError,
} from "../protocol/errors.ts";
import type { ForkBody, ImportedMessage, RegenerateBody } from "../protocol/requests.ts";
import type { SendOptions, SendOutcome, ThreadCommands } from "./thread-commands.ts";

export interface BranchCommandsDeps {
  commands: ThreadCommands;
  history: HistoryReader;
  store: ThreadStore;
  router: ThreadRouter;
  now(): number;
}

export class BranchCommands {
  constructor(private readonly deps: BranchCommandsDeps) {}

  /** A new answer to the parent of assistant message `seq`: a new branch, the new head. */
  async regenerate(
    auth: AuthContext,
    threadId: string,
    seq: number,
    body: RegenerateBody,
    options: Omit<SendOptions, "regenerate">,
  ): Promise<SendOutcome> {
    const thread = await this.deps.commands.thread(auth, threadId);
    const target = await this.#message(thread, seq);
    if (target.role !== "assistant") {
      throw new InvalidRequestError("Only an assistant message can be regenerated.", "seq");
    }
    const model = body.model ?? target.model;
    if (!model) throw new ValidationError("Name the model to regenerate with.", "model");
    return this.deps.commands.send(
      auth,
      thread.id,
      { ...body, model, content: "" },
      { ...options, regenerate: { seq, parentSeq: target.parent_seq } },
    );
  }

  /** Makes `seq` the head of the thread (`PATCH head_seq`). */
  async switchHead(auth: AuthContext, threadId: string, seq: number): Promise<ThreadRecord> {
    const thread = await this.deps.commands.thread(auth, threadId);
    await (await this.deps.router.gatewayForSend(thread)).switchHead(seq);
    return thread;
  }

  /** Appends historical messages of any role (secret key only). Returns their seqs. */
  async importMessages(
    auth: AuthContext,
    threadId: string,
    messages: ImportedMessage[],
  ): Promise<number[]> {
    if (auth.endUserId !== null) {
      throw new UnauthorizedError("Importing messages needs a secret key.");
    }
    const thread = await this.deps.commands.thread(auth, threadId);
    const records = messages.map((m, i) => importedMessage(m, i));
    return (await this.deps.router.gatewayForSend(thread)).importMessages(records);
  }

  /** A new thread of the same end user holding the branch that ends at `at_seq`. */
  async fork(auth: AuthContext, threadId: string, body: ForkBody): Promise<ThreadRecord> {
    const source = await this.deps.commands.thread(auth, threadId);
    await this.#message(source, body.at_seq);
    const all = await this.deps.history.all(source.id);
    const branch = branchOf(all, body.at_seq);
    if (branch.some((r) => r.status === "in_progress")) {
      throw new ThreadBusyError(body.at_seq);
    }
    const now = this.deps.now();
    const fork: ThreadRecord = {
      id: newId("thr"),
      tenant_id: source.tenant_id,
      end_user_id: source.end_user_id,
      metadata: body.metadata ?? source.metadata,
      created_at: now,
      last_active_at: now,
      last_seq: 0,
      head_seq: null,
      head_as_of: 0,
    };
    await this.deps.store.createThread(fork);
    // The fork is linear: its messages follow each other, whatever seqs they had in the source.
    const copies = branch.map((r) => copyOf(r));
    for (let i = 0; i < copies.length; i += FORK_BATCH_MESSAGES) {
      const gateway = await this.deps.router.gatewayForSend(fork);
      await gateway.importMessages(copies.slice(i, i + FORK_BATCH_MESSAGES));
    }
    return fork;
  }

  async #message(thread: ThreadRecord, seq: number): Promise<MessageRecord> {
    const record = await this.deps.history.message(thread.id, seq);
    if (!record) throw new NotFoundError("message");
    return record;
  }
}

/** A fork copies in batches of this many messages (one fenced append each). */
const FORK_BATCH_MESSAGES = 500;

function copyOf(record: MessageRecord): NewMessage {
  return {
    role: record.role,
    content: record.content,
    status: record.status === "in_progress" ? "incomplete" : record.status,
    model: record.model,
    requestId: null,
    imported: {
      createdAt: record.created_at,
      completedAt: record.completed_at,
      usage: record.usage,
      stopReason: record.stop_reason,
    },
  };
}

function importedMessage(message: ImportedMessage, index: number): NewMessage {
  const createdAt = isoTime(message.created_at, `messages.${index}.created_at`);
  const completedAt =
    message.completed_at === null
      ? null
      : isoTime(message.completed_at, `messages.${index}.completed_at`);
  const content = normalizeContent(message.content);
  const deleted = message.status === "deleted";
  // A deleted message keeps its seq and nothing else (an export of one imports back as one).
  if (deleted !== (content.length === 0)) {
    throw new ValidationError(
      deleted ? "A deleted message has no content." : "A message needs content.",
      `messages.${index}.content`,
    );
  }
  return {
    role: message.role,
    content,
    status: message.status ?? "completed",
    model: message.model ?? null,
    requestId: null,
    imported: {
      ...(createdAt === undefined ? {} : { createdAt }),
      ...(completedAt === undefined ? {} : { completedAt }),
      usage: message.usage ?? null,
      stopReason: message.stop_reason ?? null,
      ...(message.parent_seq === undefined ? {} : { parentSeq: message.parent_seq }),
    },
  };
}

/** An ISO 8601 time as Spool writes it; 422 for anything Date cannot read. */
function isoTime(text: string | undefined, param: string): string | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ValidationError("Not an ISO 8601 date-time.", param);
  return new Date(ms).toISOString();
}
