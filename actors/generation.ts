/**
 * One model call for one assistant message: maps the provider's stream parts to block events,
 * retries a retryable provider error only while nothing has been emitted (never a duplicated chunk
 * or a double charge), closes open blocks on abort or failure, and reports how it ended.
 * A failure after the first part ends the message `failed` with what was produced kept (the
 * closed blocks) and `error.code` `provider_<kind>`: `failed`, not `incomplete`, because the
 * client must know the answer broke off, and `incomplete` reasons name deliberate stops.
 */

import { unreachable } from "../src/domain/exhaustive.ts";
import { estimateTokens } from "../src/domain/tokens.ts";
import {
  type ModelProvider,
  ModelProviderError,
  type ModelRequest,
  type ModelStreamPart,
} from "../src/ports/llm.ts";
import type { StopReason, Usage } from "../src/protocol/objects.ts";
import { LoopSlice, nextLoopTurn } from "./loop-turns.ts";
import type { EventBody } from "./thread-log.ts";

/** 3 attempts: rides out a 429 or an overloaded blip, gives up before a user gives up. */
export const MODEL_ATTEMPTS = 3;
/** Backoff before a retry when the provider gave no Retry-After: 250 ms, then 500 ms. */
const RETRY_BASE_MS = 250;
/** Never wait longer than this on a Retry-After before the first chunk. */
const MAX_RETRY_WAIT_MS = 5_000;

/**
 * 5 ms: the longest a generation keeps the event loop before letting requests in. A provider that
 * yields parts without waiting (spool/echo at delay_ms=0, a buffered answer) would otherwise run a
 * whole 16k-chunk answer in one go on the loop that serves every other request of the node.
 */
const MAX_SLICE_MS = 5;

/** What a failed message says first, so an end user's app can show it as is. */
const FAILURE_TEXT: Record<ModelProviderError["kind"], string> = {
  rate_limited: "The model provider is rate limiting requests; try again shortly.",
  unavailable: "The model provider is unavailable or the stream broke off.",
  rejected: "The model provider refused the request.",
  auth: "Spool's credentials for the model provider were refused.",
};

export interface GenerationResult {
  status: "completed" | "incomplete" | "failed";
  stopReason: StopReason | null;
  usage: Usage | null;
  error: { code: string; message: string } | null;
  /** What the prompt is estimated to cost, for when the provider reported no usage (a cancel). */
  estimatedInputTokens: number;
}

/** The prompt's size by Spool's own estimate: system plus every context message. */
export function estimateInputTokens(request: Omit<ModelRequest, "signal">): number {
  const system = request.system ? estimateTokens([{ type: "text", text: request.system }]) : 0;
  return request.messages.reduce((n, m) => n + estimateTokens(m.content), system);
}

export interface GenerationInput {
  provider: ModelProvider;
  request: Omit<ModelRequest, "signal">;
  seq: number;
  signal: AbortSignal;
  emit(body: EventBody): void;
  sleep(ms: number): Promise<void>;
}

class PartMapper {
  emitted = 0;
  readonly open = new Set<number>();
  usage: { input: number | null; output: number | null; read?: number; write?: number } = {
    input: null,
    output: null,
  };
  stop: StopReason | null = null;

  constructor(private readonly input: GenerationInput) {}

  apply(part: ModelStreamPart): void {
    const { seq, emit } = this.input;
    switch (part.type) {
      case "block_start":
        this.open.add(part.index);
        emit({ type: "block.start", seq, index: part.index, block: part.block });
        break;
      case "block_delta":
        emit({ type: "block.delta", seq, index: part.index, delta: part.delta });
        break;
      case "block_stop":
        this.open.delete(part.index);
        emit(
          part.signature
            ? { type: "block.stop", seq, index: part.index, signature: part.signature }
            : { type: "block.stop", seq, index: part.index },
        );
        break;
      case "usage":
        if (part.input_tokens !== undefined) this.usage.input = part.input_tokens;
        if (part.output_tokens !== undefined) this.usage.output = part.output_tokens;
        if (part.cache_read_tokens !== undefined) this.usage.read = part.cache_read_tokens;
        if (part.cache_write_tokens !== undefined) this.usage.write = part.cache_write_tokens;
        return;
      case "stop":
        this.stop = part.reason;
        return;
      default:
        unreachable(part, "stream part");
    }
    this.emitted++;
  }

  closeOpenBlocks(): void {
    for (const index of this.open)
      this.input.emit({ type: "block.stop", seq: this.input.seq, index });
    this.open.clear();
  }

  finalUsage(): Usage | null {
    if (this.usage.input === null && this.usage.output === null) return null;
    return {
      input_tokens: this.usage.input ?? 0,
      output_tokens: this.usage.output ?? 0,
      estimated: false,
      ...(this.usage.read === undefined ? {} : { cache_read_tokens: this.usage.read }),
      ...(this.usage.write === undefined ? {} : { cache_write_tokens: this.usage.write }),
    };
  }
}

function retryDelayMs(error: ModelProviderError, attempt: number): number {
  return Math.min(error.retryAfterMs ?? RETRY_BASE_MS * 2 ** attempt, MAX_RETRY_WAIT_MS);
}

export async function runGeneration(input: GenerationInput): Promise<GenerationResult> {
  const mapper = new PartMapper(input);
  for (let attempt = 0; ; attempt++) {
    try {
      const slice = new LoopSlice(MAX_SLICE_MS);
      for await (const part of input.provider.stream({ ...input.request, signal: input.signal })) {
        if (input.signal.aborted) break;
        mapper.apply(part);
        if (slice.overdue()) {
          await nextLoopTurn();
          slice.restart();
        }
      }
      mapper.closeOpenBlocks();
      if (input.signal.aborted) return ended(input, mapper, "incomplete", "cancelled");
      if (mapper.stop === "max_tokens") return ended(input, mapper, "incomplete", "max_tokens");
      return ended(input, mapper, "completed", mapper.stop ?? "end_turn");
    } catch (error) {
      if (input.signal.aborted) {
        mapper.closeOpenBlocks();
        return ended(input, mapper, "incomplete", "cancelled");
      }
      const providerError =
        error instanceof ModelProviderError
          ? error
          : new ModelProviderError("unavailable", "the model stream failed", { cause: error });
      if (providerError.retryable && mapper.emitted === 0 && attempt + 1 < MODEL_ATTEMPTS) {
        await input.sleep(retryDelayMs(providerError, attempt));
        continue;
      }
      mapper.closeOpenBlocks();
      return {
        ...ended(input, mapper, "failed", null),
        error: {
          code: `provider_${providerError.kind}`,
          message: `${FAILURE_TEXT[providerError.kind]} ${providerError.message}`,
        },
      };
    }
  }
}

function ended(
  input: GenerationInput,
  mapper: PartMapper,
  status: GenerationResult["status"],
  stopReason: StopReason | null,
): GenerationResult {
  const usage = mapper.finalUsage();
  const estimatedInputTokens = usage ? usage.input_tokens : estimateInputTokens(input.request);
  return { status, stopReason, usage, error: null, estimatedInputTokens };
}
