/**
 * Token estimates for when a provider reports none (interrupted streams, user messages before the
 * backfill job runs). About 4 characters per token for English text across the major tokenizers;
 * results carry `estimated: true` and the backfill worker replaces them with real counts.
 */
import type { Block } from "../protocol/blocks.ts";

const CHARS_PER_TOKEN = 4;

export function blockText(block: Block): string {
  switch (block.type) {
    case "text":
      return block.text;
    case "thinking":
      return block.thinking;
    case "tool_use":
      return `${block.name} ${JSON.stringify(block.input)}`;
    case "tool_result":
      return typeof block.content === "string"
        ? block.content
        : block.content.map((b) => (b.type === "text" ? b.text : "")).join("\n");
    case "image":
      return "";
  }
}

export function estimateTokens(blocks: Block[]): number {
  const chars = blocks.reduce((sum, block) => sum + blockText(block).length, 0);
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** The same estimate for one text (the tokenizer's fallback when a count runs out of time). */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}
