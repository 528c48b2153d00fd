/**
 * OpenAI Chat Completions chunks → model port stream parts (pure; used by OpenAIProvider and its
 * unit tests). Only choice 0 is read (Spool never asks for n > 1). `reasoning_content` /
 * `reasoning`, which several compatible servers (DeepSeek, vLLM, Ollama) add to the delta, become
 * thinking blocks tagged with the provider's name.
 */
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { ModelStopReason, ModelStreamPart } from "../../../ports/llm.ts";
import { ChatDeltaAssembler } from "../shared/chat-delta-assembler.ts";

/** Delta fields that compatible servers add and the SDK's types do not list. */
interface ReasoningDelta {
  reasoning_content?: unknown;
  reasoning?: unknown;
}

export class OpenAIStreamTranslator {
  readonly #assembler: ChatDeltaAssembler;

  constructor(provider: string) {
    this.#assembler = new ChatDeltaAssembler(provider);
  }

  push(chunk: ChatCompletionChunk): ModelStreamPart[] {
    const a = this.#assembler;
    const parts: ModelStreamPart[] = [];
    const choice = chunk.choices?.find((c) => c.index === 0) ?? chunk.choices?.[0];
    if (choice) {
      const delta = choice.delta ?? {};
      const reasoning = reasoningOf(delta as ReasoningDelta);
      if (reasoning) parts.push(...a.thinking(reasoning));
      if (delta.content) parts.push(...a.text(delta.content));
      if (delta.refusal) parts.push(...a.text(delta.refusal));
      for (const call of delta.tool_calls ?? []) {
        parts.push(
          ...a.toolCall({
            index: call.index,
            id: call.id ?? null,
            name: call.function?.name ?? null,
            arguments: call.function?.arguments ?? null,
          }),
        );
      }
      if (choice.finish_reason) a.finish(mapFinishReason(choice.finish_reason));
    }
    if (chunk.usage) {
      const cached = chunk.usage.prompt_tokens_details?.cached_tokens;
      parts.push(...a.usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens, cached));
    }
    return parts;
  }

  /** After `[DONE]` (or the end of the body): closes the last block and emits `stop`. */
  end(): ModelStreamPart[] {
    return this.#assembler.end();
  }
}

function reasoningOf(delta: ReasoningDelta): string {
  const value = delta.reasoning_content ?? delta.reasoning;
  return typeof value === "string" ? value : "";
}

export function mapFinishReason(
  reason: NonNullable<ChatCompletionChunk.Choice["finish_reason"]>,
): ModelStopReason {
  switch (reason) {
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "length":
      return "max_tokens";
    default:
      // stop, content_filter: the turn ended.
      return "end_turn";
  }
}
