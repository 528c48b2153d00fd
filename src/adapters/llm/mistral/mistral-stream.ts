/**
 * Mistral stream chunks (as the SDK returns them: camelCase) → model port stream parts (pure;
 * used by MistralProvider and its unit tests). Content is a string, or chunks where reasoning
 * models put `thinking` next to `text`. Mistral usually sends a tool call whole in one delta,
 * arguments sometimes as an object; both are passed on as one `input_json_delta`.
 */
import type { CompletionChunk, ContentChunk } from "@mistralai/mistralai/models/components";
import {
  ModelProviderError,
  type ModelStopReason,
  type ModelStreamPart,
} from "../../../ports/llm.ts";
import { ChatDeltaAssembler } from "../shared/chat-delta-assembler.ts";

export class MistralStreamTranslator {
  readonly #provider: string;
  readonly #assembler: ChatDeltaAssembler;

  constructor(provider: string) {
    this.#provider = provider;
    this.#assembler = new ChatDeltaAssembler(provider);
  }

  push(chunk: CompletionChunk): ModelStreamPart[] {
    const a = this.#assembler;
    const parts: ModelStreamPart[] = [];
    const choice = chunk.choices.find((c) => c.index === 0) ?? chunk.choices[0];
    if (choice) {
      const { content, toolCalls } = choice.delta;
      if (typeof content === "string") parts.push(...a.text(content));
      else for (const c of content ?? []) parts.push(...this.#contentChunk(c));
      for (const call of toolCalls ?? []) {
        const args = call.function.arguments;
        parts.push(
          ...a.toolCall({
            index: call.index ?? null,
            id: call.id ?? null,
            name: call.function.name || null,
            arguments: typeof args === "string" ? args : JSON.stringify(args),
          }),
        );
      }
      if (choice.finishReason) a.finish(this.#finishReason(choice.finishReason));
    }
    if (chunk.usage) {
      parts.push(...a.usage(chunk.usage.promptTokens, chunk.usage.completionTokens));
    }
    return parts;
  }

  /** After `[DONE]` (or the end of the body): closes the last block and emits `stop`. */
  end(): ModelStreamPart[] {
    return this.#assembler.end();
  }

  #contentChunk(chunk: ContentChunk): ModelStreamPart[] {
    if (!("type" in chunk)) return [];
    if (chunk.type === "text" && "text" in chunk) return this.#assembler.text(chunk.text);
    if (chunk.type === "thinking" && "thinking" in chunk) {
      const text = chunk.thinking.map((t) => ("text" in t ? t.text : "")).join("");
      return this.#assembler.thinking(text);
    }
    return [];
  }

  #finishReason(reason: string): ModelStopReason {
    switch (reason) {
      case "tool_calls":
        return "tool_use";
      case "length":
      case "model_length":
        return "max_tokens";
      case "error":
        throw new ModelProviderError(
          "unavailable",
          `${this.#provider}: generation failed upstream`,
        );
      default:
        return "end_turn";
    }
  }
}
