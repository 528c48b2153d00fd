/**
 * Builds a message from its event log. The actor assembles the final message with this, readers
 * assemble in-progress messages from a checkpointed log with it, and clients can do the same: one
 * path, so the stream and the stored message cannot disagree.
 */
import type { Block } from "../protocol/blocks.ts";
import type { LogEvent } from "../protocol/events.ts";
import type { Message } from "../protocol/objects.ts";
import { unreachable } from "./exhaustive.ts";

export class MessageAssembler {
  #message: Message | null = null;
  #partialJson = new Map<number, string>();
  #lastOffset = -1;
  #open = new Set<number>();

  get message(): Message | null {
    return this.#message;
  }

  get lastOffset(): number {
    return this.#lastOffset;
  }

  /** Indexes of blocks started and not yet stopped. */
  get openBlocks(): number[] {
    return [...this.#open];
  }

  /** A copy of the message as it stands, tool inputs parsed as far as they are complete. */
  snapshot(): Message | null {
    if (!this.#message) return null;
    return { ...this.#message, content: this.#message.content.map((b) => ({ ...b })) as Block[] };
  }

  apply(event: LogEvent): void {
    this.#lastOffset++;
    switch (event.type) {
      case "message.created":
      case "message.completed":
      case "message.incomplete":
      case "message.failed":
        this.#message = { ...event.message, content: [...event.message.content] };
        return;
      case "block.start":
        this.#content()[event.index] = { ...event.block } as Block;
        this.#open.add(event.index);
        return;
      case "block.delta":
        this.#applyDelta(event.index, event.delta);
        return;
      case "block.stop":
        this.#open.delete(event.index);
        this.#closeBlock(event.index, event.signature);
        return;
      case "tool.waiting":
        return;
      default:
        unreachable(event, "event type");
    }
  }

  #content(): Block[] {
    if (!this.#message) throw new Error("event log does not start with message.created");
    return this.#message.content;
  }

  #applyDelta(index: number, delta: Extract<LogEvent, { type: "block.delta" }>["delta"]): void {
    const block = this.#content()[index];
    if (!block) return;
    if (delta.type === "text_delta" && block.type === "text") block.text += delta.text;
    else if (delta.type === "thinking_delta" && block.type === "thinking") {
      block.thinking += delta.thinking;
    } else if (delta.type === "input_json_delta") {
      this.#partialJson.set(index, (this.#partialJson.get(index) ?? "") + delta.partial_json);
    }
  }

  #closeBlock(index: number, signature: string | undefined): void {
    const block = this.#content()[index];
    if (block?.type === "thinking" && signature) block.signature = signature;
    const json = this.#partialJson.get(index);
    if (block?.type !== "tool_use" || json === undefined) return;
    this.#partialJson.delete(index);
    block.input = parseToolInput(json);
  }
}

/** A model may stream invalid JSON; keep what it said rather than lose the call. */
export function parseToolInput(json: string): Record<string, unknown> {
  if (json.trim() === "") return {};
  try {
    const value = JSON.parse(json);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    return { _unparsed: json };
  }
}

export function assembleMessage(events: LogEvent[]): Message | null {
  const assembler = new MessageAssembler();
  for (const event of events) assembler.apply(event);
  return assembler.message;
}
