/**
 * ToolExecutor over HTTP: POSTs `{id, name, input, thread_id, seq, end_user_id}` to the tool's
 * URL, signed (domain/tool-signature.ts), with `Idempotency-Key` so the tenant can dedupe retries.
 * Retries only where the call surely did not succeed or the tool asked for it (connection error,
 * 5xx, 429), never after a timeout (the tool may still be working; the turn must stay bounded).
 * Answer: 2xx JSON `{content, is_error?}` is used as is; any other 2xx body is the content as text.
 */
import { toolIdempotencyKey, toolSignature } from "../../domain/tool-signature.ts";
import type { ToolCall, ToolExecutor, ToolOutcome } from "../../ports/tool-executor.ts";
import type { ToolRecord } from "../../ports/tool-registry.ts";

export interface HttpToolExecutorOptions {
  /** Per attempt. */
  timeoutMs: number;
  /** 3 attempts: rides out a restart or a 429 blip of the tool, bounded for the user waiting. */
  attempts?: number;
  /** Backoff base; doubled per retry (200 ms, 400 ms) unless Retry-After says otherwise. */
  retryBaseMs?: number;
}

/** 5 s: never wait longer on a tool's Retry-After while a user watches the turn. */
const MAX_RETRY_WAIT_MS = 5_000;
/** 64 KiB of answer is plenty for a model to read; larger answers are cut with a note. */
const MAX_ANSWER_CHARS = 64 * 1024;

type Attempt =
  | { kind: "answer"; outcome: Omit<ToolOutcome, "attempts"> }
  | { kind: "retry"; reason: string; waitMs: number | null };

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

function retryAfterMs(response: Response): number | null {
  const seconds = Number(response.headers.get("retry-after"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}

export class HttpToolExecutor implements ToolExecutor {
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #retryBaseMs: number;

  constructor(options: HttpToolExecutorOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#attempts = options.attempts ?? 3;
    this.#retryBaseMs = options.retryBaseMs ?? 200;
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
    let response: Response;
    try {
      response = await fetch(tool.url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.any([signal, timeout]),
        redirect: "error",
      });
    } catch (error) {
      if (signal.aborted) return { kind: "retry", reason: "cancelled", waitMs: null };
      if (timeout.aborted)
        return { kind: "retry", reason: `timed out after ${this.#timeoutMs} ms`, waitMs: null };
      return { kind: "retry", reason: `connection failed (${String(error)})`, waitMs: 0 };
    }
    const text = await readText(response, signal, timeout, this.#timeoutMs);
    if (text.kind === "failed") return { kind: "retry", reason: text.reason, waitMs: null };
    if (response.status === 429 || response.status >= 500) {
      return {
        kind: "retry",
        reason: `HTTP ${response.status}: ${text.text.slice(0, 200)}`,
        waitMs: retryAfterMs(response) ?? 0,
      };
    }
    return { kind: "answer", outcome: answerFrom(response.status, text.text) };
  }
}

async function readText(
  response: Response,
  signal: AbortSignal,
  timeout: AbortSignal,
  timeoutMs: number,
): Promise<{ kind: "text"; text: string } | { kind: "failed"; reason: string }> {
  try {
    return { kind: "text", text: await response.text() };
  } catch (error) {
    if (signal.aborted) return { kind: "failed", reason: "cancelled" };
    if (timeout.aborted) return { kind: "failed", reason: `timed out after ${timeoutMs} ms` };
    return { kind: "failed", reason: `answer could not be read (${String(error)})` };
  }
}
