/**
 * backfill-tokens: gives a finished message real token counts where it has none or an estimate
 * (user and tool messages always; interrupted assistant messages), through the Tokenizer port,
 * and records assistant messages' usage in the ledger behind `GET /v1/usage` (a user or tool
 * message's tokens are billed as part of the next call's input, never on their own). Writes go through
 * `setUsage` (fills only null / estimated usage, no rev bump: it cannot collide with the owner's
 * next version) and the ledger's (thread, seq) upsert, so a second run changes and counts nothing.
 * It waits for the persisted row (retry) so the fill is never overwritten by the persist job.
 * An erased message (status `deleted`) is never recounted (its content is gone; its usage was
 * kept), but its kept usage still goes to the ledger: the tokens were consumed.
 */

import { toModelMessages } from "../src/domain/model-context.ts";
import type { MessageRecord } from "../src/domain/records.ts";
import { blockText, estimateTokens } from "../src/domain/tokens.ts";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";
import type { Tokenizer } from "../src/ports/tokenizer.ts";
import { type FinishedPayload, FinishedPayloadSchema } from "../src/protocol/jobs.ts";
import type { Usage } from "../src/protocol/objects.ts";
import { parsePayload } from "./job-payloads.ts";
import { findFinished, type MessageLookup, NotReadyError } from "./message-source.ts";

export interface BackfillDeps {
  store: ThreadStore;
  checkpoint: CheckpointStore;
  tokenizer: Tokenizer;
}

export type BackfillOutcome =
  | { kind: "skipped"; reason: string }
  | { kind: "done"; usage: Usage; filled: boolean };

export function parseFinishedPayload(data: unknown): FinishedPayload {
  return parsePayload(FinishedPayloadSchema, data, "finished-message");
}

export async function backfillTokens(
  deps: BackfillDeps,
  payload: FinishedPayload,
  /** What `findFinished` says of the payload, when a batch looked it up already. */
  lookup?: MessageLookup,
): Promise<BackfillOutcome> {
  const plan = await planBackfill(deps, payload, lookup);
  return plan.kind === "skipped" ? plan : writeBackfill(deps, plan);
}

/** What a backfill will write, counted but not written yet (see `backfillMany`). */
type BackfillPlan =
  | { kind: "skipped"; reason: string }
  | { kind: "write"; message: MessageRecord; usage: Usage; fill: boolean };

/**
 * The messages of a batched job: every count first, then every write issued in one synchronous
 * stretch, so the SQLite store joins them into one commit (microtask-writes.ts). Counted one by
 * one, each write came back from the tokenizer thread on its own turn and paid its own commit.
 */
export async function backfillMany(
  deps: BackfillDeps,
  payloads: FinishedPayload[],
  lookups: MessageLookup[],
): Promise<BackfillOutcome[]> {
  const models = await nextModels(deps, lookups);
  const plans = await Promise.all(
    payloads.map((p, i) => planBackfill(deps, p, lookups[i], models)),
  );
  return Promise.all(
    plans.map((plan) => (plan.kind === "skipped" ? plan : writeBackfill(deps, plan))),
  );
}

/** `<thread>:<seq>` → the model of the message after it (null: none, or it has no model). */
type NextModels = Map<string, string | null>;

async function planBackfill(
  deps: BackfillDeps,
  payload: FinishedPayload,
  lookup?: MessageLookup,
  models: NextModels = new Map(),
): Promise<BackfillPlan> {
  const found = lookup ?? (await findFinished(deps, payload));
  if (found.kind === "gone") return { kind: "skipped", reason: "message or thread gone" };
  if (found.kind === "pending") throw new NotReadyError(found.reason);
  if (!found.stored) throw new NotReadyError("not persisted yet");
  const { message } = found;
  const erased = message.status === "deleted";
  if (erased && !message.usage) {
    return { kind: "skipped", reason: "message deleted before it was counted" };
  }
  if (message.usage && (!message.usage.estimated || erased))
    return { kind: "write", message, usage: message.usage, fill: false };
  return { kind: "write", message, usage: await countUsage(deps, message, models), fill: true };
}

async function writeBackfill(
  deps: BackfillDeps,
  plan: Extract<BackfillPlan, { kind: "write" }>,
): Promise<BackfillOutcome> {
  const { message } = plan;
  let { usage } = plan;
  let filled = false;
  if (plan.fill) {
    filled = await deps.store.setUsage(message.thread_id, message.seq, usage);
    // Lost to a concurrent writer (a provider count, or a newer version): record what is stored.
    if (!filled)
      usage = (await deps.store.getMessage(message.thread_id, message.seq))?.usage ?? usage;
  }
  // The ledger is what providers bill: one entry per model call (an assistant message, or a
  // compaction summary), whose input already holds the user and tool messages it read. Their own
  // counts stay on the messages.
  if (message.role !== "assistant" && message.role !== "summary")
    return { kind: "done", usage, filled };
  await deps.store.recordUsage([
    {
      tenant_id: message.tenant_id,
      end_user_id: message.end_user_id,
      thread_id: message.thread_id,
      seq: message.seq,
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      estimated: usage.estimated,
      at: Date.parse(message.created_at),
    },
  ]);
  return { kind: "done", usage, filled };
}

/**
 * A user or tool message is input to the next model call; an assistant message is output, and
 * its prompt size is unknown here, so it stays `estimated` (its input count is kept as it was).
 */
async function countUsage(
  deps: BackfillDeps,
  message: MessageRecord,
  models: NextModels,
): Promise<Usage> {
  const key = `${message.thread_id}:${message.seq}`;
  const model =
    message.model ?? (models.has(key) ? (models.get(key) ?? null) : await nextModel(deps, message));
  const { tokens, exact } = await deps.tokenizer.count(model, message.content.map(blockText));
  if (message.role === "assistant") {
    const known = message.usage?.input_tokens ?? 0;
    return {
      // Finalized by the reaper or a new owner, the prompt is not known: estimate it as the
      // actor does for a cancel (the messages before it, which is what the model read).
      input_tokens: known > 0 ? known : await estimatePrompt(deps, message),
      output_tokens: tokens,
      estimated: true,
    };
  }
  return { input_tokens: tokens, output_tokens: 0, estimated: !exact };
}

/** 1,000 messages: a prompt estimate for an interrupted message reads at most this much history. */
const PROMPT_ESTIMATE_MAX_MESSAGES = 1000;

async function estimatePrompt(deps: BackfillDeps, message: MessageRecord): Promise<number> {
  const before = await deps.store.listMessages({
    threadId: message.thread_id,
    limit: PROMPT_ESTIMATE_MAX_MESSAGES,
    order: "desc",
    afterSeq: message.seq,
    includeTools: true,
  });
  const context = toModelMessages([...before].reverse());
  return context.reduce((n, m) => n + estimateTokens(m.content), 0);
}

/** The model that read a user / tool message: the one of the message after it, if any. */
async function nextModel(deps: BackfillDeps, message: MessageRecord): Promise<string | null> {
  const next =
    (await deps.checkpoint.readTailMessage(message.thread_id, message.seq + 1)) ??
    (await deps.store.getMessage(message.thread_id, message.seq + 1));
  return next?.model ?? null;
}

/**
 * `nextModel` for every message of a batch that has no model of its own (user and tool
 * messages), with one tail read and one store read per thread instead of two per message.
 */
async function nextModels(deps: BackfillDeps, lookups: MessageLookup[]): Promise<NextModels> {
  const seqsByThread = new Map<string, number[]>();
  for (const found of lookups) {
    if (found.kind !== "found" || found.message.model !== null) continue;
    const { thread_id, seq } = found.message;
    const seqs = seqsByThread.get(thread_id);
    if (seqs) seqs.push(seq + 1);
    else seqsByThread.set(thread_id, [seq + 1]);
  }
  const models: NextModels = new Map();
  await Promise.all(
    [...seqsByThread].map(async ([threadId, seqs]) => {
      // The tail first, as nextModel reads: the store only for the seqs the tail lacks (a user
      // message's answer is usually still there, in progress or unpersisted).
      const hot = await deps.checkpoint.readTailMessages(threadId, seqs);
      const missing = seqs.filter((_, i) => hot[i] === null);
      const stored = await deps.store.getMessages(threadId, missing);
      const storedBySeq = new Map(stored.map((r) => [r.seq, r]));
      seqs.forEach((seq, i) => {
        const next = hot[i] ?? storedBySeq.get(seq) ?? null;
        models.set(`${threadId}:${seq - 1}`, next?.model ?? null);
      });
    }),
  );
  return models;
}
