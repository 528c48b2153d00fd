/**
 * Input bounds every entrance shares (API.md "Input bounds"): JSON nesting depth, checked on the
 * text before parsing so a 100k-deep body costs one linear scan and no recursion; well-formed
 * UTF-16 in every string and object key (a lone surrogate is refused, never replaced, because a
 * store would replace it with U+FFFD and two different ids would become one); control characters.
 */

/** 64 levels: far deeper than any real message, shallow enough for every recursive walker. */
export const MAX_JSON_DEPTH = 64;

/** True when `text` (JSON) nests arrays/objects deeper than `maxDepth`. Strings are skipped. */
export function jsonTooDeep(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

/** ES2024 `String.prototype.isWellFormed` (Bun and Deno have it; the tsconfig lib predates it). */
const nativeIsWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean })
  .isWellFormed;

/** Whether `s` is well-formed UTF-16 (no lone surrogate). */
export function isWellFormed(s: string): boolean {
  return nativeIsWellFormed.call(s);
}

/**
 * The path (`content.0.text`, `metadata.<key>`) of the first string or key in `value` that is not
 * well-formed UTF-16; "" for the value itself; null when every string is well-formed. Iterative,
 * so even an unchecked deep value cannot overflow the stack.
 */
export function illFormedPath(value: unknown): string | null {
  const stack: { value: unknown; path: string }[] = [{ value, path: "" }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === "string") {
      if (!isWellFormed(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: join(path, i) });
    } else if (v !== null && typeof v === "object") {
      for (const [key, item] of Object.entries(v)) {
        if (!isWellFormed(key)) return join(path, key);
        stack.push({ value: item, path: join(path, key) });
      }
    }
  }
  return null;
}

function join(path: string, key: string | number): string {
  return path === "" ? String(key) : `${path}.${key}`;
}

/** C0 and C1 control characters and DEL: never part of an identifier. */
export function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/**
 * Whether every `%XX` sequence of a raw URL component decodes to well-formed UTF-8 (an encoded
 * surrogate is not UTF-8, so it is refused rather than turned into U+FFFD by URLSearchParams).
 */
export function isWellFormedUriComponent(raw: string): boolean {
  if (!raw.includes("%")) return true;
  try {
    decodeURIComponent(raw.replaceAll("+", " "));
    return true;
  } catch {
    return false;
  }
}
