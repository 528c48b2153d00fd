/**
 * The job handlers by queue, as plain functions of their payload (the BullMQ runner calls them).
 * Everything they need arrives as ports in `WorkerDeps`; the wiring (src/worker-runtime.ts) builds
 * it for the embedded server and for `bun workers/main.ts` alike.
 */
import type { Embedder } from "../src/ports/embedder.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { SearchIndex } from "../src/ports/search.ts";
import type { Tokenizer } from "../src/ports/tokenizer.ts";
import {
  expandFinished,
  expandPersist,
  QUEUE_NAMES,
  type QueueName,
} from "../src/protocol/jobs.ts";
import { backfillMany, parseFinishedPayload } from "./backfill-tokens.ts";
import { type CompactDeps, compactThread, parseCompactPayload } from "./compact-thread.ts";
import { embedMessages } from "./embed-message.ts";
import { enforceRetention, type RetentionDeps } from "./enforce-retention.ts";
import { findFinishedMany } from "./message-source.ts";
import {
  type PersistContext,
  type PersistDeps,
  parsePersistPayload,
  persistMessage,
} from "./persist-message.ts";
import { type ReapDeps, reapOrphans } from "./reap-orphans.ts";
import { parseReembedPayload, type ReembedDeps, reembedIndex } from "./reembed-index.ts";
import { ThreadSerial } from "./thread-serial.ts";

export interface WorkerDeps extends PersistDeps, ReapDeps, ReembedDeps {
  retention: RetentionDeps;
  catalog: CompactDeps["catalog"];
  search: SearchIndex;
  embedder: Embedder;
  tokenizer: Tokenizer;
  logger: Logger;
}

/**
 * The messages of a batched job side by side, looked up together (three reads per thread): each
 * is independent and idempotent, and their small store writes then share one commit
 * (backfillMany).
 */
async function backfillBatch(deps: WorkerDeps, payload: unknown): Promise<number> {
  const parts = expandFinished(parseFinishedPayload(payload));
  const found = await findFinishedMany(deps, parts);
  await backfillMany(deps, parts, found);
  return parts.length;
}

export function jobHandlers(
  deps: WorkerDeps,
): Partial<Record<QueueName, (payload: unknown, context: PersistContext) => Promise<unknown>>> {
  const persistSerial = new ThreadSerial();
  return {
    [QUEUE_NAMES.persist]: (payload, context) => {
      const parsed = parsePersistPayload(payload);
      const threads = expandPersist(parsed).map((ref) => ref.thread_id);
      return persistSerial.run(threads, () => persistMessage(deps, parsed, context));
    },
    [QUEUE_NAMES.backfill]: (payload) => backfillBatch(deps, payload),
    [QUEUE_NAMES.embed]: (payload) =>
      embedMessages(deps, expandFinished(parseFinishedPayload(payload))),
    [QUEUE_NAMES.reap]: () => reapOrphans(deps),
    [QUEUE_NAMES.retention]: () => enforceRetention(deps.retention),
    [QUEUE_NAMES.reembed]: (payload) => reembedIndex(deps, parseReembedPayload(payload)),
    [QUEUE_NAMES.compact]: (payload) => compactThread(deps, parseCompactPayload(payload)),
    [QUEUE_NAMES.canary]: async () => "ok",
  };
}
