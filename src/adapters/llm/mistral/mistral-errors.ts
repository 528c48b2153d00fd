/**
 * Mistral SDK errors → ModelProviderError (used by MistralProvider). HTTP errors carry
 * `statusCode`; a response the SDK cannot parse is the upstream misbehaving (`unavailable`), a
 * request the SDK refuses to send is ours to fix (`rejected`). Order matters:
 * SDKValidationError's `instanceof` also matches ResponseValidationError.
 */
import {
  MistralError,
  ResponseValidationError,
  SDKValidationError,
} from "@mistralai/mistralai/models/errors";
import { ModelProviderError } from "../../../ports/llm.ts";
import { abortReason, describe, toProviderError } from "../shared/provider-errors.ts";

/** Longest slice of an error body kept in a message. */
const MAX_BODY_CHARS = 500;

export function fromMistralError(error: unknown, provider: string, signal: AbortSignal): unknown {
  if (signal.aborted) return abortReason(signal);
  if (error instanceof ModelProviderError) return error;
  if (error instanceof ResponseValidationError) {
    return new ModelProviderError("unavailable", `${provider}: malformed response`, {
      cause: error,
    });
  }
  if (error instanceof MistralError) {
    return toProviderError({
      provider,
      status: error.statusCode,
      headers: error.headers,
      message: error.body ? error.body.slice(0, MAX_BODY_CHARS) : error.message,
      cause: error,
    });
  }
  if (error instanceof SDKValidationError) {
    return new ModelProviderError("rejected", `${provider}: ${error.message}`, { cause: error });
  }
  return new ModelProviderError("unavailable", `${provider}: ${describe(error)}`, { cause: error });
}
