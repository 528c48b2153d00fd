/** Query-string parsing with API.md's errors: a bad `limit` or `order` is `400 invalid_request`. */
import { InvalidRequestError } from "../protocol/errors.ts";

export function parseLimit(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidRequestError(`limit must be a whole number from 1 to ${max}.`, "limit");
  }
  return value;
}

export function parseOrder(raw: string | undefined): "asc" | "desc" {
  if (raw === undefined || raw === "asc" || raw === "desc") return raw ?? "asc";
  throw new InvalidRequestError("order must be asc or desc.", "order");
}

export function parseIncludeTools(raw: string | undefined): boolean {
  return parseInclude(raw, ["tools"]).has("tools");
}

/** `include=a,b` → the named parts; a name outside `allowed` is a 400 naming it. */
export function parseInclude<T extends string>(
  raw: string | undefined,
  allowed: readonly T[],
): Set<T> {
  const out = new Set<T>();
  if (raw === undefined || raw === "") return out;
  for (const part of raw.split(",").map((s) => s.trim())) {
    if (!(allowed as readonly string[]).includes(part))
      throw new InvalidRequestError(`Unknown include "${part}".`, "include");
    out.add(part as T);
  }
  return out;
}

export function parseSeq(raw: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InvalidRequestError("seq must be a positive integer.", "seq");
  return value;
}
