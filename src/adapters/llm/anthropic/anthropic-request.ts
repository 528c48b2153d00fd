/**
 * Spool thread → Anthropic Messages request (pure; used by AnthropicProvider). Tool results go in
 * a user message right after the tool calls, first in that message's content; adjacent messages
 * of one role are merged because the API wants user/assistant alternation. Thinking blocks are
 * sent back only when this provider made them and they carry their signature (the API refuses a
 * thinking block without one). No `temperature`: SDK 1.x targets API version 2026-10-21, which
 * removed the sampling parameters (even `temperature: 1` is a 400). Prompt caching: the stable
 * prefix is marked with `cache_control` breakpoints (`markCachePrefix`), so the next turn of the
 * thread reads it from the cache (docs/long-threads.md).
 */
import type {
  ContentBlockParam,
  ImageBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
  TextBlockParam,
  Tool,
  ToolResultBlockParam,
} from "@anthropic-ai/sdk/resources/messages";
import {
  collectToolIds,
  mergeSameRole,
  prepareThread,
  type ThreadMessage,
  toolUses,
} from "../../../domain/provider-thread.ts";
import { ANTHROPIC_TOOL_IDS, ToolIdMapper } from "../../../domain/tool-ids.ts";
import type { ModelRequest } from "../../../ports/llm.ts";
import type { Block, ImageBlock, ToolResultBlock } from "../../../protocol/blocks.ts";
import type { ToolDefinition } from "../../../protocol/requests.ts";

type UserOrAssistant = Extract<MessageParam, { role: "user" | "assistant" }>;
interface WireMessage {
  role: "user" | "assistant";
  content: ContentBlockParam[];
}

export function toAnthropicRequest(
  request: Omit<ModelRequest, "signal">,
  providerName: string,
): MessageCreateParamsStreaming {
  const thread = prepareThread(request.messages, {
    keepThinking: (b) => b.provider === providerName && Boolean(b.signature),
  });
  const ids = new ToolIdMapper(ANTHROPIC_TOOL_IDS, collectToolIds(thread));
  const body: MessageCreateParamsStreaming = {
    model: request.model,
    max_tokens: request.maxTokens,
    messages: toAnthropicMessages(thread, ids),
    stream: true,
  };
  if (request.system)
    body.system = [{ type: "text", text: request.system, cache_control: EPHEMERAL }];
  markCachePrefix(body.messages as WireMessage[]);
  if (request.tools.length > 0) body.tools = request.tools.map(toAnthropicTool);
  else if (hasToolBlocks(thread)) {
    // "Requests which include tool_use or tool_result blocks must define tools": declare the
    // tools the history used, and forbid calling them.
    body.tools = historyToolNames(thread).map((name) => ({
      name,
      input_schema: { type: "object" },
    }));
    body.tool_choice = { type: "none" };
  }
  return body;
}

const EPHEMERAL = { type: "ephemeral" } as const;
/** Message breakpoints: the API allows 4 in all; the system prompt takes one. */
const MESSAGE_BREAKPOINTS = 2;

/**
 * Marks the end of the last two messages: the newest one, so the next turn (which repeats this
 * request's messages and adds its own) reads all of it from the cache, and the one before it,
 * so a retried or regenerated turn still hits. The system prompt (with the thread's summary in it)
 * is the first breakpoint. A thinking block cannot carry `cache_control`: the last other block of
 * the message does.
 */
export function markCachePrefix(messages: WireMessage[]): void {
  let marked = 0;
  for (let i = messages.length - 1; i >= 0 && marked < MESSAGE_BREAKPOINTS; i--) {
    const content = messages[i]!.content;
    const block = content.findLast(
      (b) => b.type !== "thinking" && b.type !== "redacted_thinking",
    ) as { cache_control?: typeof EPHEMERAL } | undefined;
    if (!block) continue;
    block.cache_control = EPHEMERAL;
    marked++;
  }
}

function hasToolBlocks(thread: readonly ThreadMessage[]): boolean {
  return thread.some((m) =>
    m.content.some((b) => b.type === "tool_use" || b.type === "tool_result"),
  );
}

function historyToolNames(thread: readonly ThreadMessage[]): string[] {
  return [...new Set(thread.flatMap((m) => toolUses(m.content).map((b) => b.name)))];
}

export function toAnthropicMessages(
  thread: readonly ThreadMessage[],
  ids: ToolIdMapper,
): UserOrAssistant[] {
  const wire: WireMessage[] = thread.map((m) => ({
    role: m.role === "assistant" ? "assistant" : "user",
    content: m.content.flatMap((b) => toAnthropicBlock(b, ids)),
  }));
  // prepareThread puts each tool message right after its assistant message, so a merged user
  // message always opens with the tool_result blocks, as the API requires.
  return mergeSameRole(wire).filter((m) => m.content.length > 0);
}

function toAnthropicBlock(block: Block, ids: ToolIdMapper): ContentBlockParam[] {
  switch (block.type) {
    case "text":
      return [{ type: "text", text: block.text }];
    case "image":
      return [toAnthropicImage(block)];
    case "tool_use":
      return [{ type: "tool_use", id: ids.map(block.id), name: block.name, input: block.input }];
    case "tool_result":
      return [toAnthropicResult(block, ids)];
    case "thinking":
      return block.signature
        ? [{ type: "thinking", thinking: block.thinking, signature: block.signature }]
        : [];
  }
}

function toAnthropicImage(block: ImageBlock): ImageBlockParam {
  const source = block.source;
  if (source.type === "url") return { type: "image", source: { type: "url", url: source.url } };
  return {
    type: "image",
    source: { type: "base64", media_type: source.media_type, data: source.data },
  };
}

function toAnthropicResult(block: ToolResultBlock, ids: ToolIdMapper): ToolResultBlockParam {
  const content: string | Array<TextBlockParam | ImageBlockParam> =
    typeof block.content === "string"
      ? block.content
      : block.content
          .filter((b) => b.type !== "text" || b.text.length > 0)
          .map((b) => (b.type === "text" ? { type: "text", text: b.text } : toAnthropicImage(b)));
  const out: ToolResultBlockParam = {
    type: "tool_result",
    tool_use_id: ids.map(block.tool_use_id),
    content,
  };
  if (block.is_error) out.is_error = true;
  return out;
}

function toAnthropicTool(tool: ToolDefinition): Tool {
  const out: Tool = {
    name: tool.name,
    input_schema: { ...tool.input_schema, type: "object" },
  };
  if (tool.description) out.description = tool.description;
  return out;
}
