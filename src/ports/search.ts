/**
 * Hybrid search over messages (Meilisearch at scale; SQLite FTS5 + stored vectors embedded).
 * The contract suite in test/contract/search-index.contract.ts runs against every adapter.
 *
 * Contract:
 * - One document per searchable block of a message; `id` is `<thread_id>:<seq>:<block_index>`.
 *   `index` is an idempotent upsert by id.
 * - Every query is filtered by `tenantId`, and by `endUserId` when given: no hit ever crosses
 *   those lines.
 * - `deleteThread` and `deleteMessage` are visible to the next `search` call (no eventual
 *   consistency); deleting what is not indexed is a no-op.
 * - `semanticRatio` 0 is keyword only, 1 is vector only; between, the two rankings are fused.
 * - Pages are stable for a fixed index: `offset` + `limit` returns each hit once.
 */
export type SearchBlockType = "text" | "tool_use" | "tool_result";

export interface SearchDocument {
  id: string;
  tenant_id: string;
  end_user_id: string | null;
  thread_id: string;
  seq: number;
  block_index: number;
  role: "user" | "assistant" | "tool" | "summary";
  block_type: SearchBlockType;
  model: string | null;
  text: string;
  /** Epoch milliseconds. */
  created_at: number;
  vector: Float32Array | null;
}

export interface SearchQuery {
  tenantId: string;
  endUserId?: string;
  threadId?: string;
  role?: "user" | "assistant" | "tool" | "summary";
  /** Epoch milliseconds, inclusive. */
  from?: number;
  to?: number;
  /** Also search tool_use / tool_result documents. */
  includeTools: boolean;
  q: string;
  vector: Float32Array | null;
  semanticRatio: number;
  limit: number;
  offset: number;
}

export interface SearchHit {
  thread_id: string;
  seq: number;
  role: "user" | "assistant" | "tool" | "summary";
  block_type: SearchBlockType;
  /** Text around the match with matched terms wrapped in `<mark>` … `</mark>`. */
  snippet: string;
  score: number;
  created_at: number;
}

export interface SearchIndex {
  index(documents: SearchDocument[]): Promise<void>;
  deleteThread(tenantId: string, threadId: string): Promise<void>;
  /** Every document of message `seq` (all its blocks). */
  deleteMessage(tenantId: string, threadId: string, seq: number): Promise<void>;
  search(query: SearchQuery): Promise<{ hits: SearchHit[]; hasMore: boolean }>;
  close(): Promise<void>;
}
