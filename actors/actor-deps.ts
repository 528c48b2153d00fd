/** What a thread actor needs from the outside world: ports and config slices only. */
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { Clock } from "../src/ports/clock.ts";
import type { JobQueue } from "../src/ports/job-queue.ts";
import type { LiveBus } from "../src/ports/live-bus.ts";
import type { ModelCatalog } from "../src/ports/llm.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";
import type { Tokenizer } from "../src/ports/tokenizer.ts";
import type { ToolExecutor } from "../src/ports/tool-executor.ts";
import type { ToolRegistry } from "../src/ports/tool-registry.ts";
import type { HistoryReader } from "./history-reader.ts";

export interface ActorLimits {
  dedupTtlMs: number;
  maxSubscriberBufferBytes: number;
  toolWaitTimeoutMs: number;
  /** JSON bytes of thread a thread actor keeps for its contexts (default 8 MiB). */
  maxContextBytes?: number;
}

/** Compaction settings (config `compaction`): who summarizes, if anyone. */
export interface CompactionSettings {
  enabled: boolean;
  /** `provider/name`; null: the thread's model of the turn. */
  summaryModel: string | null;
}

export interface ActorDeps {
  nodeId: string;
  checkpoint: CheckpointStore;
  store: ThreadStore;
  jobs: JobQueue;
  catalog: ModelCatalog;
  /** Tenant tools (`tools_mode: "tenant"`) and how they are called. */
  tools: ToolRegistry;
  toolExecutor: ToolExecutor;
  clock: Clock;
  history: HistoryReader;
  logger: Logger;
  limits: ActorLimits;
  /** Counts context tokens where the provider's tokenizer is exact; unset: estimates only. */
  tokenizer?: Tokenizer;
  /** Unset: compaction on, by the thread's own model. */
  compaction?: CompactionSettings;
  /** Where the owner publishes durable batches for followers on other nodes (sharding). */
  live?: LiveBus;
}
