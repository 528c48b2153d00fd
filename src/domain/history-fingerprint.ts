/**
 * Content fingerprints of a conversation, so a stateless compatibility client that re-sends the
 * whole history every call (Open WebUI) keeps one Spool thread: the history it sends up to its
 * last assistant message is fingerprinted and looked up among the caller's threads. The canonical
 * form is what survives a round trip through every protocol: text (whitespace-collapsed, texts of
 * one speaker in a row joined), images (hashed), tool calls (id, name, input) and tool results (id,
 * text), with `tool` and `user` texts the same speaker (Anthropic puts results in user turns,
 * OpenAI in tool messages). Thinking is left out: most protocols cannot echo it back.
 */
import { createHash } from "node:crypto";
import type { Block } from "../protocol/blocks.ts";
import { canonicalJson } from "./fingerprint.ts";

export interface ConversationMessage {
  role: "user" | "assistant" | "tool";
  content: Block[];
}

type Part =
  | { k: "text"; who: "a" | "u"; text: string }
  | { k: "image"; h: string }
  | { k: "call"; id: string; name: string; input: unknown }
  | { k: "result"; id: string; text: string; error: boolean };

function hash(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 22);
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function resultText(block: Extract<Block, { type: "tool_result" }>): string {
  if (typeof block.content === "string") return collapse(block.content);
  return collapse(block.content.map((b) => (b.type === "text" ? b.text : "")).join("\n"));
}

function partsOf(message: ConversationMessage, out: Part[]): void {
  const who = message.role === "assistant" ? "a" : "u";
  for (const block of message.content) {
    const last = out[out.length - 1];
    switch (block.type) {
      case "text": {
        const text = collapse(block.text);
        if (text === "") break;
        if (last?.k === "text" && last.who === who) last.text = `${last.text} ${text}`;
        else out.push({ k: "text", who, text });
        break;
      }
      case "image":
        out.push({ k: "image", h: hash(canonicalJson(block.source)) });
        break;
      case "tool_use":
        out.push({ k: "call", id: block.id, name: block.name, input: block.input });
        break;
      case "tool_result":
        out.push({
          k: "result",
          id: block.tool_use_id,
          text: resultText(block),
          error: block.is_error === true,
        });
        break;
      case "thinking":
        break;
    }
  }
}

/** The canonical parts of a conversation, in order. */
export function conversationParts(messages: readonly ConversationMessage[]): Part[] {
  const out: Part[] = [];
  for (const message of messages) partsOf(message, out);
  return out;
}

/** The fingerprint of a conversation; null when it holds nothing (no key for an empty thread). */
export function conversationFingerprint(messages: readonly ConversationMessage[]): string | null {
  const parts = conversationParts(messages);
  if (parts.length === 0) return null;
  return createHash("sha256").update(canonicalJson(parts)).digest("base64url").slice(0, 32);
}

/** Index of the last assistant message, or -1. Messages after it are a request's new ones. */
export function lastAssistantIndex(messages: readonly ConversationMessage[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === "assistant") return i;
  return -1;
}
