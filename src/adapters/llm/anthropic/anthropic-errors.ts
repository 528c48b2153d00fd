/**
 * Anthropic SDK errors → ModelProviderError (used by AnthropicProvider). HTTP errors carry a
 * status; an `event: error` inside an open stream arrives as an APIError without one, so its body
 * type (`overloaded_error`, …) decides instead. Anything else thrown while streaming (socket reset,
 * malformed frame) is the upstream failing: `unavailable`.
 */
import { APIError } from "@anthropic-ai/sdk";
import { ModelProviderError } from "../../../ports/llm.ts";
import { abortReason, describe, toProviderError } from "../shared/provider-errors.ts";

export function fromAnthropicError(error: unknown, provider: string, signal: AbortSignal): unknown {
  if (signal.aborted) return abortReason(signal);
  if (error instanceof ModelProviderError) return error;
  if (error instanceof APIError) {
    return toProviderError({
      provider,
      status: typeof error.status === "number" ? error.status : null,
      headers: error.headers ?? null,
      type: error.type,
      message: error.apiMessage ?? error.message,
      cause: error,
    });
  }
  return new ModelProviderError("unavailable", `${provider}: ${describe(error)}`, { cause: error });
}
