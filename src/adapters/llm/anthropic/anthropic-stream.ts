/**
 * Anthropic stream events → model port stream parts (pure; used by AnthropicProvider and its unit
 * tests). Block indexes are renumbered so that blocks Spool does not keep (server tools, redacted
 * thinking) leave no gap. Thinking streams live; its signature arrives last (`signature_delta`)
 * and is passed on with the block's `block_stop`.
 */
import type {
  ContentBlock,
  RawContentBlockDelta,
  RawMessageStreamEvent,
  StopReason,
} from "@anthropic-ai/sdk/resources/messages";
import {
  ModelProviderError,
  type ModelStopReason,
  type ModelStreamPart,
} from "../../../ports/llm.ts";

type Tracked =
  | { kind: "text" | "tool_use"; index: number }
  | { kind: "thinking"; index: number; signature: string };

export class AnthropicStreamTranslator {
  readonly #provider: string;
  readonly #blocks = new Map<number, Tracked>();
  #nextIndex = 0;
  #stopReason: ModelStopReason = "end_turn";
  #stopped = false;

  constructor(provider: string) {
    this.#provider = provider;
  }

  push(event: RawMessageStreamEvent): ModelStreamPart[] {
    switch (event.type) {
      case "message_start": {
        const u = event.message.usage;
        const input =
          u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
        return [
          {
            type: "usage",
            input_tokens: input,
            output_tokens: u.output_tokens,
            cache_read_tokens: u.cache_read_input_tokens ?? 0,
            cache_write_tokens: u.cache_creation_input_tokens ?? 0,
          },
        ];
      }
      case "content_block_start":
        return this.#start(event.index, event.content_block);
      case "content_block_delta":
        return this.#delta(event.index, event.delta);
      case "content_block_stop":
        return this.#stop(event.index);
      case "message_delta": {
        if (event.delta.stop_reason) this.#stopReason = mapStopReason(event.delta.stop_reason);
        const part: ModelStreamPart = { type: "usage", output_tokens: event.usage.output_tokens };
        if (typeof event.usage.input_tokens === "number") {
          const read = event.usage.cache_read_input_tokens ?? 0;
          const write = event.usage.cache_creation_input_tokens ?? 0;
          part.input_tokens = event.usage.input_tokens + write + read;
          part.cache_read_tokens = read;
          part.cache_write_tokens = write;
        }
        return [part];
      }
      case "message_stop":
        this.#stopped = true;
        return [{ type: "stop", reason: this.#stopReason }];
      default:
        return [];
    }
  }

  /** After the SDK's stream ended: a stream that never reached `message_stop` was cut off. */
  end(): ModelStreamPart[] {
    if (!this.#stopped) {
      throw new ModelProviderError(
        "unavailable",
        `${this.#provider}: stream ended before message_stop`,
      );
    }
    return [];
  }

  #start(upstreamIndex: number, block: ContentBlock): ModelStreamPart[] {
    switch (block.type) {
      case "text": {
        const index = this.#track(upstreamIndex, "text");
        const parts: ModelStreamPart[] = [
          { type: "block_start", index, block: { type: "text", text: "" } },
        ];
        if (block.text) {
          parts.push({
            type: "block_delta",
            index,
            delta: { type: "text_delta", text: block.text },
          });
        }
        return parts;
      }
      case "tool_use": {
        const index = this.#track(upstreamIndex, "tool_use");
        const parts: ModelStreamPart[] = [
          {
            type: "block_start",
            index,
            block: { type: "tool_use", id: block.id, name: block.name, input: {} },
          },
        ];
        const input = block.input;
        if (input && typeof input === "object" && Object.keys(input).length > 0) {
          const partial_json = JSON.stringify(input);
          parts.push({
            type: "block_delta",
            index,
            delta: { type: "input_json_delta", partial_json },
          });
        }
        return parts;
      }
      case "thinking": {
        const index = this.#nextIndex++;
        this.#blocks.set(upstreamIndex, {
          kind: "thinking",
          index,
          signature: block.signature ?? "",
        });
        const parts: ModelStreamPart[] = [
          {
            type: "block_start",
            index,
            block: { type: "thinking", thinking: "", provider: this.#provider },
          },
        ];
        if (block.thinking) {
          const thinking = block.thinking;
          parts.push({ type: "block_delta", index, delta: { type: "thinking_delta", thinking } });
        }
        return parts;
      }
      default:
        return [];
    }
  }

  #delta(upstreamIndex: number, delta: RawContentBlockDelta): ModelStreamPart[] {
    const tracked = this.#blocks.get(upstreamIndex);
    if (!tracked) return [];
    const index = tracked.index;
    if (tracked.kind === "thinking") {
      if (delta.type === "signature_delta") tracked.signature += delta.signature;
      if (delta.type !== "thinking_delta" || !delta.thinking) return [];
      return [
        { type: "block_delta", index, delta: { type: "thinking_delta", thinking: delta.thinking } },
      ];
    }
    if (delta.type === "text_delta" && delta.text) {
      return [{ type: "block_delta", index, delta: { type: "text_delta", text: delta.text } }];
    }
    if (delta.type === "input_json_delta" && delta.partial_json) {
      const partial_json = delta.partial_json;
      return [{ type: "block_delta", index, delta: { type: "input_json_delta", partial_json } }];
    }
    return [];
  }

  #stop(upstreamIndex: number): ModelStreamPart[] {
    const tracked = this.#blocks.get(upstreamIndex);
    this.#blocks.delete(upstreamIndex);
    if (!tracked) return [];
    if (tracked.kind === "thinking" && tracked.signature) {
      return [{ type: "block_stop", index: tracked.index, signature: tracked.signature }];
    }
    return [{ type: "block_stop", index: tracked.index }];
  }

  #track(upstreamIndex: number, kind: "text" | "tool_use"): number {
    const index = this.#nextIndex++;
    this.#blocks.set(upstreamIndex, { kind, index });
    return index;
  }
}

export function mapStopReason(reason: StopReason): ModelStopReason {
  switch (reason) {
    case "tool_use":
      return "tool_use";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "max_tokens";
    default:
      // end_turn, stop_sequence, refusal, pause_turn: the turn is over as far as Spool is concerned.
      return "end_turn";
  }
}
