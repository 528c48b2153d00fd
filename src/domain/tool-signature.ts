/**
 * Signing of Spool's calls to tenant tools, Stripe-webhook style, so a tool can check that a call
 * came from Spool and is fresh: `Spool-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
 * "<t>.<raw body>")>`. Tools should recompute it over the raw body, compare in constant time, and
 * refuse a `t` older than a few minutes. `verifyToolSignature` is the reference check.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "spool-signature";
/** 300 s: Stripe's default tolerance; covers clock skew and retries, bounds replays. */
export const SIGNATURE_TOLERANCE_S = 300;

export function toolSignature(secret: string, timestampS: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestampS}.${body}`).digest("hex");
  return `t=${timestampS},v1=${mac}`;
}

export function verifyToolSignature(
  secret: string,
  header: string,
  body: string,
  nowS: number,
  toleranceS = SIGNATURE_TOLERANCE_S,
): boolean {
  const parts = new Map(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.get("t"));
  const given = parts.get("v1");
  if (!Number.isInteger(t) || !given || Math.abs(nowS - t) > toleranceS) return false;
  const expected = toolSignature(secret, t, body).split("v1=")[1]!;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Same thread, message and tool call → same key, on every retry and every node. */
export function toolIdempotencyKey(threadId: string, seq: number, toolUseId: string): string {
  return `${threadId}:${seq}:${toolUseId}`;
}
