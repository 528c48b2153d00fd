/**
 * Spool assistant message → OpenAI Chat Completions (pure): the `chat.completion` object, and the
 * stream of `chat.completion.chunk`s (role first, text as `content`, tool calls with their index
 * among the message's calls, `finish_reason` last, the usage chunk only with
 * `stream_options.include_usage`, then `[DONE]`). Thinking has no place in this protocol and is
 * left out. A failed generation mid-stream is an `{error}` frame, which the SDK raises.
 */
import type { StreamEvent } from "../../../protocol/events.ts";
import type { Message } from "../../../protocol/objects.ts";
import type { FrameMapper } from "../shared/compat-sse.ts";
import {
  joinedText,
  type Outcome,
  outcomeOf,
  type Stop,
  unixSeconds,
} from "../shared/turn-outcome.ts";
import { type TurnPart, TurnParts } from "../shared/turn-parts.ts";

const FINISH: Record<Exclude<Stop, "failed">, string> = {
  end_turn: "stop",
  tool_use: "tool_calls",
  max_tokens: "length",
  cancelled: "stop",
};

function usageOf(outcome: Outcome) {
  return {
    prompt_tokens: outcome.inputTokens,
    completion_tokens: outcome.outputTokens,
    total_tokens: outcome.inputTokens + outcome.outputTokens,
  };
}

export function completionId(message: Message): string {
  return `chatcmpl-${message.id}`;
}

export function openaiError(outcome: Outcome) {
  const message = outcome.error?.message ?? "The generation failed.";
  return {
    message,
    type: "server_error",
    param: null,
    code: outcome.error?.code ?? "generation_failed",
  };
}

export function chatCompletion(message: Message, model: string) {
  const outcome = outcomeOf(message);
  const calls = message.content.flatMap((b) =>
    b.type === "tool_use"
      ? [
          {
            id: b.id,
            type: "function",
            function: { name: b.name, arguments: JSON.stringify(b.input) },
          },
        ]
      : [],
  );
  const text = joinedText(message);
  return {
    id: completionId(message),
    object: "chat.completion",
    created: unixSeconds(message.created_at),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: text === "" && calls.length > 0 ? null : text,
          refusal: null,
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
        },
        finish_reason: outcome.stop === "failed" ? "stop" : FINISH[outcome.stop],
        logprobs: null,
      },
    ],
    usage: usageOf(outcome),
  };
}

export class ChatChunkMapper implements FrameMapper {
  readonly #parts = new TurnParts();
  #id = "";
  #created = 0;
  #failed = false;
  /** Spool block index → index among the message's tool calls. */
  readonly #callIndex = new Map<number, number>();

  constructor(
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  frames(event: StreamEvent): string {
    return this.#parts
      .push(event)
      .map((p) => this.#part(p))
      .join("");
  }

  finish(): string {
    return this.#parts.ended && !this.#failed ? "data: [DONE]\n\n" : "";
  }

  #part(part: TurnPart): string {
    switch (part.type) {
      case "start":
        this.#id = completionId(part.message);
        this.#created = unixSeconds(part.message.created_at);
        return this.#chunk({ role: "assistant", content: "", refusal: null });
      case "block_start":
        if (part.block.type !== "tool_use") return "";
        this.#callIndex.set(part.index, this.#callIndex.size);
        return this.#chunk({
          tool_calls: [
            {
              index: this.#callIndex.get(part.index),
              id: part.block.id,
              type: "function",
              function: { name: part.block.name, arguments: "" },
            },
          ],
        });
      case "block_delta": {
        const d = part.delta;
        if (d.type === "text_delta") return this.#chunk({ content: d.text });
        if (d.type === "input_json_delta" && d.partial_json !== "") {
          const index = this.#callIndex.get(part.index);
          return this.#chunk({ tool_calls: [{ index, function: { arguments: d.partial_json } }] });
        }
        return "";
      }
      case "block_stop":
        return "";
      case "end":
        return this.#end(outcomeOf(part.message));
    }
  }

  #end(outcome: Outcome): string {
    if (outcome.stop === "failed") {
      this.#failed = true;
      return `data: ${JSON.stringify({ error: openaiError(outcome) })}\n\n`;
    }
    let out = this.#chunk({}, FINISH[outcome.stop]);
    if (this.includeUsage) out += this.#frame({ choices: [], usage: usageOf(outcome) });
    return out;
  }

  #chunk(delta: Record<string, unknown>, finish: string | null = null): string {
    return this.#frame({
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...(this.includeUsage ? { usage: null } : {}),
    });
  }

  #frame(body: Record<string, unknown>): string {
    const chunk = {
      id: this.#id,
      object: "chat.completion.chunk",
      created: this.#created,
      model: this.model,
      ...body,
    };
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }
}
