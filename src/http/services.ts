/**
 * What the HTTP layer needs, assembled by deps.ts. Routes receive this one object; nothing in
 * http/ constructs an adapter.
 */
import type { ActorHost } from "../../actors/actor-host.ts";
import type { HistoryReader } from "../../actors/history-reader.ts";
import type { ThreadRouter } from "../../actors/thread-router.ts";
import type { Config } from "../config.ts";
import type { CursorCodec } from "../domain/cursor.ts";
import type { CheckpointStore } from "../ports/checkpoint.ts";
import type { Embedder } from "../ports/embedder.ts";
import type { ModelCatalog } from "../ports/llm.ts";
import type { Logger } from "../ports/logger.ts";
import type { Metrics } from "../ports/metrics.ts";
import type { SearchIndex } from "../ports/search.ts";
import type { TenantStore } from "../ports/tenant-store.ts";
import type { ThreadStore } from "../ports/thread-store.ts";
import type { ToolRegistry } from "../ports/tool-registry.ts";
import type { BranchCommands } from "../use-cases/branch-commands.ts";
import type { CompatTurns } from "../use-cases/compat-turns.ts";
import type { EndUserErasure } from "../use-cases/end-user-erasure.ts";
import type { RateLimits } from "../use-cases/rate-limits.ts";
import type { ThreadCommands } from "../use-cases/thread-commands.ts";
import type { ToolRegistrationRules } from "../use-cases/tool-registration.ts";
import type { ConnectionRegistry } from "./connection-registry.ts";
import type { TokenService } from "./tokens.ts";

export interface Readiness {
  /** Throws (with a reason) when a dependency is not ready. */
  check(): Promise<Record<string, string>>;
}

export interface Services {
  config: Config;
  store: ThreadStore;
  tenants: TenantStore;
  tools: ToolRegistry;
  /** What a tool registration must satisfy (destination, schema). */
  toolRules: ToolRegistrationRules;
  checkpoint: CheckpointStore;
  host: ActorHost;
  /** Local actor or forwarding to the owner: what routes use for a thread's commands and streams. */
  router: ThreadRouter;
  /** The one use-case seam every transport goes through for a thread's commands and streams. */
  commands: ThreadCommands;
  /** Erasure of one end user of a tenant (DELETE /v1/end_users/:id). */
  erasure: EndUserErasure;
  /** Regenerate, branch switch, fork, import (API.md "Branches and message operations"). */
  branches: BranchCommands;
  /** Per-identity rate limits: authentication and the WS session check every request with it. */
  limits: RateLimits;
  /** Turns of the compatibility endpoints (OpenAI, Anthropic, AI SDK): thread resolution + seam. */
  compat: CompatTurns;
  /** Shared by all nodes of a cluster (stored once); authenticates /internal calls. */
  internalSecret: string;
  history: HistoryReader;
  cursors: CursorCodec;
  tokens: TokenService;
  catalog: ModelCatalog;
  connections: ConnectionRegistry;
  search: SearchIndex;
  embedder: Embedder;
  readiness: Readiness;
  logger: Logger;
  /** What this process counts; rendered at /metrics. */
  metrics: Metrics;
}
