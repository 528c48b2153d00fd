/**
 * Calls a tenant tool (ports/tool-registry.ts) for one `tool_use` of a model. Every way a call can
 * end is a value: a failed, refused or timed-out call is `{is_error: true}` with a message the
 * model can read, so the turn goes on and the failure is stored in the thread. Never throws, except
 * that an abort (cancelled turn) may end it early with `is_error: true`.
 */
import type { ToolRecord } from "./tool-registry.ts";

export interface ToolCall {
  threadId: string;
  /** The assistant message that holds the tool_use. */
  seq: number;
  toolUseId: string;
  input: Record<string, unknown>;
  endUserId: string | null;
}

export interface ToolOutcome {
  content: string;
  is_error: boolean;
  /** HTTP attempts made (retries included); for logs and tests. */
  attempts: number;
}

export interface ToolExecutor {
  execute(tool: ToolRecord, call: ToolCall, signal: AbortSignal): Promise<ToolOutcome>;
}
