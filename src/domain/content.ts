/**
 * Message content rules: a string is one text block; the default history view hides tool
 * traffic (`tool` messages and `tool_use` blocks) unless `include=tools`.
 */
import type { Block, ContentInput } from "../protocol/blocks.ts";
import type { Message } from "../protocol/objects.ts";

export function normalizeContent(input: ContentInput): Block[] {
  return typeof input === "string" ? [{ type: "text", text: input }] : input;
}

export function hideToolBlocks(message: Message): Message {
  if (!message.content.some((b) => b.type === "tool_use")) return message;
  return { ...message, content: message.content.filter((b) => b.type !== "tool_use") };
}

export function plainText(blocks: Block[]): string {
  return blocks
    .filter((b): b is Extract<Block, { type: "text" }> => b.type === "text")
    .map((b) => b.text)
    .join("\n");
}
