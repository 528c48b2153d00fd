/**
 * Spool assistant message → Anthropic Messages (pure): the `message` object and its event stream
 * (`message_start`, `content_block_start/delta/stop` at the Spool block's index, a thinking
 * block's signature as `signature_delta` just before its stop, `message_delta` with the stop
 * reason and usage, `message_stop`). A failed generation mid-stream is an `error` event, which
 * the SDK raises. Events carry their `event:` line, without which the SDK drops them.
 */
import type { Block } from "../../../protocol/blocks.ts";
import type { StreamEvent } from "../../../protocol/events.ts";
import type { Message } from "../../../protocol/objects.ts";
import type { FrameMapper } from "../shared/compat-sse.ts";
import { sseFrame } from "../shared/compat-sse.ts";
import { type Outcome, outcomeOf, type Stop } from "../shared/turn-outcome.ts";
import { type TurnPart, TurnParts } from "../shared/turn-parts.ts";

/** Anthropic has no "cancelled": a stopped answer ends its turn as far as the client knows. */
const STOP: Record<Exclude<Stop, "failed">, string> = {
  end_turn: "end_turn",
  tool_use: "tool_use",
  max_tokens: "max_tokens",
  cancelled: "end_turn",
};

export function anthropicBlock(block: Block, streaming = false): Record<string, unknown> | null {
  switch (block.type) {
    case "text":
      return { type: "text", text: streaming ? "" : block.text, citations: null };
    case "thinking":
      return {
        type: "thinking",
        thinking: streaming ? "" : block.thinking,
        signature: streaming ? "" : (block.signature ?? ""),
      };
    case "tool_use":
      return {
        type: "tool_use",
        id: block.id,
        name: block.name,
        input: streaming ? {} : block.input,
      };
    default:
      return null;
  }
}

function usageOf(outcome: Outcome) {
  return {
    input_tokens: outcome.inputTokens,
    output_tokens: outcome.outputTokens,
    cache_creation_input_tokens: null,
    cache_read_input_tokens: null,
  };
}

export function anthropicMessage(message: Message, model: string) {
  const outcome = outcomeOf(message);
  return {
    id: message.id,
    type: "message",
    role: "assistant",
    model,
    content: message.content.flatMap((b) => anthropicBlock(b) ?? []),
    stop_reason: outcome.stop === "failed" ? null : STOP[outcome.stop],
    stop_sequence: null,
    usage: usageOf(outcome),
  };
}

export function anthropicErrorEvent(message: string): string {
  return sseFrame({ type: "error", error: { type: "api_error", message } }, "error");
}

export class AnthropicEventMapper implements FrameMapper {
  readonly #parts = new TurnParts();

  constructor(private readonly model: string) {}

  frames(event: StreamEvent): string {
    return this.#parts
      .push(event)
      .map((part) => this.#part(part))
      .join("");
  }

  finish(): string {
    return "";
  }

  #part(part: TurnPart): string {
    const ev = (data: { type: string; [key: string]: unknown }) => sseFrame(data, data.type);
    switch (part.type) {
      case "start": {
        const message = { ...anthropicMessage(part.message, this.model), stop_reason: null };
        message.usage = { ...message.usage, input_tokens: 0, output_tokens: 0 };
        return ev({ type: "message_start", message });
      }
      case "block_start": {
        const block = anthropicBlock(part.block, true);
        return block
          ? ev({ type: "content_block_start", index: part.index, content_block: block })
          : "";
      }
      case "block_delta":
        return ev({ type: "content_block_delta", index: part.index, delta: part.delta });
      case "block_stop": {
        const signature = part.block.type === "thinking" ? part.block.signature : undefined;
        const signed = signature
          ? ev({
              type: "content_block_delta",
              index: part.index,
              delta: { type: "signature_delta", signature },
            })
          : "";
        return signed + ev({ type: "content_block_stop", index: part.index });
      }
      case "end": {
        const outcome = outcomeOf(part.message);
        if (outcome.stop === "failed")
          return anthropicErrorEvent(outcome.error?.message ?? "The generation failed.");
        const { input_tokens, output_tokens } = usageOf(outcome);
        return (
          ev({
            type: "message_delta",
            delta: { stop_reason: STOP[outcome.stop], stop_sequence: null },
            usage: { input_tokens, output_tokens },
          }) + ev({ type: "message_stop" })
        );
      }
    }
  }
}
