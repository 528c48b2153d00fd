/**
 * Tools of a turn: which tool definitions the model sees, and, in `tools_mode: "tenant"`, the
 * calls Spool makes itself through the ToolExecutor port. Resolution happens before the turn is
 * recorded, so a send naming an unregistered tool is refused (422) without leaving a message.
 */
import type { ToolExecutor } from "../src/ports/tool-executor.ts";
import type { ToolRecord, ToolRegistry } from "../src/ports/tool-registry.ts";
import type { ToolResultBlock, ToolUseBlock } from "../src/protocol/blocks.ts";
import { ValidationError } from "../src/protocol/errors.ts";
import type { SendBody, ToolDefinition, ToolsMode } from "../src/protocol/requests.ts";

export interface TurnTools {
  mode: ToolsMode;
  definitions: ToolDefinition[];
  /** Tenant mode: the registered tools by name. */
  registered: Map<string, ToolRecord>;
}

function definitionOf(name: string, description: string | null | undefined, schema?: object) {
  const definition: ToolDefinition = {
    name,
    input_schema: (schema ?? { type: "object" }) as Record<string, unknown>,
  };
  if (description) definition.description = description;
  return definition;
}

/** Without `tools`, a tenant-mode send offers every tool the tenant registered. */
export async function resolveTurnTools(
  registry: ToolRegistry,
  tenantId: string,
  body: SendBody,
): Promise<TurnTools> {
  const mode = body.tools_mode ?? (body.tools?.length ? "client" : "none");
  if (mode !== "tenant") {
    const definitions = (body.tools ?? []).map((t) =>
      definitionOf(t.name, t.description, t.input_schema),
    );
    return { mode, definitions, registered: new Map() };
  }
  const records = body.tools?.length
    ? await Promise.all(body.tools.map((t) => registry.get(tenantId, t.name)))
    : await registry.list(tenantId);
  const missing = body.tools?.find((_, i) => records[i] === null);
  if (missing) {
    throw new ValidationError(
      `Unknown tenant tool "${missing.name}". Register it with POST /v1/tools.`,
      "tools",
    );
  }
  const registered = new Map(records.map((r) => [r!.name, r!]));
  const definitions = [...registered.values()].map((r) =>
    definitionOf(r.name, r.description, r.input_schema),
  );
  return { mode, definitions, registered };
}

/**
 * 8 calls per assistant message: a model (or a prompt injection steering it) cannot turn one
 * message into hundreds of outbound requests; past it the calls get `tool_call_limit` results.
 */
export const MAX_TOOL_CALLS_PER_MESSAGE = 8;

export interface TenantToolContext {
  threadId: string;
  seq: number;
  endUserId: string | null;
}

/** Runs every call of one assistant message at once; results come back in the calls' order. */
export async function executeTenantTools(
  executor: ToolExecutor,
  tools: TurnTools,
  calls: ToolUseBlock[],
  context: TenantToolContext,
  signal: AbortSignal,
): Promise<ToolResultBlock[]> {
  return Promise.all(
    calls.map(async (call, i): Promise<ToolResultBlock> => {
      if (i >= MAX_TOOL_CALLS_PER_MESSAGE) {
        return {
          type: "tool_result",
          tool_use_id: call.id,
          content: `tool_call_limit: at most ${MAX_TOOL_CALLS_PER_MESSAGE} tool calls per message; this call was not made`,
          is_error: true,
        };
      }
      const tool = tools.registered.get(call.name);
      if (!tool) {
        // The model named a tool it was not offered: tell it, so it can recover.
        return {
          type: "tool_result",
          tool_use_id: call.id,
          content: `unknown tool "${call.name}"`,
          is_error: true,
        };
      }
      const outcome = await executor.execute(
        tool,
        { ...context, toolUseId: call.id, input: call.input },
        signal,
      );
      return {
        type: "tool_result",
        tool_use_id: call.id,
        content: outcome.content,
        is_error: outcome.is_error,
      };
    }),
  );
}
