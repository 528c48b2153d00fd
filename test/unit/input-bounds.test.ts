/** UTF-16 well-formedness, JSON depth and URL checks (domain/input-bounds.ts, http/body-guard.ts). */
import { describe, expect, test } from "bun:test";
import {
  hasControlChars,
  illFormedPath,
  isWellFormed,
  isWellFormedUriComponent,
  jsonTooDeep,
} from "../../src/domain/input-bounds.ts";
import { checkUrl, parseBoundedJson } from "../../src/http/body-guard.ts";

const codeOf = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (error) {
    return (error as { code?: string }).code ?? "thrown";
  }
};

describe("UTF-16", () => {
  test("lone surrogates are ill-formed, pairs and U+FFFD are fine", () => {
    expect(isWellFormed("vic\ud800tim")).toBe(false);
    expect(isWellFormed("vic\udffftim")).toBe(false);
    expect(isWellFormed("\ud83d")).toBe(false);
    expect(isWellFormed("😀 ok \ufffd")).toBe(true);
    expect(isWellFormed("\ud83d\ude00")).toBe(true);
  });

  test("illFormedPath names the first bad string or key", () => {
    expect(illFormedPath({ a: "ok", b: ["x", "y\udc00"] })).toBe("b.1");
    expect(illFormedPath({ metadata: { "k\ud800": "v" } })).toBe("metadata.k\ud800");
    expect(illFormedPath({ content: [{ type: "text", text: "fine" }] })).toBeNull();
    expect(illFormedPath("\ud800")).toBe("");
    expect(illFormedPath(42)).toBeNull();
  });

  test("control characters", () => {
    expect(hasControlChars("alice")).toBe(false);
    expect(hasControlChars("al\u0000ice")).toBe(true);
    expect(hasControlChars("al\u0085ice")).toBe(true);
    expect(hasControlChars("al\u007fice")).toBe(true);
  });
});

describe("JSON depth", () => {
  test("64 levels pass, 65 do not; brackets inside strings do not count", () => {
    expect(jsonTooDeep(`${"[".repeat(64)}${"]".repeat(64)}`)).toBe(false);
    expect(jsonTooDeep(`${"[".repeat(65)}${"]".repeat(65)}`)).toBe(true);
    expect(jsonTooDeep(JSON.stringify({ s: "[".repeat(1000) }))).toBe(false);
    expect(jsonTooDeep(JSON.stringify({ s: '\\"[[[' }))).toBe(false);
  });

  test("100k-deep JSON is one linear scan and a 400", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const started = performance.now();
    expect(codeOf(() => parseBoundedJson(deep))).toBe("invalid_request");
    expect(performance.now() - started).toBeLessThan(200);
  });

  test("a lone surrogate escape is 422 with its param; bad JSON 400", () => {
    expect(codeOf(() => parseBoundedJson('{"end_user_id":"vic\\ud800tim"}'))).toBe(
      "validation_failed",
    );
    try {
      parseBoundedJson('{"metadata":{"a":"\\udfff"}}');
    } catch (error) {
      expect((error as { param?: string }).param).toBe("metadata.a");
    }
    expect(codeOf(() => parseBoundedJson("{"))).toBe("invalid_request");
    expect(parseBoundedJson("")).toBeUndefined();
  });
});

describe("URLs", () => {
  test("an encoded surrogate (not UTF-8) is refused; real characters pass", () => {
    expect(isWellFormedUriComponent("vic%ED%A0%80tim")).toBe(false);
    expect(isWellFormedUriComponent("vic%EF%BF%BDtim")).toBe(true);
    expect(isWellFormedUriComponent("%F0%9F%98%80")).toBe(true);
    expect(codeOf(() => checkUrl("http://x/v1/threads?end_user_id=vic%ED%A0%80tim"))).toBe(
      "invalid_request",
    );
    expect(codeOf(() => checkUrl("http://x/v1/threads/thr_%ED%B0%80"))).toBe("invalid_request");
    expect(codeOf(() => checkUrl("http://x/v1/threads?end_user_id=al%20ice&limit=2"))).toBeNull();
  });
});
