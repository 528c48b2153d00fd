/**
 * Reading a compatibility request: the JSON body (bounded in bytes and nesting, since Elysia's
 * parser is off for these routes so that errors come in the protocol's shape), the parameter
 * whitelist (an unsupported parameter is a 400 naming it, never silently ignored), the headers
 * Spool adds to every protocol (`Spool-Thread-Id`, `Idempotency-Key`) and the request fingerprint
 * that tells an idempotent retry from a reused key.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../../domain/fingerprint.ts";
import type { ConversationMessage } from "../../../domain/history-fingerprint.ts";
import { InvalidRequestError, PayloadTooLargeError } from "../../../protocol/errors.ts";
import { REQUEST_ID_MAX_CHARS, type SendTool } from "../../../protocol/requests.ts";
import { readBodyText } from "../../body-guard.ts";

/** 64 levels: API.md's bound on JSON nesting. */
export const MAX_JSON_DEPTH = 64;
const THREAD_ID_PATTERN = /^thr_[A-Za-z0-9]{1,64}$/;

export type JsonObject = Record<string, unknown>;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (text: string) => !LONE_SURROGATE.test(text);

/** Deepest nesting of `value`; -1 when a string holds a lone surrogate (refused, never replaced). */
function depthOf(value: unknown, depth: number): number {
  if (typeof value === "string") return wellFormed(value) ? depth : -1;
  if (depth > MAX_JSON_DEPTH) return depth;
  if (value === null || typeof value !== "object") return depth;
  let max = depth;
  for (const [key, child] of Object.entries(value as JsonObject)) {
    const inner = wellFormed(key) ? depthOf(child, depth + 1) : -1;
    if (inner < 0) return -1;
    max = Math.max(max, inner);
    if (max > MAX_JSON_DEPTH) break;
  }
  return max;
}

export async function readJsonObject(request: Request, maxBytes: number): Promise<JsonObject> {
  // Streamed with a byte cap: a chunked body past the limit is cut off, not read whole.
  const text = await readBodyText(request, maxBytes);
  if (Buffer.byteLength(text) > maxBytes) throw new PayloadTooLargeError(maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidRequestError("The request body is not valid JSON.");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new InvalidRequestError("The request body must be a JSON object.");
  const depth = depthOf(body, 1);
  if (depth < 0) throw new InvalidRequestError("A string holds a lone UTF-16 surrogate.");
  if (depth > MAX_JSON_DEPTH)
    throw new InvalidRequestError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels.`);
  return body as JsonObject;
}

/** A 400 for the first parameter Spool does not support (whitelist, so new ones fail loudly). */
export function rejectUnsupported(body: JsonObject, supported: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!supported.includes(key)) {
      throw new InvalidRequestError(
        `Parameter "${key}" is not supported by Spool's compatibility endpoint (docs/compat.md lists what is).`,
        key,
      );
    }
  }
}

export function threadIdHeader(request: Request): string | null {
  const value = request.headers.get("spool-thread-id");
  return value === null ? null : checkThreadId(value, "Spool-Thread-Id");
}

export function checkThreadId(value: string, param: string): string {
  if (!THREAD_ID_PATTERN.test(value))
    throw new InvalidRequestError(`${param} is not a thread id.`, param);
  return value;
}

export function idempotencyKey(request: Request): string | null {
  const key = request.headers.get("idempotency-key");
  if (key === null) return null;
  if (key.length < 1 || key.length > REQUEST_ID_MAX_CHARS)
    throw new InvalidRequestError("Idempotency-Key must be 1-255 characters.", "Idempotency-Key");
  return key;
}

/** What defines the request, not how it is delivered (`stream`, `stream_options`). */
export function requestFingerprint(body: JsonObject, extra: unknown = null): string {
  const { stream: _s, stream_options: _o, ...defining } = body;
  return createHash("sha256")
    .update(canonicalJson({ defining, extra }))
    .digest("base64url")
    .slice(0, 32);
}

export function turnHeaders(threadId: string, seq: number): Record<string, string> {
  return { "spool-thread-id": threadId, "spool-message-seq": String(seq) };
}

/** A protocol request as every compat route reads it (each protocol's parser fills it). */
export interface TurnRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  system: string | null;
  messages: ConversationMessage[];
  tools: SendTool[];
  maxTokens: number | undefined;
  temperature: number | undefined;
  user: string | null;
}
