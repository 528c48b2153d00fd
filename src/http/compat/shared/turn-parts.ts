/**
 * Spool stream events of one assistant message → a clean, protocol-neutral part sequence that the
 * protocol mappers (OpenAI, Anthropic) translate. Pure and deterministic: the same events give the
 * same parts, which is what lets a resumed OpenAI Responses stream number its events exactly as
 * the first reading did. A `stream.reset` (the server could not continue from a cursor) is turned
 * into the parts that were missing — blocks not seen yet, the rest of a block's text — so mappers
 * never see a reset. The turn ends at the final event or at the last `tool.waiting`.
 */
import type { Block, ToolUseBlock } from "../../../protocol/blocks.ts";
import type { BlockDelta, StreamEvent } from "../../../protocol/events.ts";
import type { Message } from "../../../protocol/objects.ts";

export type TurnPart =
  | { type: "start"; message: Message }
  | { type: "block_start"; index: number; block: Block }
  | { type: "block_delta"; index: number; delta: BlockDelta }
  /** `block`: complete (tool input parsed, thinking signature attached). */
  | { type: "block_stop"; index: number; block: Block }
  /** `message`: final, or in progress with its tool calls when the turn waits for results. */
  | { type: "end"; message: Message; waiting: boolean };

interface Tracked {
  block: Block;
  json: string;
  stopped: boolean;
}

/** The block as `block.start` carries it: without its streamed part. */
function emptyOf(block: Block): Block {
  if (block.type === "text") return { type: "text", text: "" };
  if (block.type === "thinking") {
    const { signature: _s, ...rest } = block;
    return { ...rest, thinking: "" };
  }
  if (block.type === "tool_use") return { ...block, input: {} };
  return block;
}

function streamedOf(block: Block): BlockDelta | null {
  if (block.type === "text") return block.text ? { type: "text_delta", text: block.text } : null;
  if (block.type === "thinking")
    return block.thinking ? { type: "thinking_delta", thinking: block.thinking } : null;
  if (block.type === "tool_use")
    return { type: "input_json_delta", partial_json: JSON.stringify(block.input) };
  return null;
}

export class TurnParts {
  #message: Message | null = null;
  #blocks: Tracked[] = [];
  #waitings = 0;
  #ended = false;

  get ended(): boolean {
    return this.#ended;
  }

  push(event: StreamEvent): TurnPart[] {
    if (this.#ended) return [];
    const out: TurnPart[] = [];
    switch (event.type) {
      case "message.created":
        if (!this.#message) out.push(this.#start(event.message));
        break;
      case "block.start":
        this.#blocks[event.index] = {
          block: structuredClone(event.block),
          json: "",
          stopped: false,
        };
        out.push({ type: "block_start", index: event.index, block: event.block });
        break;
      case "block.delta":
        this.#apply(event.index, event.delta);
        out.push({ type: "block_delta", index: event.index, delta: event.delta });
        break;
      case "block.stop":
        out.push(...this.#stop(event.index, event.signature));
        break;
      case "tool.waiting":
        if (++this.#waitings >= this.#toolUses().length) out.push(this.#end(null, true));
        break;
      case "message.completed":
      case "message.incomplete":
      case "message.failed":
        out.push(...this.#closeOpen(), this.#end(event.message, false));
        break;
      case "stream.reset":
        out.push(...this.#reset(event.message));
        break;
    }
    return out;
  }

  #start(message: Message): TurnPart {
    this.#message = { ...message, content: [] };
    return { type: "start", message: this.#message };
  }

  #apply(index: number, delta: BlockDelta): void {
    const tracked = this.#blocks[index];
    if (!tracked) return;
    const block = tracked.block;
    if (delta.type === "text_delta" && block.type === "text") block.text += delta.text;
    else if (delta.type === "thinking_delta" && block.type === "thinking")
      block.thinking += delta.thinking;
    else if (delta.type === "input_json_delta") tracked.json += delta.partial_json;
  }

  #stop(index: number, signature?: string): TurnPart[] {
    const tracked = this.#blocks[index];
    if (!tracked || tracked.stopped) return [];
    tracked.stopped = true;
    const block = tracked.block;
    if (block.type === "tool_use") block.input = parseInput(tracked.json);
    if (block.type === "thinking" && signature) block.signature = signature;
    return [{ type: "block_stop", index, block: structuredClone(block) }];
  }

  #closeOpen(): TurnPart[] {
    return this.#blocks.flatMap((t, i) => (t && !t.stopped ? this.#stop(i) : []));
  }

  #toolUses(): ToolUseBlock[] {
    return this.#blocks.flatMap((t) => (t?.block.type === "tool_use" ? [t.block] : []));
  }

  #end(final: Message | null, waiting: boolean): TurnPart {
    this.#ended = true;
    const content = this.#blocks.filter(Boolean).map((t) => t.block);
    const message = final ?? { ...this.#message!, content };
    return { type: "end", message, waiting };
  }

  /** The parts that were missed, from the message's full current state. */
  #reset(message: Message): TurnPart[] {
    const out: TurnPart[] = [];
    if (!this.#message) out.push(this.#start(message));
    const final = message.status !== "in_progress";
    message.content.forEach((block, index) => {
      const known = this.#blocks[index];
      if (!known) {
        out.push({ type: "block_start", index, block: emptyOf(block) });
        this.#blocks[index] = { block: emptyOf(block), json: "", stopped: false };
        const delta = streamedOf(block);
        if (delta) {
          this.#apply(index, delta);
          out.push({ type: "block_delta", index, delta });
        }
      } else if (!known.stopped) {
        const delta = remainder(known.block, block);
        if (delta) {
          this.#apply(index, delta);
          out.push({ type: "block_delta", index, delta });
        }
      }
      const last = index === message.content.length - 1;
      if (final || !last) {
        const signature = block.type === "thinking" ? block.signature : undefined;
        out.push(...this.#stop(index, signature));
      }
    });
    if (final) out.push(...this.#closeOpen(), this.#end(message, false));
    return out;
  }
}

/** What `full` has beyond what was streamed of `seen` (the same block), as a delta. */
function remainder(seen: Block, full: Block): BlockDelta | null {
  if (seen.type === "text" && full.type === "text" && full.text.startsWith(seen.text)) {
    const text = full.text.slice(seen.text.length);
    return text ? { type: "text_delta", text } : null;
  }
  if (seen.type === "thinking" && full.type === "thinking") {
    const thinking = full.thinking.slice(seen.thinking.length);
    return thinking ? { type: "thinking_delta", thinking } : null;
  }
  return null;
}

function parseInput(json: string): Record<string, unknown> {
  if (json.trim() === "") return {};
  try {
    const value = JSON.parse(json) as unknown;
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
