/**
 * Provider-neutral clean-up of a stored thread before it is translated for one provider: drops
 * thinking blocks the provider may not see and empty text, and re-pairs tool calls with their
 * results. Used by every model adapter (adapters/llm/<provider>/). The non-obvious rule: every
 * provider rejects a tool call that is not answered right after the message that made it, so each
 * assistant message with tool_use blocks is followed at once by one `tool` message answering each
 * call in order — results found later in the thread are moved up, missing ones are filled in as
 * errors, and results that answer no earlier call are dropped.
 */
import type {
  Block,
  ImageBlock,
  ThinkingBlock,
  ToolResultBlock,
  ToolUseBlock,
} from "../protocol/blocks.ts";
import type { ModelMessage } from "./model-context.ts";

/** A thread as a provider adapter prepares it (the model port's messages). */
export type ThreadMessage = ModelMessage;

/** Sent as the result of a call that never got one (timed out, cancelled, lost). */
export const MISSING_TOOL_RESULT = "No result was recorded for this tool call.";

export interface PrepareOptions {
  /** Whether a thinking block may be sent to this provider (made by it, with what it needs). */
  keepThinking(block: ThinkingBlock): boolean;
}

/** The whole clean-up: block filter, then tool pairing, then empty messages dropped. */
export function prepareThread(
  messages: readonly ThreadMessage[],
  options: PrepareOptions,
): ThreadMessage[] {
  const filtered = messages.map((m) => ({
    role: m.role,
    content: m.content.filter((b) => keepBlock(b, options)),
  }));
  return pairToolResults(filtered).filter((m) => m.content.length > 0);
}

function keepBlock(block: Block, options: PrepareOptions): boolean {
  if (block.type === "thinking") return options.keepThinking(block);
  if (block.type === "text") return block.text.length > 0;
  return true;
}

interface PendingResult {
  messageIndex: number;
  block: ToolResultBlock;
  used: boolean;
}

/** See the module header. Non-result blocks of a `tool` message are kept as a `user` message. */
export function pairToolResults(messages: readonly ThreadMessage[]): ThreadMessage[] {
  const results: PendingResult[] = [];
  messages.forEach((m, messageIndex) => {
    if (m.role === "assistant") return;
    for (const block of m.content) {
      if (block.type === "tool_result") results.push({ messageIndex, block, used: false });
    }
  });
  const out: ThreadMessage[] = [];
  messages.forEach((m, messageIndex) => {
    const content = m.content.filter((b) => b.type !== "tool_result");
    if (content.length > 0) out.push({ role: m.role === "tool" ? "user" : m.role, content });
    const calls = m.role === "assistant" ? toolUses(content) : [];
    if (calls.length === 0) return;
    out.push({
      role: "tool",
      content: calls.map((call) => takeResult(results, call, messageIndex)),
    });
  });
  return out;
}

function takeResult(
  results: PendingResult[],
  call: ToolUseBlock,
  afterMessage: number,
): ToolResultBlock {
  const found = results.find(
    (r) => !r.used && r.messageIndex > afterMessage && r.block.tool_use_id === call.id,
  );
  if (found) {
    found.used = true;
    return found.block;
  }
  return {
    type: "tool_result",
    tool_use_id: call.id,
    content: MISSING_TOOL_RESULT,
    is_error: true,
  };
}

export function toolUses(content: readonly Block[]): ToolUseBlock[] {
  return content.filter((b): b is ToolUseBlock => b.type === "tool_use");
}

/** Every tool id the thread uses, calls and results, in order of appearance. */
export function collectToolIds(messages: readonly ThreadMessage[]): string[] {
  const ids: string[] = [];
  for (const m of messages) {
    for (const b of m.content) {
      if (b.type === "tool_use") ids.push(b.id);
      else if (b.type === "tool_result") ids.push(b.tool_use_id);
    }
  }
  return ids;
}

/** A tool result as plain text plus its images, for providers whose tool messages take text. */
export function flattenToolResult(block: ToolResultBlock): { text: string; images: ImageBlock[] } {
  if (typeof block.content === "string") return { text: block.content, images: [] };
  const texts: string[] = [];
  const images: ImageBlock[] = [];
  for (const part of block.content) {
    if (part.type === "text") texts.push(part.text);
    else images.push(part);
  }
  return { text: texts.join("\n"), images };
}

/** Adjacent messages of the same role joined into one, for providers that require alternation. */
export function mergeSameRole<M extends { role: string; content: unknown[] }>(
  messages: readonly M[],
): M[] {
  const out: M[] = [];
  for (const m of messages) {
    const last = out[out.length - 1];
    if (last && last.role === m.role) {
      out[out.length - 1] = { ...last, content: [...last.content, ...m.content] };
    } else {
      out.push({ ...m, content: [...m.content] });
    }
  }
  return out;
}
