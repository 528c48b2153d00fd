/** Typed reads of protocol request fields: a wrong type is a 400 naming the parameter's path. */
import { InvalidRequestError } from "../../../protocol/errors.ts";
import type { JsonObject } from "./compat-request.ts";

function fail(param: string, what: string): never {
  throw new InvalidRequestError(`${param} must be ${what}.`, param);
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function objectAt(value: unknown, param: string): JsonObject {
  return isObject(value) ? value : fail(param, "an object");
}

export function optString(o: JsonObject, key: string, param = key): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? v : fail(param, "a string");
}

export function reqString(o: JsonObject, key: string, param = key): string {
  const v = optString(o, key, param);
  if (v === undefined || v === "") return fail(param, "a non-empty string");
  return v;
}

export function optBool(o: JsonObject, key: string, param = key): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  return typeof v === "boolean" ? v : fail(param, "a boolean");
}

export function optInt(o: JsonObject, key: string, min: number, max: number, param = key) {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    return fail(param, `a whole number from ${min} to ${max}`);
  return v;
}

export function optNumber(o: JsonObject, key: string, min: number, max: number, param = key) {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max)
    return fail(param, `a number from ${min} to ${max}`);
  return v;
}

export function arrayAt(value: unknown, param: string, maxItems: number): unknown[] {
  if (!Array.isArray(value)) return fail(param, "an array");
  if (value.length > maxItems) fail(param, `an array of at most ${maxItems} items`);
  return value;
}

/** Tool-call arguments as the protocols carry them (a JSON string) → a JSON object. */
export function parseArguments(raw: unknown, param: string): Record<string, unknown> {
  if (isObject(raw)) return raw;
  if (typeof raw !== "string") return fail(param, "a JSON string");
  if (raw.trim() === "") return {};
  try {
    const value = JSON.parse(raw) as unknown;
    return isObject(value) ? value : fail(param, "a JSON object");
  } catch {
    return fail(param, "valid JSON");
  }
}

/** An image given as a URL: `data:` URLs become base64 blocks (the four media types Spool takes). */
export function imageFromUrl(url: string, param: string) {
  const data = /^data:(image\/(?:png|jpeg|gif|webp));base64,(.+)$/s.exec(url);
  if (data)
    return {
      type: "image" as const,
      source: {
        type: "base64" as const,
        media_type: data[1] as "image/png" | "image/jpeg" | "image/gif" | "image/webp",
        data: data[2]!,
      },
    };
  if (/^https?:\/\//.test(url))
    return { type: "image" as const, source: { type: "url" as const, url } };
  return fail(param, "an http(s) URL or a base64 data URL of a png, jpeg, gif or webp image");
}
