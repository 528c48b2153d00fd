/**
 * Spool thread → OpenAI Chat Completions request (pure; used by OpenAIProvider for OpenAI and
 * OpenAI-compatible endpoints). The system prompt is the first message; each tool result becomes a
 * `role:"tool"` message right after the assistant message with the calls. Tool messages take text
 * only, so a result's images follow in one user message. Thinking is never sent: Chat Completions
 * has no field for it, and compatible servers (DeepSeek, vLLM) ask for reasoning to be left out.
 */
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionContentPartImage,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import {
  collectToolIds,
  flattenToolResult,
  prepareThread,
  type ThreadMessage,
} from "../../../domain/provider-thread.ts";
import { OPENAI_TOOL_IDS, ToolIdMapper } from "../../../domain/tool-ids.ts";
import type { ModelRequest } from "../../../ports/llm.ts";
import type { Block, ImageBlock } from "../../../protocol/blocks.ts";
import type { ToolDefinition } from "../../../protocol/requests.ts";

export interface OpenAIRequestOptions {
  /** OpenAI wants `max_completion_tokens` (o-series refuse `max_tokens`); most compatible servers know only `max_tokens`. */
  maxTokensField: "max_completion_tokens" | "max_tokens";
}

/** Prefix that marks a failed tool call's result: Chat Completions has no `is_error`. */
export const TOOL_ERROR_PREFIX = "Error: ";

export function toOpenAIRequest(
  request: Omit<ModelRequest, "signal">,
  options: OpenAIRequestOptions,
): ChatCompletionCreateParamsStreaming {
  const thread = prepareThread(request.messages, { keepThinking: () => false });
  const ids = new ToolIdMapper(OPENAI_TOOL_IDS, collectToolIds(thread));
  const messages: ChatCompletionMessageParam[] = [];
  if (request.system) messages.push({ role: "system", content: request.system });
  for (const m of thread) messages.push(...toOpenAIMessages(m, ids));
  const body: ChatCompletionCreateParamsStreaming = {
    model: request.model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
    [options.maxTokensField]: request.maxTokens,
  };
  if (request.temperature !== null) body.temperature = request.temperature;
  if (request.tools.length > 0) body.tools = request.tools.map(toOpenAITool);
  return body;
}

export function toOpenAIMessages(
  m: ThreadMessage,
  ids: ToolIdMapper,
): ChatCompletionMessageParam[] {
  if (m.role === "assistant") {
    const assistant = toAssistant(m.content, ids);
    return assistant ? [assistant] : [];
  }
  if (m.role === "user") return [{ role: "user", content: toUserParts(m.content) }];
  const out: ChatCompletionMessageParam[] = [];
  const images: ImageBlock[] = [];
  for (const block of m.content) {
    if (block.type !== "tool_result") continue;
    const flat = flattenToolResult(block);
    const text = block.is_error ? TOOL_ERROR_PREFIX + flat.text : flat.text;
    out.push({ role: "tool", tool_call_id: ids.map(block.tool_use_id), content: text });
    images.push(...flat.images);
  }
  if (images.length > 0) out.push({ role: "user", content: images.map(toImagePart) });
  return out;
}

function toAssistant(
  content: readonly Block[],
  ids: ToolIdMapper,
): ChatCompletionAssistantMessageParam | null {
  const text = content
    .filter((b) => b.type === "text")
    .map((b) => b.text)
    .join("");
  const calls = content.flatMap((b) =>
    b.type === "tool_use"
      ? [
          {
            id: ids.map(b.id),
            type: "function" as const,
            function: { name: b.name, arguments: JSON.stringify(b.input) },
          },
        ]
      : [],
  );
  if (!text && calls.length === 0) return null;
  const out: ChatCompletionAssistantMessageParam = { role: "assistant", content: text || null };
  if (calls.length > 0) out.tool_calls = calls;
  return out;
}

function toUserParts(content: readonly Block[]): string | ChatCompletionContentPart[] {
  const first = content[0];
  if (content.length === 1 && first?.type === "text") return first.text;
  return content.flatMap((b): ChatCompletionContentPart[] => {
    if (b.type === "text") return [{ type: "text", text: b.text }];
    if (b.type === "image") return [toImagePart(b)];
    return [];
  });
}

export function imageUrl(block: ImageBlock): string {
  const s = block.source;
  return s.type === "url" ? s.url : `data:${s.media_type};base64,${s.data}`;
}

function toImagePart(block: ImageBlock): ChatCompletionContentPartImage {
  return { type: "image_url", image_url: { url: imageUrl(block) } };
}

function toOpenAITool(tool: ToolDefinition): ChatCompletionFunctionTool {
  const fn: ChatCompletionFunctionTool["function"] = {
    name: tool.name,
    parameters: tool.input_schema,
  };
  if (tool.description) fn.description = tool.description;
  return { type: "function", function: fn };
}
