/**
 * ToolExecutor over HTTP: POSTs `{id, name, input, thread_id, seq, end_user_id}` to the tool's
 * URL, signed (domain/tool-signature.ts), with `Idempotency-Key` so the tenant can dedupe retries.
 * Retries only where the call surely did not succeed or the tool asked for it (connection error,
 * 5xx, 429), never after a timeout (the tool may still be working; the turn must stay bounded).
 * Answer: 2xx JSON `{content, is_error?}` is used as is; any other 2xx body is the content as text.
 * Every connection goes through guarded-post.ts: only to addresses the DestinationPolicy allows
 * (checked on the address connected to), no redirects, at most MAX_ANSWER_BYTES read. A refused
 * destination is `destination_not_allowed: …`, never retried.
 */
import type { DestinationPolicy } from "../../domain/destination-policy.ts";
import { toolIdempotencyKey, toolSignature } from "../../domain/tool-signature.ts";
import type { HostResolver } from "../../ports/host-resolver.ts";
import type { ToolCall, ToolExecutor, ToolOutcome } from "../../ports/tool-executor.ts";
import type { ToolRecord } from "../../ports/tool-registry.ts";
import { guardedPost } from "./guarded-post.ts";

export interface HttpToolExecutorOptions {
  /** Per attempt. */
  timeoutMs: number;
  /** 3 attempts: rides out a restart or a 429 blip of the tool, bounded for the user waiting. */
  attempts?: number;
  /** Backoff base; doubled per retry (200 ms, 400 ms) unless Retry-After says otherwise. */
  retryBaseMs?: number;
  policy: DestinationPolicy;
  resolver: HostResolver;
}

/** 5 s: never wait longer on a tool's Retry-After while a user watches the turn. */
const MAX_RETRY_WAIT_MS = 5_000;
/** 64 KiB of answer is plenty for a model to read; larger answers are cut with a note. */
const MAX_ANSWER_CHARS = 64 * 1024;
/** 1 MiB read from the socket at most (then the connection is dropped): bounds memory per call. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
/** The prefix of a refused call's result, read by models and clients alike. */
export const DESTINATION_NOT_ALLOWED = "destination_not_allowed";

type Attempt =
  | { kind: "answer"; outcome: Omit<ToolOutcome, "attempts"> }
  | { kind: "retry"; reason: string; waitMs: number | null }
  | { kind: "refused"; reason: string };

function answerFrom(status: number, text: string): Omit<ToolOutcome, "attempts"> {
  const cut =
    text.length > MAX_ANSWER_CHARS ? `${text.slice(0, MAX_ANSWER_CHARS)}… [truncated]` : text;
  if (status < 200 || status >= 300)
    return { content: `tool call failed: HTTP ${status}: ${cut}`, is_error: true };
  try {
    const json = JSON.parse(text) as { content?: unknown; is_error?: unknown };
    if (json && typeof json === "object" && "content" in json) {
      const content =
        typeof json.content === "string" ? json.content : JSON.stringify(json.content);
      return { content, is_error: json.is_error === true };
    }
  } catch {
    // Not JSON: the body is the answer as text, which is a valid way for a tool to answer.
  }
  return { content: cut, is_error: false };
}

function retryAfterMs(header: string | null): number | null {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}

export class HttpToolExecutor implements ToolExecutor {
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #retryBaseMs: number;
  readonly #policy: DestinationPolicy;
  readonly #resolver: HostResolver;

  constructor(options: HttpToolExecutorOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#attempts = options.attempts ?? 3;
    this.#retryBaseMs = options.retryBaseMs ?? 200;
    this.#policy = options.policy;
    this.#resolver = options.resolver;
  }

  async execute(tool: ToolRecord, call: ToolCall, signal: AbortSignal): Promise<ToolOutcome> {
    const body = JSON.stringify({
      id: call.toolUseId,
      name: tool.name,
      input: call.input,
      thread_id: call.threadId,
      seq: call.seq,
      end_user_id: call.endUserId,
    });
    let lastReason = "";
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      if (signal.aborted)
        return { content: "tool call cancelled", is_error: true, attempts: attempt - 1 };
      const result = await this.#attempt(tool, call, body, signal);
      if (result.kind === "answer") return { ...result.outcome, attempts: attempt };
      if (result.kind === "refused") {
        const content = `${DESTINATION_NOT_ALLOWED}: the tool's URL is not an allowed destination (${result.reason})`;
        return { content, is_error: true, attempts: attempt };
      }
      lastReason = result.reason;
      if (result.waitMs === null || attempt === this.#attempts) {
        return { content: `tool call failed: ${lastReason}`, is_error: true, attempts: attempt };
      }
      const wait = Math.min(
        result.waitMs || this.#retryBaseMs * 2 ** (attempt - 1),
        MAX_RETRY_WAIT_MS,
      );
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return { content: `tool call failed: ${lastReason}`, is_error: true, attempts: this.#attempts };
  }

  /** One HTTP attempt. `waitMs: null` means do not retry; 0 means retry after the backoff. */
  async #attempt(
    tool: ToolRecord,
    call: ToolCall,
    body: string,
    signal: AbortSignal,
  ): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const headers = {
      "content-type": "application/json",
      "user-agent": "spool-tools/1",
      "spool-signature": toolSignature(tool.secret, Math.floor(Date.now() / 1000), body),
      "idempotency-key": toolIdempotencyKey(call.threadId, call.seq, call.toolUseId),
    };
    const answer = await guardedPost({
      url: tool.url,
      headers,
      body,
      signal: AbortSignal.any([signal, timeout]),
      maxBytes: MAX_ANSWER_BYTES,
      policy: this.#policy,
      resolver: this.#resolver,
    });
    if (answer.kind === "refused") return answer;
    if (answer.kind === "failed") {
      if (signal.aborted) return { kind: "retry", reason: "cancelled", waitMs: null };
      if (timeout.aborted)
        return { kind: "retry", reason: `timed out after ${this.#timeoutMs} ms`, waitMs: null };
      return { kind: "retry", reason: `connection failed (${String(answer.error)})`, waitMs: 0 };
    }
    const text = answer.cut ? `${answer.text}… [truncated]` : answer.text;
    if (answer.status === 429 || answer.status >= 500) {
      return {
        kind: "retry",
        reason: `HTTP ${answer.status}: ${text.slice(0, 200)}`,
        waitMs: retryAfterMs(answer.retryAfter) ?? 0,
      };
    }
    return { kind: "answer", outcome: answerFrom(answer.status, text) };
  }
}
