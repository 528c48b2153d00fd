/**
 * Turns chat-completions style deltas (OpenAI, OpenAI-compatible, Mistral: text, reasoning, tool
 * call pieces keyed by index/id, a finish reason, usage) into the model port's stream parts. Used
 * by the OpenAI and Mistral stream translators; SDK-free. Decisions: one block is open at a time
 * (a new kind of content closes the previous block), a tool call's block starts once its name is
 * known, and `stop` is emitted only at the end of the stream because the usage chunk follows the
 * finish reason.
 */
import {
  ModelProviderError,
  type ModelStopReason,
  type ModelStreamPart,
} from "../../../ports/llm.ts";

export interface ToolCallDelta {
  index?: number | null;
  id?: string | null;
  name?: string | null;
  arguments?: string | null;
}

interface ToolCallState {
  providerIndex: number | null;
  id: string;
  name: string | null;
  /** Our block index once started; null while waiting for the name. */
  blockIndex: number | null;
  buffered: string;
  closed: boolean;
}

type OpenBlock =
  | { kind: "text" | "thinking"; index: number }
  | { kind: "tool"; index: number; call: ToolCallState };

export class ChatDeltaAssembler {
  readonly #provider: string;
  readonly #calls: ToolCallState[] = [];
  #open: OpenBlock | null = null;
  #pending: ToolCallState | null = null;
  #nextIndex = 0;
  #finish: ModelStopReason | null = null;
  #sawToolCall = false;

  constructor(provider: string) {
    this.#provider = provider;
  }

  text(text: string): ModelStreamPart[] {
    if (text === "") return [];
    const parts = this.#ensureOpen("text");
    parts.push({
      type: "block_delta",
      index: this.#open!.index,
      delta: { type: "text_delta", text },
    });
    return parts;
  }

  thinking(thinking: string): ModelStreamPart[] {
    if (thinking === "") return [];
    const parts = this.#ensureOpen("thinking");
    parts.push({
      type: "block_delta",
      index: this.#open!.index,
      delta: { type: "thinking_delta", thinking },
    });
    return parts;
  }

  toolCall(delta: ToolCallDelta): ModelStreamPart[] {
    this.#sawToolCall = true;
    const call = this.#findCall(delta) ?? this.#newCall(delta);
    if (call.closed) {
      throw new ModelProviderError(
        "unavailable",
        `${this.#provider}: tool call ${call.id} continued after another block started`,
      );
    }
    if (delta.name && !call.name) call.name = delta.name;
    const parts: ModelStreamPart[] = [];
    if (call.blockIndex === null) {
      if (this.#pending !== call) parts.push(...this.#closeOpen());
      this.#pending = call;
      call.buffered += delta.arguments ?? "";
      if (call.name) parts.push(...this.#startCall(call));
      return parts;
    }
    if (delta.arguments) parts.push(jsonDelta(call.blockIndex, delta.arguments));
    return parts;
  }

  finish(reason: ModelStopReason): void {
    this.#finish = reason;
  }

  /** `cached`: prompt tokens read from the provider's cache (OpenAI's automatic caching). */
  usage(
    input: number | null | undefined,
    output: number | null | undefined,
    cached?: number | null,
  ): ModelStreamPart[] {
    const part: ModelStreamPart = { type: "usage" };
    if (typeof input === "number") part.input_tokens = input;
    if (typeof output === "number") part.output_tokens = output;
    if (typeof cached === "number" && cached > 0) part.cache_read_tokens = cached;
    return part.input_tokens === undefined && part.output_tokens === undefined ? [] : [part];
  }

  /** At the end of the provider's stream: closes the open block and emits `stop`. */
  end(): ModelStreamPart[] {
    if (this.#finish === null) {
      throw new ModelProviderError(
        "unavailable",
        `${this.#provider}: stream ended before a finish reason`,
      );
    }
    const parts = this.#closeOpen();
    const reason = this.#finish === "end_turn" && this.#sawToolCall ? "tool_use" : this.#finish;
    parts.push({ type: "stop", reason });
    return parts;
  }

  #findCall(delta: ToolCallDelta): ToolCallState | undefined {
    if (delta.id) return this.#calls.find((c) => c.id === delta.id);
    const index = delta.index ?? null;
    if (index !== null) return this.#calls.findLast((c) => c.providerIndex === index);
    return this.#open?.kind === "tool" ? this.#open.call : (this.#pending ?? undefined);
  }

  #newCall(delta: ToolCallDelta): ToolCallState {
    const call: ToolCallState = {
      providerIndex: delta.index ?? null,
      id: delta.id || `call_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`,
      name: null,
      blockIndex: null,
      buffered: "",
      closed: false,
    };
    this.#calls.push(call);
    return call;
  }

  #startCall(call: ToolCallState): ModelStreamPart[] {
    const index = this.#nextIndex++;
    call.blockIndex = index;
    this.#pending = null;
    this.#open = { kind: "tool", index, call };
    const parts: ModelStreamPart[] = [
      {
        type: "block_start",
        index,
        block: { type: "tool_use", id: call.id, name: call.name ?? "", input: {} },
      },
    ];
    if (call.buffered) parts.push(jsonDelta(index, call.buffered));
    call.buffered = "";
    return parts;
  }

  #ensureOpen(kind: "text" | "thinking"): ModelStreamPart[] {
    if (this.#open?.kind === kind) return [];
    const parts = this.#closeOpen();
    const index = this.#nextIndex++;
    this.#open = { kind, index };
    const block =
      kind === "text"
        ? { type: "text" as const, text: "" }
        : { type: "thinking" as const, thinking: "", provider: this.#provider };
    parts.push({ type: "block_start", index, block });
    return parts;
  }

  #closeOpen(): ModelStreamPart[] {
    const parts: ModelStreamPart[] = [];
    if (this.#pending) {
      // A call whose name never came cannot be a tool_use block; its pieces are dropped with it.
      this.#pending.closed = true;
      this.#pending = null;
    }
    if (this.#open) {
      if (this.#open.kind === "tool") this.#open.call.closed = true;
      parts.push({ type: "block_stop", index: this.#open.index });
      this.#open = null;
    }
    return parts;
  }
}

function jsonDelta(index: number, partial: string): ModelStreamPart {
  return { type: "block_delta", index, delta: { type: "input_json_delta", partial_json: partial } };
}
