/**
 * The input bounds HTTP applies before any route (API.md "Input bounds"): the body limit while
 * the body streams in (so a chunked body without Content-Length is cut off at the limit too:
 * 413), strict UTF-8, JSON nesting at most MAX_JSON_DEPTH (400, checked on the text before
 * parsing), every string and key well-formed UTF-16 (422 with param), and a URL whose
 * percent-escapes decode to well-formed UTF-8 (400). Installed once in app.ts (onParse).
 */
import {
  illFormedPath,
  isWellFormedUriComponent,
  jsonTooDeep,
  MAX_JSON_DEPTH,
} from "../domain/input-bounds.ts";
import { InvalidRequestError, PayloadTooLargeError, ValidationError } from "../protocol/errors.ts";

/** Reads the body, refusing it as soon as it passes `maxBytes`, whatever the framing. */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const body = request.body;
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {
        // the client is gone already; nothing else to release
      });
      throw new PayloadTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new InvalidRequestError("The request body is not valid UTF-8.");
  }
}

/** JSON text → value under the bounds; "" is no body (undefined). */
export function parseBoundedJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  if (jsonTooDeep(text)) {
    throw new InvalidRequestError(`The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError("The request body is not valid JSON.");
  }
  const path = illFormedPath(value);
  if (path !== null) {
    throw new ValidationError(
      "The string is not well-formed UTF-16 (it has a lone surrogate).",
      path || undefined,
    );
  }
  return value;
}

/** The onParse hook: every body goes through the limit; JSON ones through the bounds too. */
export async function parseBody(
  request: Request,
  contentType: string,
  maxBytes: number,
): Promise<unknown> {
  const text = await readBodyText(request, maxBytes);
  if (contentType === "" || /^application\/([a-z.+-]*\+)?json/i.test(contentType)) {
    return parseBoundedJson(text);
  }
  return text;
}

/** 400 unless every path segment and query component decodes to well-formed UTF-8. */
export function checkUrl(url: string): void {
  const queryAt = url.indexOf("?");
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const path = url.slice(start, queryAt < 0 ? undefined : queryAt);
  if (!isWellFormedUriComponent(path)) {
    throw new InvalidRequestError("The URL path is not well-formed UTF-8.");
  }
  if (queryAt < 0) return;
  for (const part of url.slice(queryAt + 1).split("&")) {
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    if (!isWellFormedUriComponent(part)) {
      const param = isWellFormedUriComponent(name) ? decodeURIComponent(name) : undefined;
      throw new InvalidRequestError("A query parameter is not well-formed UTF-8.", param);
    }
  }
}
