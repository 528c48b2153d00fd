/**
 * Idempotency fingerprints: the same `request_id` with the same body is a retry, with another body
 * a mistake (422). The fingerprint covers what defines the turn, not how it is delivered
 * (`stream`, `on_busy`), so a retry may switch from streaming to waiting.
 */
import { createHash } from "node:crypto";
import type { SendBody } from "../protocol/requests.ts";
import { normalizeContent } from "./content.ts";

/** JSON with object keys sorted, so key order in the client's body does not matter. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function sendFingerprint(body: SendBody): string {
  const defining = {
    content: normalizeContent(body.content),
    model: body.model,
    system: body.system,
    max_tokens: body.max_tokens,
    temperature: body.temperature,
    tools: body.tools,
    tools_mode: body.tools_mode,
    if_last_seq: body.if_last_seq,
    parent_seq: body.parent_seq,
  };
  return createHash("sha256").update(canonicalJson(defining)).digest("base64url").slice(0, 32);
}
