/**
 * Spool thread → Mistral chat request (pure; used by MistralProvider). Same shape as Chat
 * Completions but camelCase (the SDK converts), 9-character tool ids, and a stricter role order:
 * adjacent messages of one role are merged, and a `user` message may not follow a `tool` message
 * ("Unexpected role 'user' after role 'tool'", code 3230), so a short assistant turn is put
 * between them. Thinking made by Mistral goes back as `thinking` chunks.
 */
import type {
  AssistantMessage,
  ChatCompletionStreamRequest,
  ContentChunk,
  Tool,
} from "@mistralai/mistralai/models/components";
import {
  collectToolIds,
  flattenToolResult,
  mergeSameRole,
  prepareThread,
  type ThreadMessage,
  toolUses,
} from "../../../domain/provider-thread.ts";
import { MISTRAL_TOOL_IDS, ToolIdMapper } from "../../../domain/tool-ids.ts";
import type { ModelRequest } from "../../../ports/llm.ts";
import type { Block, ImageBlock } from "../../../protocol/blocks.ts";
import type { ToolDefinition } from "../../../protocol/requests.ts";

export type MistralMessage = ChatCompletionStreamRequest["messages"][number];

/** The assistant turn put between tool results and a following user message. */
export const MISTRAL_BRIDGE_TEXT = "Noted.";
/** Mistral's tool messages have no error flag either. */
export const MISTRAL_TOOL_ERROR_PREFIX = "Error: ";

export function toMistralRequest(
  request: Omit<ModelRequest, "signal">,
  providerName: string,
): ChatCompletionStreamRequest {
  const thread = mergeSameRole(
    prepareThread(request.messages, { keepThinking: (b) => b.provider === providerName }),
  );
  const ids = new ToolIdMapper(MISTRAL_TOOL_IDS, collectToolIds(thread));
  const names = toolNames(thread);
  const messages: MistralMessage[] = [];
  if (request.system) messages.push({ role: "system", content: request.system });
  for (const m of thread) messages.push(...toMistralMessages(m, ids, names));
  const body: ChatCompletionStreamRequest = {
    model: request.model,
    messages: bridgeToolToUser(messages),
    maxTokens: request.maxTokens,
    stream: true,
  };
  if (request.temperature !== null) body.temperature = request.temperature;
  if (request.tools.length > 0) body.tools = request.tools.map(toMistralTool);
  return body;
}

function toMistralMessages(
  m: ThreadMessage,
  ids: ToolIdMapper,
  names: Map<string, string>,
): MistralMessage[] {
  if (m.role === "assistant") {
    const assistant = toAssistant(m.content, ids);
    return assistant ? [assistant] : [];
  }
  if (m.role === "user") return [{ role: "user", content: toUserContent(m.content) }];
  const out: MistralMessage[] = [];
  const images: ImageBlock[] = [];
  for (const block of m.content) {
    if (block.type !== "tool_result") continue;
    const flat = flattenToolResult(block);
    out.push({
      role: "tool",
      toolCallId: ids.map(block.tool_use_id),
      name: names.get(block.tool_use_id) ?? null,
      content: block.is_error ? MISTRAL_TOOL_ERROR_PREFIX + flat.text : flat.text,
    });
    images.push(...flat.images);
  }
  if (images.length > 0) out.push({ role: "user", content: images.map(toImageChunk) });
  return out;
}

function toAssistant(
  content: readonly Block[],
  ids: ToolIdMapper,
): (AssistantMessage & { role: "assistant" }) | null {
  const chunks: ContentChunk[] = [];
  for (const b of content) {
    if (b.type === "text") chunks.push({ type: "text", text: b.text });
    else if (b.type === "thinking") {
      chunks.push({ type: "thinking", thinking: [{ type: "text", text: b.thinking }] });
    }
  }
  const calls = toolUses(content).map((b) => ({
    id: ids.map(b.id),
    type: "function" as const,
    function: { name: b.name, arguments: JSON.stringify(b.input) },
  }));
  if (chunks.length === 0 && calls.length === 0) return null;
  const out: AssistantMessage & { role: "assistant" } = { role: "assistant" };
  if (chunks.length > 0) out.content = plainIfText(chunks);
  if (calls.length > 0) out.toolCalls = calls;
  return out;
}

function toUserContent(content: readonly Block[]): string | ContentChunk[] {
  const chunks = content.flatMap((b): ContentChunk[] => {
    if (b.type === "text") return [{ type: "text", text: b.text }];
    if (b.type === "image") return [toImageChunk(b)];
    return [];
  });
  return plainIfText(chunks);
}

/** One string when the content is text only: what every Mistral model takes. */
function plainIfText(chunks: ContentChunk[]): string | ContentChunk[] {
  if (!chunks.every((c) => c.type === "text")) return chunks;
  return chunks.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}

function toImageChunk(block: ImageBlock): ContentChunk {
  const s = block.source;
  const url = s.type === "url" ? s.url : `data:${s.media_type};base64,${s.data}`;
  return { type: "image_url", imageUrl: url };
}

function bridgeToolToUser(messages: MistralMessage[]): MistralMessage[] {
  const out: MistralMessage[] = [];
  for (const m of messages) {
    if (m.role === "user" && out[out.length - 1]?.role === "tool") {
      out.push({ role: "assistant", content: MISTRAL_BRIDGE_TEXT });
    }
    out.push(m);
  }
  return out;
}

function toolNames(thread: readonly ThreadMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of thread) for (const call of toolUses(m.content)) names.set(call.id, call.name);
  return names;
}

function toMistralTool(tool: ToolDefinition): Tool & { type: "function" } {
  const fn: Tool["function"] = { name: tool.name, parameters: tool.input_schema };
  if (tool.description) fn.description = tool.description;
  return { type: "function", function: fn };
}
